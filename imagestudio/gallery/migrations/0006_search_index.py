"""Full-text search index: PostgreSQL tsvector column + GIN index, SQLite FTS5 table; triggers keep it in step.

The SQL lives in gallery/search.py (one place for the statements and the query that uses them); each
database gets its own, chosen by `connection.vendor`. Indexes for the gallery's sorts come with it.
"""

from django.db import migrations

from imagestudio.gallery import search


def forwards(apps, schema_editor):
    search.install(schema_editor)


def backwards(apps, schema_editor):
    search.uninstall(schema_editor)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("gallery", "0005_image_management")]

    operations = [migrations.RunPython(forwards, backwards)]
