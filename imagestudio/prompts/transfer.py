"""The prompt library as a file: export to JSON or CSV, import from either (all or nothing).

JSON is `{"version": 1, "prompts": [{…}, …]}` (a bare list of prompt objects imports too); CSV has a header
row. Each prompt has `title`, `prompt_text` (or `prompt`), `negative_prompt`, `category`, `tags` (a list, or
comma-separated text in CSV) and `favorite`. Exports also carry `is_public`, `usage_count` and `created_at`,
which imports ignore: imported prompts start private and unused, in the workspace they are imported into.

An import checks every row first and writes nothing unless all are good; the report names each problem's
line in the file (the line where the row's object or record starts). Rows whose prompt text (and negative
prompt) is already in the library, or earlier in the file, are skipped, so importing twice adds nothing.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from imagestudio.events.services import record
from imagestudio.prompts.library import PromptError, PromptFields, apply_fields
from imagestudio.prompts.models import Prompt, PromptFavorite
from imagestudio.workspaces.models import Workspace

FORMATS = ("json", "csv")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
MAX_PROBLEMS = 50  # a report longer than this stops listing (the count says how many there were)
CSV_FIELDS = (
    "title",
    "prompt_text",
    "negative_prompt",
    "category",
    "tags",
    "favorite",
    "is_public",
    "usage_count",
    "created_at",
)
TRUE = {"1", "true", "yes", "y", "on", "x", "★"}
FALSE = {"", "0", "false", "no", "n", "off"}


# -- export ------------------------------------------------------------------------------------------


def export_rows(prompts, favorite_ids: set) -> list[dict]:
    return [
        {
            "title": p.title,
            "prompt_text": p.prompt_text,
            "negative_prompt": p.negative_prompt,
            "category": p.category,
            "tags": list(p.tags),
            "favorite": p.pk in favorite_ids,
            "is_public": p.is_public,
            "usage_count": p.usage_count,
            "created_at": p.created_at.isoformat(),
        }
        for p in prompts
    ]


def export_library(workspace: Workspace, user, fmt: str) -> tuple[str, str, str]:
    """(body, content type, file name) of the workspace's prompts, oldest first, with `user`'s favourites."""
    prompts = list(Prompt.objects.filter(workspace=workspace).order_by("created_at", "id"))
    favorites = set(
        PromptFavorite.objects.filter(user=user, prompt__workspace=workspace).values_list("prompt_id", flat=True)
    )
    rows = export_rows(prompts, favorites)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    **row,
                    "tags": ", ".join(row["tags"]),
                    "favorite": int(row["favorite"]),
                    "is_public": int(row["is_public"]),
                }
            )
        return out.getvalue(), "text/csv; charset=utf-8", f"prompts-{stamp}.csv"
    body = {"version": 1, "exported_at": timezone.now().isoformat(), "workspace": workspace.name, "prompts": rows}
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    return text, "application/json", f"prompts-{stamp}.json"


# -- import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str


class ImportFailed(ValueError):
    """Nothing was imported: `problems` says what to fix, line by line."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)
        first = problems[0]
        where = f"line {first.line}: " if first.line else ""
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"Nothing was imported. Fix {where}{first.message}{more}")


@dataclass
class ImportResult:
    created: list[Prompt] = field(default_factory=list)
    skipped: int = 0


def detect_format(name: str, data: bytes) -> str:
    lowered = (name or "").lower()
    for fmt in FORMATS:
        if lowered.endswith(f".{fmt}"):
            return fmt
    return "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{") else "csv"


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFailed(
            [Problem(0, "file", gettext("The file is over %(max)s MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)})]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed([Problem(line, "file", gettext("The file is not UTF-8 text; save it as UTF-8."))]) from None
    if "\x00" in text:
        raise ImportFailed(
            [Problem(text[: text.index("\x00")].count("\n") + 1, "file", gettext("The file has NUL characters."))]
        )
    if not text.strip():
        raise ImportFailed([Problem(0, "file", gettext("The file is empty."))])
    return text


_WS = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _array_offsets(text: str, pos: int) -> list[int]:
    """Where each element of the JSON array starting at `pos` begins (the text is known to be valid JSON)."""
    pos = _skip(text, pos + 1)
    offsets: list[int] = []
    if text[pos] == "]":
        return offsets
    while True:
        offsets.append(pos)
        _value, pos = _decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ",":
            return offsets
        pos = _skip(text, pos + 1)


def _member_offset(text: str, pos: int, key: str) -> int:
    """Where the value of `key` in the JSON object starting at `pos` begins (the last one, as json.loads)."""
    found = -1
    pos = _skip(text, pos + 1)
    while text[pos] != "}":
        name, pos = _decoder.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the colon
        if name == key:
            found = pos
        _value, pos = _decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return found


def _json_rows(text: str) -> list[tuple[int, object]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [
                Problem(
                    exc.lineno,
                    "file",
                    gettext("This is not valid JSON: %(error)s (column %(column)s).")
                    % {"error": exc.msg, "column": exc.colno},
                )
            ]
        ) from None
    start = _skip(text, 0)
    if isinstance(data, dict):
        items = data.get("prompts")
        if not isinstance(items, list):
            raise ImportFailed([Problem(1, "prompts", gettext('Expected {"prompts": [ … ]} or a list of prompts.'))])
        start = _member_offset(text, start, "prompts")
    elif isinstance(data, list):
        items = data
    else:
        raise ImportFailed([Problem(1, "file", gettext('Expected {"prompts": [ … ]} or a list of prompts.'))])
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    lines = [bisect.bisect_left(newlines, offset) + 1 for offset in _array_offsets(text, start)]
    return list(zip(lines, items, strict=True))


def _csv_rows(text: str) -> list[tuple[int, object]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFailed(
            [Problem(1, "file", gettext("This is not a readable CSV file: %(error)s.") % {"error": exc})]
        ) from None
    if "prompt_text" not in header and "prompt" not in header:
        raise ImportFailed(
            [Problem(1, "prompt_text", gettext("The first row must name the columns, one of them prompt_text."))]
        )
    reader.fieldnames = header
    rows: list[tuple[int, object]] = []
    line = reader.line_num + 1
    try:
        for record_ in reader:
            if any((value or "").strip() for key, value in record_.items() if key is not None):
                rows.append((line, record_))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed(
            [Problem(reader.line_num, "file", gettext("This CSV row cannot be read: %(error)s.") % {"error": exc})]
        ) from None
    return rows


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise PromptError(name, f"{name} is true or false, not {str(value)[:20]!r}.")


@dataclass
class _Draft:
    line: int
    prompt: Prompt
    favorite: bool


def _draft(line: int, row: object, workspace: Workspace, user) -> _Draft:
    if not isinstance(row, dict):
        raise PromptError("prompt", gettext("Each prompt is an object with at least prompt_text."))
    text = row.get("prompt_text", row.get("prompt"))
    for name, value in (("prompt_text", text), *((n, row.get(n)) for n in ("title", "negative_prompt", "category"))):
        if isinstance(value, list | dict):
            raise PromptError(name, f"{name} is text.")
    tags = row.get("tags")
    if tags is not None and not isinstance(tags, list | str):
        raise PromptError("tags", "tags is a list of words (or comma-separated text).")
    fields = PromptFields(
        title=str(row.get("title") or ""),
        prompt_text=str(text if text is not None else ""),
        negative_prompt=str(row.get("negative_prompt") or ""),
        category=str(row.get("category") or ""),
        tags=tags or [],
    )
    prompt = apply_fields(Prompt(workspace=workspace, user=user), fields)
    return _Draft(line, prompt, _flag(row.get("favorite", False), "favorite"))


def parse_rows(data: bytes, name: str = "", fmt: str | None = None) -> list[tuple[int, object]]:
    fmt = fmt or detect_format(name, data)
    if fmt not in FORMATS:
        raise ImportFailed([Problem(0, "format", gettext("Import JSON or CSV."))])
    text = _decode(data)
    rows = _json_rows(text) if fmt == "json" else _csv_rows(text)
    if not rows:
        raise ImportFailed([Problem(0, "file", gettext("The file has no prompts in it."))])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportFailed(
            [
                Problem(
                    rows[MAX_IMPORT_ROWS][0],
                    "file",
                    gettext("Import at most %(max)s prompts at once.") % {"max": MAX_IMPORT_ROWS},
                )
            ]
        )
    return rows


def import_library(*, workspace: Workspace, user, data: bytes, name: str = "", fmt: str | None = None) -> ImportResult:
    """Import the prompts in `data` (JSON or CSV) into `workspace` (the caller checked the user may edit
    there). Raises ImportFailed, listing every bad row by line, and then nothing is written."""
    rows = parse_rows(data, name, fmt)
    drafts: list[_Draft] = []
    problems: list[Problem] = []
    for line, row in rows:
        try:
            drafts.append(_draft(line, row, workspace, user))
        except PromptError as exc:
            problems.append(Problem(line, exc.field, exc.message))
    if problems:
        raise ImportFailed(problems)
    seen = set(Prompt.objects.filter(workspace=workspace).values_list("prompt_text", "negative_prompt"))
    result = ImportResult()
    fresh: list[_Draft] = []
    for draft in drafts:
        key = (draft.prompt.prompt_text, draft.prompt.negative_prompt)
        if key in seen:
            result.skipped += 1
            continue
        seen.add(key)
        draft.prompt.refresh_search_text()  # bulk_create does not call save()
        fresh.append(draft)
    with transaction.atomic():
        created = Prompt.objects.bulk_create([d.prompt for d in fresh], batch_size=200)
        PromptFavorite.objects.bulk_create(
            [PromptFavorite(user=user, prompt=d.prompt) for d in fresh if d.favorite], batch_size=200
        )
        if created:
            data_ = {"count": len(created), "skipped": result.skipped, "file": (name or "")[:100]}
            record(actor=user, verb="prompts.imported", target=workspace, workspace_id=workspace.pk, data=data_)
    result.created = created
    return result
