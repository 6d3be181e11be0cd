from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "imagestudio.batches"
    label = "batches"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The generation path tells batches when one of their jobs ends (without importing this app).
        from imagestudio.batches import feeder
        from imagestudio.generation import batch_hooks

        batch_hooks.install(on_job_end=feeder.job_ended, sweep=feeder.sweep)
