"""Every existing project moves into its creator's personal workspace (created here when missing)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Workspace = apps.get_model("workspaces", "Workspace")
    Membership = apps.get_model("workspaces", "Membership")
    for user_id in Project.objects.filter(workspace__isnull=True).values_list("user_id", flat=True).distinct():
        workspace = Workspace.objects.filter(owner_id=user_id, kind="personal").first()
        if workspace is None:
            workspace = Workspace.objects.create(owner_id=user_id, kind="personal", name="Personal")
            Membership.objects.create(workspace=workspace, user_id=user_id, role="admin")
        Project.objects.filter(user_id=user_id, workspace__isnull=True).update(workspace=workspace)


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_workspaces"), ("workspaces", "0001_initial")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="workspace",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE, related_name="projects", to="workspaces.workspace"
            ),
        ),
    ]
