from __future__ import annotations

from django.apps import AppConfig


class AccountDataConfig(AppConfig):
    """Data ownership: exporting everything an account owns, importing it back, deleting the account."""

    name = "imagestudio.accountdata"
    label = "accountdata"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from imagestudio.accountdata import deletion

        user_logged_in.connect(deletion.mark_session_on_login, dispatch_uid="accountdata_pending_deletion")
