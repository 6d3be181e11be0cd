"""PostgreSQL: the full-text index also keyed by user, so one person's search reads only their matches.

The statements live in gallery/search.py with the rest of the search index. SQLite keeps its FTS5 table.
"""

from django.db import migrations

from imagestudio.gallery import search


def forwards(apps, schema_editor):
    search.install_owner_index(schema_editor)


def backwards(apps, schema_editor):
    search.uninstall_owner_index(schema_editor)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("gallery", "0009_count_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
