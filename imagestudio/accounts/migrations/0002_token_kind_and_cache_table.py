# Login tokens get a kind (login tokens expire, sliding) and existing ones an expiry; the shared cache's
# table (settings.CACHES, rate limits) is created here so `migrate` is all a deployment or test run needs.

from datetime import timedelta

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations, models
from django.utils import timezone

CACHE_TABLE = "studio_cache"  # settings.CACHES["default"]["LOCATION"] without REDIS_URL


def create_cache_table(apps, schema_editor):
    # Created whatever the cache backend is now, so switching from Redis back to the database just works.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


def expire_existing_tokens(apps, schema_editor):
    from django.conf import settings

    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='kind',
            field=models.CharField(choices=[('login', 'Login'), ('key', 'API key')], default='login', max_length=8),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
