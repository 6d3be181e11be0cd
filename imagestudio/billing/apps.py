from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BillingConfig(AppConfig):
    name = "imagestudio.billing"
    label = "billing"

    def ready(self) -> None:
        from imagestudio.billing import usage_slots

        post_migrate.connect(usage_slots.ensure_triggers, sender=self)
