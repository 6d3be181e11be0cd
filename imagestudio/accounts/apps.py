from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "imagestudio.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        email_confirmed.connect(_email_confirmed, dispatch_uid="imagestudio.accounts.email_confirmed")

        from imagestudio.accounts import receivers

        receivers.connect()


def _email_confirmed(sender, request, email_address, **kwargs) -> None:
    from imagestudio.accounts.services import on_email_confirmed

    on_email_confirmed(email_address)
