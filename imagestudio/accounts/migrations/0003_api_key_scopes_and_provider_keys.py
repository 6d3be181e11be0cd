# API keys get scopes (keys made before keep every scope, as they could do everything), and users may keep
# their own fal key, encrypted (accounts/provider_keys.py).

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

ALL_SCOPES = ["read", "generate", "manage"]


def existing_keys_keep_every_scope(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(kind="key").update(scopes=ALL_SCOPES)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_token_kind_and_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(existing_keys_keep_every_scope, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ProviderKey",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("provider", models.CharField(choices=[("fal", "fal.ai")], default="fal", max_length=16)),
                ("encrypted_key", models.TextField()),
                ("last4", models.CharField(max_length=4)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="provider_keys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "provider_keys",
                "constraints": [models.UniqueConstraint(fields=("user", "provider"), name="one_provider_key_per_user")],
            },
        ),
    ]
