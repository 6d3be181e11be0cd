from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "imagestudio.events"
    label = "events"
