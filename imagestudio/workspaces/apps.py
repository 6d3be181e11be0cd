from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "imagestudio.workspaces"
    label = "workspaces"
