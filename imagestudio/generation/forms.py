from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ASPECT_RATIOS, MAX_SEED
from imagestudio.catalog.styles import STYLE_PRESETS
from imagestudio.demo.access import is_demo
from imagestudio.projects.models import Project
from imagestudio.workspaces.access import projects_visible_to, workspace_ids

ASPECT_CHOICES = [(name, name) for name in ASPECT_RATIOS] + [("custom", _("Custom"))]
STYLE_CHOICES = [("none", _("No style"))] + [(p.id, p.label) for p in STYLE_PRESETS.values()]


class GenerateForm(forms.Form):
    """The fields every model shares. Model-specific settings come from the schema-built panel."""

    # Errors for model-specific settings (panel input names), shown beside the panel's fields.
    panel_errors: dict[str, str]

    model = forms.ModelChoiceField(
        queryset=AIModel.objects.none(), to_field_name="endpoint_id", label=_("Model"), empty_label=None
    )
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        label=_("Save to project"),
        required=False,
        empty_label=_("No project (My images)"),
        help_text=_("New images go into this project."),
    )
    prompt = forms.CharField(label=_("Prompt"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    negative_prompt = forms.CharField(
        label=_("Negative prompt"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    style = forms.ChoiceField(label=_("Style"), required=False, choices=STYLE_CHOICES, initial="none")
    aspect_ratio = forms.ChoiceField(label=_("Aspect ratio"), choices=ASPECT_CHOICES, initial="1:1")
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        initial="1",
        required=False,
        choices=[
            ("0.5", _("Draft · 0.5 MP")),
            ("1", _("Standard · 1 MP")),
            ("2", _("High · 2 MP")),
            ("4", _("Max · 4 MP")),
        ],
        help_text=_("Scales the aspect-ratio presets; models with fixed sizes ignore it."),
    )
    width = forms.IntegerField(label=_("Width"), min_value=256, max_value=2048, required=False)
    height = forms.IntegerField(label=_("Height"), min_value=256, max_value=2048, required=False)
    num_images = forms.TypedChoiceField(label=_("Images"), choices=[(n, n) for n in range(1, 5)], coerce=int, initial=1)
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        help_text=_("Empty = a new random seed each time."),
    )

    # Remix: the image whose recipe the form was loaded from; the result becomes its child in the lineage.
    remix_of = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.panel_errors = {}
        # Projects the user may add images to (editor or admin in their workspace), not archived.
        projects = projects_visible_to(user).filter(
            workspace_id__in=workspace_ids(user, "edit"), is_archived=False, is_template=False
        )
        cast("forms.ModelChoiceField[Project]", self.fields["project"]).queryset = projects.order_by("name")
        models = AIModel.objects.active().with_capability("text-to-image")
        if is_demo(user):  # the demo may only use the free offline models (services refuse the others too)
            models = models.filter(provider=AIModel.Provider.OFFLINE)
        cast("forms.ModelChoiceField[AIModel]", self.fields["model"]).queryset = models
        self.model_options = list(models)

    def clean(self) -> dict[str, Any]:
        super().clean()  # Form.clean() just hands back self.cleaned_data
        data = self.cleaned_data
        if data.get("aspect_ratio") == "custom":
            for side in ("width", "height"):
                if not data.get(side):
                    message = (
                        _("Enter a width between 256 and 2048 px, or pick a preset.")
                        if side == "width"
                        else _("Enter a height between 256 and 2048 px, or pick a preset.")
                    )
                    self.add_error(side, message)
        return data

    def parameters(self, extra: dict | None = None) -> dict:
        """The request in the catalog's parameter language (fal input names + our conveniences)."""
        data = self.cleaned_data
        parameters: dict = {"num_images": data["num_images"], "seed": data.get("seed"), "style": data.get("style")}
        if data["aspect_ratio"] == "custom":
            parameters.update(width=data["width"], height=data["height"])
        else:
            parameters.update(aspect_ratio=data["aspect_ratio"], resolution=data.get("resolution") or "1")
        return {**parameters, **(extra or {})}


class PresetForm(forms.Form):
    name = forms.CharField(label=_("Preset name"), max_length=100)
