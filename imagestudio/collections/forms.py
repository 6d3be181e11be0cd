"""Forms of the collection pages. Rules live in `services`; these shape what a person types."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from imagestudio.collections import services
from imagestudio.collections.services import CollectionError

KIND_CHOICES = [("manual", gettext_lazy("Chosen images")), ("smart", gettext_lazy("Smart: a saved gallery filter"))]


def parse_filter_text(text: str) -> dict[str, str | list[str]]:
    """A gallery filter as people copy it: `favourite=1&tags=cat`, or the whole gallery URL."""
    text = text.strip()
    if "?" in text:
        text = urlsplit(text).query
    query = QueryDict(text.lstrip("?"))
    return {key: values if len(values) > 1 else values[0] for key, values in query.lists()}


def filter_text(params: dict | None) -> str:
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query.urlencode()


class _ShowsErrors(forms.Form):
    def show_error(self, exc: CollectionError) -> None:
        field = exc.field.split(".", 1)[0]
        self.add_error(field if field in self.fields else None, exc.message)


class CollectionCreateForm(_ShowsErrors):
    name = forms.CharField(max_length=services.MAX_NAME, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="manual", widget=forms.RadioSelect)
    filter = forms.CharField(
        required=False,
        max_length=2000,
        label=gettext_lazy("Filter"),
        help_text=gettext_lazy(
            "Copy it from the gallery's address bar after choosing filters, e.g. favourite=1&tags=portrait."
        ),
    )
    is_public = forms.BooleanField(
        required=False, label=gettext_lazy("Public: anyone with the collection's public address can see it")
    )

    def __init__(self, *args, can_publish: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_publish:
            del self.fields["is_public"]

    def filter_params(self) -> dict | None:
        if self.cleaned_data["kind"] != "smart":
            return None
        return parse_filter_text(self.cleaned_data.get("filter") or "")


class CollectionEditForm(_ShowsErrors):
    """In place on the collection page: name and description (and a smart collection's filter)."""

    name = forms.CharField(max_length=services.MAX_NAME)
    description = forms.CharField(
        required=False, max_length=services.MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 2})
    )
    filter = forms.CharField(required=False, max_length=2000)
