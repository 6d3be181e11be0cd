"""The prompt library: the seed's `prompts` table, and favourites per person.

A prompt belongs to a workspace like a project does; its members' roles decide who may see, change and delete
it (`workspaces.access`). A public prompt is readable by anyone signed in (they may favourite it, use it and
copy it into a workspace of theirs, never change it).

The studio's starter library is the same table: rows with `is_starter` set, in no workspace and by no one,
always public, loaded from `prompts/data/starters.json` by `manage.py seed` (keyed by `starter_key`, so
loading again updates them in place). No workspace owns them, so no one may change or delete them.

The seed's `is_favorite` column becomes `PromptFavorite`: a favourite is one person's, and people favourite
prompts they do not own (public and starter ones).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def search_text_of(*parts: object) -> str:
    """What the library's search looks in: title, prompt, negative prompt, category and tags, lower-cased."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, list | tuple):
            words.extend(str(item) for item in part)
        elif part:
            words.append(str(part))
    return " \n".join(words).lower()


class Prompt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="prompts"
    )  # None: a studio starter
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="prompts"
    )  # who wrote it (None: a starter, or its author's account is gone)
    title = models.CharField(max_length=200)
    prompt_text = models.TextField()
    negative_prompt = models.TextField(blank=True)
    category = models.CharField(max_length=50, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_public = models.BooleanField(default=False)
    is_starter = models.BooleanField(default=False)
    starter_key = models.CharField(max_length=80, blank=True)  # a starter's stable name in starters.json
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )  # copied from this prompt
    usage_count = models.PositiveIntegerField(default=0)
    # Lower-cased title, prompt, negative prompt, category and tags: one column for the search to scan.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "prompts"
        constraints = [
            models.UniqueConstraint(
                fields=["starter_key"], condition=models.Q(is_starter=True), name="prompts_one_row_per_starter"
            ),
            models.CheckConstraint(
                condition=models.Q(is_starter=True, workspace__isnull=True, is_public=True)
                | models.Q(is_starter=False, workspace__isnull=False),
                name="prompts_starter_xor_workspace",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-updated_at", "-id"], name="prompts_ws_updated"),
            models.Index(fields=["workspace", "title", "id"], name="prompts_ws_title"),
            models.Index(fields=["workspace", "category"], name="prompts_ws_category"),
            models.Index(fields=["is_public", "-created_at", "-id"], name="prompts_public_newest"),
            models.Index(fields=["is_public", "title", "id"], name="prompts_public_title"),
            models.Index(fields=["is_public", "category"], name="prompts_public_category"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        self.search_text = search_text_of(
            self.title, self.prompt_text, self.negative_prompt, self.category, list(self.tags or [])
        )


class PromptFavorite(models.Model):
    """One person's favourite (the seed's prompts.is_favorite, per person; index prompts(user_id, is_favorite))."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_favorites")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompt_favorites"
        constraints = [models.UniqueConstraint(fields=["user", "prompt"], name="prompt_favorite_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.prompt_id}"
