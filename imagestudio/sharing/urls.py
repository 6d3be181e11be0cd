from __future__ import annotations

from django.urls import path

from imagestudio.sharing import views

urlpatterns = [
    path("s/<str:token>/", views.share_page, name="share_page"),
    path("s/<str:token>/images/<uuid:image_id>/thumb", views.share_thumb, name="share_thumb"),
    path("s/<str:token>/images/<uuid:image_id>/file", views.share_file, name="share_file"),
    path("s/<str:token>/images/<uuid:image_id>/review", views.share_review, name="share_review"),
    path("s/<str:token>/reviewer/", views.share_reviewer, name="share_reviewer"),
    path("shares/", views.share_list, name="share_list"),
    path("shares/new/", views.share_create, name="share_create"),
    path("shares/<str:token>/revoke/", views.share_revoke, name="share_revoke"),
    path("shares/<str:token>/review/", views.review_summary, name="review_summary"),
]
