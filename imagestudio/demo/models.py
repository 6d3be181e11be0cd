from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def lifetime() -> timedelta:
    return timedelta(hours=settings.DEMO_LIFETIME_HOURS)


class DemoAccount(models.Model):
    """Marks a user as a throwaway demo account. Its presence is what `demo.access.is_demo` asks; the worker
    purges the user (and so this row) once `created_at` is older than DEMO_LIFETIME_HOURS."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="demo_account"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "demo_accounts"

    def __str__(self) -> str:
        return f"Demo {self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def expires_at(self) -> datetime:
        # Read from the setting each time, so shortening the lifetime applies to accounts already made.
        return self.created_at + lifetime()
