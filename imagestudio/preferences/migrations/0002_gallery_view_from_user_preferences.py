"""The gallery's remembered view moves from User.preferences["gallery_view"] to user_settings.gallery_view_mode
(which gains "masonry", a view the gallery already offers)."""

from django.db import migrations, models

VIEWS = ("grid", "masonry", "list")


def copy_views(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    UserSettings = apps.get_model("preferences", "UserSettings")
    for user_id, prefs in User.objects.exclude(preferences={}).values_list("pk", "preferences").iterator():
        view = prefs.get("gallery_view") if isinstance(prefs, dict) else None
        if view in VIEWS:
            UserSettings.objects.update_or_create(user_id=user_id, defaults={"gallery_view_mode": view})


def copy_back(apps, schema_editor):
    UserSettings = apps.get_model("preferences", "UserSettings")
    for row in UserSettings.objects.select_related("user").iterator():
        prefs = row.user.preferences if isinstance(row.user.preferences, dict) else {}
        row.user.preferences = {**prefs, "gallery_view": row.gallery_view_mode}
        row.user.save(update_fields=["preferences"])


class Migration(migrations.Migration):
    dependencies = [
        ("preferences", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="usersettings",
            name="gallery_view_mode",
            field=models.CharField(
                choices=[("grid", "Grid"), ("masonry", "Masonry"), ("list", "List")], default="grid", max_length=10
            ),
        ),
        migrations.RunPython(copy_views, copy_back),
    ]
