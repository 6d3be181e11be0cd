"""SQLite: the search index gains an `owner` column (see gallery/search.py), so a search reads one person's
matches; an FTS5 table cannot be altered, so it is rebuilt. Nothing to do on PostgreSQL (its GIN index is
per user since 0010). Going back leaves the table as it is: the older code's queries work on it too."""

from django.db import migrations

from imagestudio.gallery import search


def rebuild(apps, schema_editor):
    search.rebuild_sqlite_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0012_trash_indexes")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=False)]
