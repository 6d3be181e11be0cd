"""The prompt library: commands (create, update, delete, favourite, copy, use, load the starters) and reads
(the workspace's library, public prompts, search, categories, the history of prompts a person ran).

Callers check access first (`workspaces.access.get_prompt_for`, `require_workspace`); these functions enforce
the data rules. Import and export live in `prompts.transfer`.

Search: every word of the query must appear (case-insensitively) in the prompt's `search_text` column (title,
prompt, negative prompt, category and tags, lower-cased when the row is saved). Lists are scoped first by an
indexed condition (one workspace, or public), ordered by an index and cut by keyset pagination, so a page
reads at most the rows it scans until it has `limit` matches — the same approach as the projects search.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.demo.access import refuse
from imagestudio.events.services import record
from imagestudio.generation.models import GenerationJob
from imagestudio.lib import tags as tags_rules
from imagestudio.lib.pagination import BadCursor, Page, paginate_keyset
from imagestudio.prompts.models import Prompt, PromptFavorite
from imagestudio.workspaces.access import prompts_visible_to
from imagestudio.workspaces.models import Workspace

CATEGORIES = (
    "Portraits",
    "Landscapes",
    "Architecture",
    "Product",
    "Food",
    "Animals",
    "Fantasy",
    "Sci-fi",
    "Abstract",
    "Illustration",
)
MAX_TITLE = 200
MAX_PROMPT = 4000  # what the generate form accepts
MAX_NEGATIVE = 2000
MAX_CATEGORY = 50
MAX_QUERY_WORDS = 8
PAGE_SIZE = 24
STARTERS_FILE = Path(__file__).resolve().parent / "data" / "starters.json"

Sort = Literal["updated", "title", "created"]
PublicSort = Literal["newest", "title"]
Source = Literal["all", "starter", "community"]
ORDER = {"updated": "-updated_at", "title": "title", "created": "-created_at", "newest": "-created_at"}


class PromptError(ValueError):
    """Bad input for a prompt, naming the field at fault (422 in the API, a form error on pages)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# -- cleaning ----------------------------------------------------------------------------------------


def _text(field: str, value: object, limit: int) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise PromptError(field, gettext("Text must not contain NUL characters."))
    if len(text) > limit:
        raise PromptError(
            field,
            gettext("At most %(max)s characters (this is %(length)s).")
            % {"max": format(limit, ","), "length": format(len(text), ",")},
        )
    return text


def clean_prompt_text(value: object) -> str:
    text = _text("prompt_text", value, MAX_PROMPT)
    if not text:
        raise PromptError("prompt_text", gettext("Write the prompt: the text the model will receive."))
    return text


def default_title(prompt_text: str, limit: int = 60) -> str:
    """A title from the prompt's first words, cut at a word boundary ("Misty forest at dawn, god rays…")."""
    text = " ".join(prompt_text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:")
    return f"{cut}…"


def clean_title(value: object, prompt_text: str = "") -> str:
    title = " ".join(_text("title", value, MAX_TITLE).split())
    if not title:
        if not prompt_text:
            raise PromptError("title", gettext("Give the prompt a title."))
        title = default_title(prompt_text)
    return title


def clean_category(value: object) -> str:
    """Trimmed, at most 50 characters; a known category in its own spelling ("sci-fi" → "Sci-fi")."""
    text = " ".join(_text("category", value, MAX_CATEGORY).split())
    known = {name.lower(): name for name in CATEGORIES}
    return known.get(text.lower(), text)


def clean_tags(value: object) -> list[str]:
    """The shared tag rules (imagestudio.lib.tags), as a PromptError on the field `tags`."""
    try:
        return tags_rules.clean_tags(value if value is not None else [], owner="A prompt")
    except tags_rules.TagError as exc:
        raise PromptError("tags", exc.message) from None


@dataclass
class PromptFields:
    """What a person may set on a prompt; None leaves a field as it is."""

    title: str | None = None
    prompt_text: str | None = None
    negative_prompt: str | None = None
    category: str | None = None
    tags: list[str] | str | None = None
    is_public: bool | None = None


def apply_fields(prompt: Prompt, fields: PromptFields) -> Prompt:
    """Set the cleaned fields on `prompt` (unsaved). Raises PromptError naming the first bad field."""
    if fields.prompt_text is not None:
        prompt.prompt_text = clean_prompt_text(fields.prompt_text)
    elif not prompt.prompt_text:
        raise PromptError("prompt_text", gettext("Write the prompt: the text the model will receive."))
    if fields.title is not None or not prompt.title:
        prompt.title = clean_title(fields.title or "", prompt.prompt_text)
    if fields.negative_prompt is not None:
        prompt.negative_prompt = _text("negative_prompt", fields.negative_prompt, MAX_NEGATIVE)
    if fields.category is not None:
        prompt.category = clean_category(fields.category)
    if fields.tags is not None:
        prompt.tags = clean_tags(fields.tags)
    if fields.is_public is not None:
        if fields.is_public:
            refuse(prompt.user, "publish")
        prompt.is_public = bool(fields.is_public)
    return prompt


# -- commands ----------------------------------------------------------------------------------------


def create_prompt(*, workspace: Workspace, user, fields: PromptFields) -> Prompt:
    """A new prompt in `workspace` (the caller checked the user may edit there, and manage it to publish)."""
    prompt = apply_fields(Prompt(workspace=workspace, user=user), fields)
    with transaction.atomic():
        prompt.save()
        record(
            actor=user, verb="prompt.created", target=prompt, workspace_id=workspace.pk, data={"prompt": prompt.title}
        )
    return prompt


def update_prompt(prompt: Prompt, fields: PromptFields, *, by) -> Prompt:
    was_public = prompt.is_public
    apply_fields(prompt, fields)
    with transaction.atomic():
        prompt.save()
        if prompt.is_public != was_public:
            verb = "prompt.published" if prompt.is_public else "prompt.unpublished"
            record(actor=by, verb=verb, target=prompt, workspace_id=prompt.workspace_id, data={"prompt": prompt.title})
    return prompt


def delete_prompt(prompt: Prompt, *, by) -> None:
    if prompt.is_starter:
        raise PromptError("id", gettext("The studio's starter prompts cannot be deleted."))
    with transaction.atomic():
        record(
            actor=by,
            verb="prompt.deleted",
            target=prompt,
            workspace_id=prompt.workspace_id,
            data={"prompt": prompt.title},
        )
        prompt.delete()


def set_favorite(prompt: Prompt, user, favorite: bool | None = None) -> bool:
    """Favourite (True), unfavourite (False) or toggle (None) `prompt` for `user`; returns the new state.
    Idempotent: setting the state it already has changes nothing."""
    existing = PromptFavorite.objects.filter(user=user, prompt=prompt)
    if favorite is None:
        favorite = not existing.exists()
    if favorite:
        PromptFavorite.objects.get_or_create(user=user, prompt=prompt)
    else:
        existing.delete()
    return favorite


def copy_prompt(prompt: Prompt, *, workspace: Workspace, user) -> Prompt:
    """A private copy of `prompt` in `workspace` (the caller checked they may view the one and edit the other).
    A copy within the same workspace is titled "Copy of …"."""
    title = prompt.title if prompt.workspace_id != workspace.pk else f"Copy of {prompt.title}"[:MAX_TITLE]
    copy = Prompt(
        workspace=workspace,
        user=user,
        title=title,
        prompt_text=prompt.prompt_text,
        negative_prompt=prompt.negative_prompt,
        category=prompt.category,
        tags=list(prompt.tags),
        source=prompt,
    )
    with transaction.atomic():
        copy.save()
        data = {"prompt": copy.title, "from": str(prompt.pk)}
        record(actor=user, verb="prompt.created", target=copy, workspace_id=workspace.pk, data=data)
    return copy


def use_prompt(prompt: Prompt) -> int:
    """Count one use (a click on Use, in any library that shows it); returns the new count. One UPDATE, so
    concurrent uses never lose a count, and `updated_at` stays what the last edit made it."""
    Prompt.objects.filter(pk=prompt.pk).update(usage_count=F("usage_count") + 1)
    prompt.refresh_from_db(fields=["usage_count"])
    return prompt.usage_count


def generate_url(prompt_text: str) -> str:
    """The generate page with the prompt filled in (the page reads `?prompt=`)."""
    return f"{reverse('generate')}?{urlencode({'prompt': prompt_text})}"


# -- reads -------------------------------------------------------------------------------------------


def with_favorite(prompts: QuerySet[Prompt], user) -> QuerySet[Prompt]:
    """Annotate `is_favorite` (this user's) on each prompt: one EXISTS per row, on the favourites' unique index."""
    mine = PromptFavorite.objects.filter(user=user, prompt=OuterRef("pk"))
    return prompts.annotate(is_favorite=Exists(mine))


def _filter_text(value: object) -> str:
    """Text from a query string as a filter: NUL characters dropped (PostgreSQL refuses them), spaces collapsed."""
    return " ".join(str(value or "").replace("\x00", "").split())


def category_filter(value: object) -> str:
    """A category to filter by: a known one in its own spelling, never an error (unlike `clean_category`)."""
    text = _filter_text(value)[:MAX_CATEGORY]
    return {name.lower(): name for name in CATEGORIES}.get(text.lower(), text)


def query_words(q: str) -> list[str]:
    text = _filter_text(q).lower()
    return text.split(" ")[:MAX_QUERY_WORDS] if text else []


def matching(prompts: QuerySet[Prompt], q: str) -> QuerySet[Prompt]:
    for word in query_words(q):
        prompts = prompts.filter(search_text__contains=word)  # search_text is lower-cased: LIKE, no LOWER()
    return prompts


def library(user, *, workspace_id, q: str = "", category: str = "", favorite: bool = False) -> QuerySet[Prompt]:
    """The prompts of one workspace the user may see, matching `q` and `category`.

    `favorite`: instead, every prompt the user favourited that they may still see (any of their workspaces,
    public and starter prompts), since people favourite prompts they do not own."""
    if favorite:
        prompts = prompts_visible_to(user).filter(favorites__user=user)
    else:
        prompts = prompts_visible_to(user).filter(workspace_id=workspace_id)
    if category:
        prompts = prompts.filter(category=category_filter(category))
    return matching(prompts, q)


def library_page(
    user,
    *,
    workspace_id,
    q: str = "",
    category: str = "",
    favorite: bool = False,
    sort: Sort = "updated",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    prompts = library(user, workspace_id=workspace_id, q=q, category=category, favorite=favorite)
    return paginate_keyset(with_favorite(prompts.select_related("user"), user), cursor, limit, ORDER[sort])


def public_prompts(*, q: str = "", category: str = "", source: Source = "all") -> QuerySet[Prompt]:
    """Public prompts: the studio's starters and those people published."""
    prompts = Prompt.objects.filter(is_public=True)
    if source == "starter":
        prompts = prompts.filter(is_starter=True)
    elif source == "community":
        prompts = prompts.filter(is_starter=False)
    if category:
        prompts = prompts.filter(category=category_filter(category))
    return matching(prompts, q)


def public_page(
    user,
    *,
    q: str = "",
    category: str = "",
    source: Source = "all",
    sort: PublicSort = "newest",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    prompts = public_prompts(q=q, category=category, source=source).select_related("workspace", "user")
    return paginate_keyset(with_favorite(prompts, user), cursor, limit, ORDER[sort])


def search_page(user, *, q: str, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Every prompt the user may see (their workspaces', public and starter ones) matching every word of `q`."""
    prompts = matching(prompts_visible_to(user), q).select_related("workspace", "user")
    return paginate_keyset(with_favorite(prompts, user), cursor, limit, "-updated_at")


@dataclass(frozen=True)
class CategoryCount:
    name: str
    count: int


def category_counts(prompts: QuerySet[Prompt]) -> list[CategoryCount]:
    """The known categories (in their order, with 0 when empty), then any others in use, alphabetically;
    uncategorised prompts count under "" at the end when there are any. One GROUP BY query."""
    counts = dict(prompts.order_by().values_list("category").annotate(n=Count("pk")).values_list("category", "n"))
    rows = [CategoryCount(name, counts.pop(name, 0)) for name in CATEGORIES]
    uncategorised = counts.pop("", 0)
    rows += [CategoryCount(name, n) for name, n in sorted(counts.items(), key=lambda item: item[0].lower())]
    if uncategorised:
        rows.append(CategoryCount("", uncategorised))
    return rows


def copied_here(workspace_id, prompt_ids: list) -> set:
    """Which of these prompts already have a copy in the workspace (public pages say "In your library")."""
    if not prompt_ids:
        return set()
    return set(
        Prompt.objects.filter(workspace_id=workspace_id, source_id__in=prompt_ids).values_list("source_id", flat=True)
    )


# -- history: every prompt this user ran -------------------------------------------------------------


@dataclass
class HistoryEntry:
    prompt: str
    count: int
    last_used_at: datetime
    saved_prompt_id: uuid.UUID | None = None  # the prompt with this text in the current library, if any


def _history_cursor(last_used_at: datetime, prompt: str) -> str:
    raw = json.dumps([last_used_at.isoformat(), prompt]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_history_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, prompt = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(prompt, str):
            raise ValueError("bad cursor")
        return when, prompt
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor(gettext("That page link is invalid or expired; start from the first page.")) from exc


def history_page(user, *, q: str = "", cursor: str | None = None, limit: int = PAGE_SIZE, workspace_id=None) -> Page:
    """The distinct prompts `user` ran (as they typed them), most recently used first, with how often.

    Only this user's own jobs count. With `workspace_id`, each entry names the library prompt with the same
    text in that workspace, if there is one."""
    jobs = GenerationJob.objects.filter(user=user).exclude(user_prompt="")
    for word in query_words(q):
        jobs = jobs.filter(user_prompt__icontains=word)
    rows = (
        jobs.order_by()
        .values("user_prompt")
        .annotate(count=Count("pk"), last_used_at=Max("created_at"))
        .order_by("-last_used_at", "user_prompt")
    )
    if cursor:
        when, text = _read_history_cursor(cursor)
        rows = rows.filter(Q(last_used_at__lt=when) | Q(last_used_at=when, user_prompt__gt=text))
    found = list(rows[: limit + 1])
    entries = [HistoryEntry(r["user_prompt"], r["count"], r["last_used_at"]) for r in found[:limit]]
    if workspace_id is not None and entries:
        saved = dict(
            Prompt.objects.filter(workspace_id=workspace_id, prompt_text__in=[e.prompt for e in entries])
            .order_by("created_at")
            .values_list("prompt_text", "pk")
        )
        for entry in entries:
            entry.saved_prompt_id = saved.get(entry.prompt)
    next_cursor = _history_cursor(entries[-1].last_used_at, entries[-1].prompt) if len(found) > limit else None
    return Page(items=entries, next_cursor=next_cursor)


# -- the starter library -----------------------------------------------------------------------------


def read_starters(path: Path = STARTERS_FILE) -> list[dict]:
    """The starters file's entries, cleaned by the same rules as every prompt (a bad entry is a PromptError)."""
    entries = []
    for entry in json.loads(path.read_text(encoding="utf-8"))["prompts"]:
        prompt_text = clean_prompt_text(entry["prompt"])
        entries.append(
            {
                "starter_key": str(entry["key"]),
                "title": clean_title(entry.get("title", ""), prompt_text),
                "prompt_text": prompt_text,
                "negative_prompt": _text("negative_prompt", entry.get("negative_prompt", ""), MAX_NEGATIVE),
                "category": clean_category(entry.get("category", "")),
                "tags": clean_tags(entry.get("tags", [])),
            }
        )
    return entries


@transaction.atomic
def load_starters(path: Path = STARTERS_FILE) -> tuple[int, int]:
    """Create or update the studio's starter prompts from `path`; returns (created, updated). Safe to run
    again: rows are matched by key, unchanged ones are not written, and none is ever deleted (people may
    have favourited or copied it). New starters are dated so that "newest first" shows them in file order."""
    existing = {p.starter_key: p for p in Prompt.objects.filter(is_starter=True)}
    created = updated = 0
    loaded_at = timezone.now()
    for position, entry in enumerate(read_starters(path)):
        prompt = existing.get(entry["starter_key"])
        if prompt is None:
            prompt = Prompt(is_starter=True, is_public=True, **entry)
            prompt.save()
            # Newest first lists them in the file's order (a second apart: no ties for the keyset cursor).
            Prompt.objects.filter(pk=prompt.pk).update(created_at=loaded_at - timedelta(seconds=position))
            created += 1
        elif any(getattr(prompt, name) != value for name, value in entry.items()):
            for name, value in entry.items():
                setattr(prompt, name, value)
            prompt.save()
            updated += 1
    return created, updated
