from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("generation", "0005_job_workspace")]

    operations = [
        migrations.AddField(
            model_name="generationjob",
            name="inputs",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
