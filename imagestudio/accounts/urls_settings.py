"""The Account and Security tabs' actions and the profile picture (the tabs themselves: preferences/urls.py)."""

from django.urls import path

from imagestudio.accounts import views_settings as v

urlpatterns = [
    path("account/avatar/<uuid:user_id>/", v.avatar, name="user_avatar"),
    path("security/sessions/sign-out-others/", v.sign_out_others, name="sessions_sign_out_others"),
    path("security/sessions/<int:session_id>/sign-out/", v.sign_out_session, name="session_sign_out"),
]
