from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "imagestudio.billing"
    label = "billing"
