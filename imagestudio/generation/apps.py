from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "imagestudio.generation"
    label = "generation"

    def ready(self) -> None:
        # The composition root: defines the wake-up task and installs it in the queue.
        from imagestudio.generation import tasks  # noqa: F401
