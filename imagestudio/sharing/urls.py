from __future__ import annotations

from django.urls import path

from imagestudio.lib.seo import noindex
from imagestudio.sharing import views

# Share links are unlisted (and maybe password-protected): kept out of search indexes, their files too.
urlpatterns = [
    path("s/<str:token>/", noindex(views.share_page), name="share_page"),
    path("s/<str:token>/images/<uuid:image_id>/thumb", noindex(views.share_thumb), name="share_thumb"),
    path("s/<str:token>/images/<uuid:image_id>/file", noindex(views.share_file), name="share_file"),
    path("s/<str:token>/images/<uuid:image_id>/review", noindex(views.share_review), name="share_review"),
    path("s/<str:token>/reviewer/", noindex(views.share_reviewer), name="share_reviewer"),
    path("shares/", views.share_list, name="share_list"),
    path("shares/new/", views.share_create, name="share_create"),
    path("shares/<str:token>/revoke/", views.share_revoke, name="share_revoke"),
    path("shares/<str:token>/review/", views.review_summary, name="review_summary"),
]
