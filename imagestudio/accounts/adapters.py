from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from imagestudio.accounts.services import welcome_new_user
from imagestudio.lib.ratelimit import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            welcome_new_user(user)
        return user

    def get_client_ip(self, request: HttpRequest) -> str:
        # One answer for allauth's limits and ours (TRUSTED_PROXY_COUNT decides which X-Forwarded-For hop).
        return client_ip(request)
