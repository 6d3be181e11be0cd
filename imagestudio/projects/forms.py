"""Forms of the project pages. They check shapes and lengths; the project rules live in `services`."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.models import AIModel
from imagestudio.generation.forms import STYLE_CHOICES
from imagestudio.projects.services import MAX_MOVE, MAX_NAME, ProjectError, ProjectFields

SORT_CHOICES = [("updated", _("Last updated")), ("name", _("Name")), ("created", _("Newest"))]
ASPECT_CHOICES = [("", _("Model default"))] + [
    (ratio, ratio) for ratio in ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9")
]
COUNT_CHOICES = [("", _("Model default"))] + [(str(n), str(n)) for n in range(1, 5)]
# The generate-form parameters a project can preset (the rest of `settings.parameters` is kept as it is).
PARAMETER_FIELDS = ("aspect_ratio", "num_images", "style", "negative_prompt")


class ProjectSearchForm(forms.Form):
    """The list's filters, all in the URL."""

    q = forms.CharField(required=False, max_length=200)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    archived = forms.BooleanField(required=False)
    cursor = forms.CharField(required=False, max_length=500)

    def filters(self) -> dict[str, Any]:
        """Clean filters even from a bad query string: a wrong value falls back to the default."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": " ".join(str(data.get("q") or "").split()),
            "sort": data.get("sort") or "updated",
            "archived": str(self.data.get("archived", "")).lower() in ("1", "true", "on"),
            "cursor": data.get("cursor") or None,
        }


def _tag_list(text: str) -> list[str]:
    return [tag for tag in (text or "").split(",") if tag.strip()]


class _ProjectTextFields(forms.Form):
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.CharField(label=_("Category"), required=False, max_length=50)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas."))

    def show_error(self, error: ProjectError) -> None:
        """Put a service error on the field it names (a form-wide error when the form has no such field)."""
        field = {"settings": "model", "cover_image_id": None}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class ProjectCreateForm(_ProjectTextFields):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=MAX_NAME,
        help_text=_("Leave empty to use the template's name."),
    )
    template = forms.CharField(required=False, max_length=100)
    field_order = ["name", "description", "category", "tags", "template"]

    def clean_template(self) -> str:
        return (self.cleaned_data.get("template") or "").strip()

    def fields_to_save(self) -> ProjectFields:
        """Only what was typed: empty fields leave the template's values."""
        data = self.cleaned_data
        return ProjectFields(
            name=data["name"] or None,
            description=data["description"] or None,
            category=data["category"] or None,
            tags=_tag_list(data["tags"]) or None,
        )


class ProjectSettingsForm(_ProjectTextFields):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, _italic_, lists, [links](https://example.com), tables."),
    )
    model = forms.ChoiceField(label=_("Default model"), required=False)
    aspect_ratio = forms.ChoiceField(label=_("Aspect ratio"), required=False, choices=ASPECT_CHOICES)
    num_images = forms.ChoiceField(label=_("Images per run"), required=False, choices=COUNT_CHOICES)
    style = forms.ChoiceField(label=_("Style"), required=False, choices=[("", _("Model default")), *STYLE_CHOICES])
    negative_prompt = forms.CharField(
        label=_("Negative prompt"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_template = forms.BooleanField(
        label=_("Offer this project as a template"),
        required=False,
        help_text=_("Teammates can start new projects from its settings and notes."),
    )

    def __init__(self, *args, can_manage: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        models = AIModel.objects.active().with_capability("text-to-image").values_list("endpoint_id", "display_name")
        choices = [("", _("The studio's default")), *models]
        current = str(self.initial.get("model") or "")
        if current and current not in {value for value, _label in choices}:
            choices.append((current, current))  # a model since retired: keep it visible until changed
        self.fields["model"].choices = choices  # type: ignore[attr-defined]
        if not can_manage:
            del self.fields["is_template"]

    @classmethod
    def initial_for(cls, project) -> dict[str, Any]:
        parameters = project.settings.get("parameters", {})
        initial = {
            "description": project.description,
            "notes": project.notes,
            "category": project.category,
            "tags": ", ".join(project.tags),
            "model": project.settings.get("model", ""),
            "is_template": project.is_template,
        }
        for name in PARAMETER_FIELDS:
            value = parameters.get(name)
            initial[name] = "" if value is None else str(value)
        return initial

    def fields_to_save(self, current_settings: dict) -> ProjectFields:
        data = self.cleaned_data
        parameters = dict(current_settings.get("parameters") or {})
        for name in PARAMETER_FIELDS:
            value: Any = (data.get(name) or "").strip()
            if name == "num_images" and value:
                value = int(value)
            if value:
                parameters[name] = value
            else:
                parameters.pop(name, None)
        settings: dict[str, Any] = {"parameters": parameters}
        if data.get("model"):
            settings["model"] = data["model"]
        return ProjectFields(
            description=data["description"],
            notes=data["notes"],
            category=data["category"],
            tags=_tag_list(data["tags"]),
            settings=settings,
        )


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=MAX_NAME)


class DuplicateForm(forms.Form):
    with_images = forms.BooleanField(
        label=_("Include images"),
        required=False,
        help_text=_("The copy refers to the same files; deleting either project leaves the other's images."),
    )


class DeleteForm(forms.Form):
    images = forms.ChoiceField(
        choices=[("trash", _("Move its images to the trash")), ("keep", _("Keep them in my gallery"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens to the images.")},
    )


class ImageIdsField(forms.Field):
    """Image ids posted by checkboxes (or one hidden input): distinct UUIDs, in the order given."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Choose at least one image."), "invalid": _("That is not an image id.")}

    def to_python(self, value: Any) -> list[uuid.UUID]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = [uuid.UUID(str(item)) for item in values]
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return list(dict.fromkeys(ids))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > MAX_MOVE:
            raise forms.ValidationError(_("Choose at most %(n)s images at once.") % {"n": MAX_MOVE})


class ImageChoiceForm(forms.Form):
    image_ids = ImageIdsField()
