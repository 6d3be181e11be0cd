from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from imagestudio.accounts.services import welcome_new_user
from imagestudio.demo.access import is_demo
from imagestudio.demo.access import message as demo_message
from imagestudio.lib.ratelimit import client_ip


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No client id/secret for the provider. Still a DoesNotExist for allauth's own handling; anywhere
    else (its login and callback URLs) it answers 404 instead of 500. (Loaded by allauth after app setup.)"""


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            welcome_new_user(user)
        return user

    def clean_password(self, password: str, user=None) -> str:
        # Every password form (change, set, reset; pages and API) asks here: a demo account keeps none.
        if is_demo(user):
            raise ValidationError(demo_message("password"))
        return super().clean_password(password, user=user)

    def clean_email(self, email: str) -> str:
        # Adding or changing an address (the email page, the API's profile update) asks here.
        from allauth.core import context

        if is_demo(getattr(context.request, "user", None)):
            raise ValidationError(demo_message("email"))
        return super().clean_email(email)

    def get_client_ip(self, request: HttpRequest) -> str:
        # One answer for allauth's limits and ours (TRUSTED_PROXY_COUNT decides which X-Forwarded-For hop).
        return client_ip(request)

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        # The page's and the API's password logins both come here; an address with no account has no log.
        from imagestudio.accounts.audit import security_event
        from imagestudio.accounts.models import User

        email = (credentials.get("email") or credentials.get("username") or "").strip()
        user = User.objects.filter(email__iexact=email).first() if email else None
        if user is not None:
            security_event(user=user, verb="login_failed", request=request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"Sign-in with {provider} is not configured.") from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.name:
            full = data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
            user.name = (full or "").strip()[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        welcome_new_user(user)
        return user


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        from allauth.core import context

        from imagestudio.accounts.audit import security_event

        sessions = list(sessions)
        super().end_sessions(sessions)
        for session in sessions:
            security_event(
                user=session.user,
                verb="session_signed_out",
                request=context.request,
                data={"session_ip": session.ip, "session_user_agent": session.user_agent[:300]},
            )
