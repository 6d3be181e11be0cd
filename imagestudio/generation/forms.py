from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from imagestudio.catalog.models import AIModel
from imagestudio.catalog.offline import STYLE_ENUM
from imagestudio.catalog.params import ASPECT_RATIOS, MAX_SEED

ASPECT_CHOICES = [(name, name) for name in ("1:1", "16:9", "9:16", "4:3", "3:4")] + [("custom", _("Custom"))]


class GenerateForm(forms.Form):
    model = forms.ModelChoiceField(queryset=AIModel.objects.none(), to_field_name="endpoint_id", label=_("Model"),
                                   empty_label=None)
    prompt = forms.CharField(label=_("Prompt"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    negative_prompt = forms.CharField(label=_("Negative prompt"), max_length=2000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    aspect_ratio = forms.ChoiceField(label=_("Aspect ratio"), choices=ASPECT_CHOICES, initial="1:1")
    width = forms.IntegerField(label=_("Width"), min_value=256, max_value=2048, required=False)
    height = forms.IntegerField(label=_("Height"), min_value=256, max_value=2048, required=False)
    num_images = forms.TypedChoiceField(label=_("Images"), choices=[(n, n) for n in range(1, 5)], coerce=int, initial=1)
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=MAX_SEED, required=False,
                              help_text=_("Leave empty for a random seed."))
    style = forms.ChoiceField(label=_("Style"), required=False,
                              choices=[(s, s.replace("-", " ").title()) for s in STYLE_ENUM], initial="none")
    num_inference_steps = forms.IntegerField(label=_("Steps"), min_value=1, max_value=50, required=False)
    guidance_scale = forms.FloatField(label=_("Guidance"), min_value=0, max_value=20, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        models = AIModel.objects.active().with_capability("text-to-image")
        self.fields["model"].queryset = models
        self.model_options = list(models)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("aspect_ratio") == "custom":
            for side in ("width", "height"):
                if not data.get(side):
                    self.add_error(side, _("Enter a %(side)s between 256 and 2048 px, or pick a preset.") % {"side": side})
        return data

    def parameters(self) -> dict:
        """The request in the catalog's parameter language (fal input names + our conveniences)."""
        data = self.cleaned_data
        parameters: dict = {"num_images": data["num_images"], "seed": data.get("seed")}
        if data["aspect_ratio"] == "custom":
            parameters.update(width=data["width"], height=data["height"])
        elif data["aspect_ratio"] in ASPECT_RATIOS:
            parameters["aspect_ratio"] = data["aspect_ratio"]
        for name in ("style", "num_inference_steps", "guidance_scale"):
            if data.get(name) not in (None, ""):
                parameters[name] = data[name]
        return parameters
