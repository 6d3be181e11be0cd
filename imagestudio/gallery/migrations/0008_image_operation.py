"""Images say how they were made (`operation`), and derived images join their lineage (`lineage_root`).

Until now nothing wrote `lineage_root`, so a variation never showed among its parent's versions: the
backfill links every derived image to the root of its parent chain.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CHUNK = 500


def backfill(apps, schema_editor):
    Image = apps.get_model("gallery", "Image")
    Job = apps.get_model("generation", "GenerationJob")
    action = Job.objects.filter(pk=OuterRef("job_id")).values("action")[:1]
    Image.objects.filter(job__isnull=False).exclude(job__action="generate").update(operation=Subquery(action))
    Image.objects.filter(job__isnull=True, metadata__has_key="imported").update(operation="import")
    _link_lineages(Image)


def _link_lineages(Image):
    parents = dict(
        Image.objects.filter(parent_image__isnull=False, lineage_root__isnull=True).values_list("id", "parent_image_id")
    )
    if not parents:
        return
    tops: dict = {}
    for image_id in parents:
        top, seen = image_id, {image_id}
        while top in parents and parents[top] not in seen:  # walk up to an image outside the map
            top = parents[top]
            seen.add(top)
        tops[image_id] = top
    top_roots = dict(Image.objects.filter(id__in=set(tops.values())).values_list("id", "lineage_root_id"))
    by_root: dict = {}
    for image_id, top in tops.items():
        by_root.setdefault(top_roots.get(top) or top, []).append(image_id)
    for root, ids in by_root.items():
        for start in range(0, len(ids), CHUNK):
            Image.objects.filter(id__in=ids[start : start + CHUNK]).exclude(id=root).update(lineage_root_id=root)


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0007_browse_indexes"),
        ("generation", "0005_job_workspace"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="operation",
            field=models.CharField(default="generate", max_length=30),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
