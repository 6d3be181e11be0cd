from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "imagestudio.projects"
    label = "projects"
