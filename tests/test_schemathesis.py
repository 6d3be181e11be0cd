"""Property-based API testing with schemathesis, in process against the Django app (its WSGI interface):
for every operation in /api/openapi.json, a few generated requests sent with a seeded user's bearer token
must never answer a server error, and every answer must match the schema documented for its status.

Few examples per operation (SCHEMATHESIS_MAX_EXAMPLES, default 4; valid and deliberately invalid requests
mixed) keep the run well under two minutes on two cores; raise it locally to dig deeper. The test prints
what it ran (operations, test cases, failures): see it with `pytest -s`.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict

import hypothesis
import pydantic
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from imagestudio.accounts.services import issue_token
from imagestudio.api import api
from imagestudio.collections.services import create_collection
from imagestudio.prompts import library
from imagestudio.prompts.library import PromptFields
from imagestudio.workspaces.services import personal_workspace
from imagestudio.wsgi import application
from tests.factories import RECORD_TASKS_ONLY, make_image, make_job, make_project

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
SCHEMA.app = application  # what from_wsgi("/api/openapi.json", application) sets; no request at import time
SCHEMA.location = "/api/openapi.json"
CASES: Counter = Counter()


@pytest.fixture(autouse=True)
def _keep_the_test_database_open():
    """The WSGI handler closes the database connection when a request ends; the test's transaction lives
    on it. Django's test client disconnects the same signals."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def quiet_tasks(settings) -> None:
    settings.TASKS = RECORD_TASKS_ONLY  # queued jobs stay queued: this tests the API, not the generators
    settings.FAL_KEY = ""


NINJA_WRAPPERS = {"NinjaResponseSchema", "BodyParams", "PathParams", "QueryParams", "FormParams", "FileParams"}


def _models(annotation, found: dict[str, set], depth: int = 0) -> None:
    """Every pydantic model in an annotation (list[X], X | None, nested fields), by class name."""
    if depth > 8:
        return
    for arg in getattr(annotation, "__args__", ()):
        _models(arg, found, depth + 1)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation.__name__ in NINJA_WRAPPERS:  # per-operation containers, never components themselves
            for field in annotation.model_fields.values():
                _models(field.annotation, found, depth + 1)
            return
        key = json.dumps(annotation.model_json_schema(), sort_keys=True)
        if key not in found[annotation.__name__]:
            found[annotation.__name__].add(key)
            for field in annotation.model_fields.values():
                _models(field.annotation, found, depth + 1)


def test_each_schema_name_in_the_openapi_document_means_one_shape():
    """ninja names components after their classes: two different `ErrorOut`s in two routers collapse into
    one in /api/openapi.json, and one router's answers are then documented with the other's shape."""
    found: dict[str, set] = defaultdict(set)
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _models(model, found)
    assert {name: len(shapes) for name, shapes in found.items() if len(shapes) > 1} == {}


def _strategy(operation, negative: bool, path_parameters: dict[str, str] | None):
    """Valid requests, and (unless asked not to) requests that break the schema on purpose."""
    positive = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters)
    if not negative:
        return positive
    return st.one_of(positive, operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters))


def _seeded_ids(operation, alice) -> dict[str, str]:
    """Real ids for the path parameters we can make (fresh per operation: an earlier DELETE must not starve a
    later one), so generated bodies reach the route's own logic instead of its 404."""
    names = {parameter.name for parameter in operation.path_parameters}
    makers = {
        "image_id": lambda: make_image(user=alice).pk,
        "project_id": lambda: make_project(user=alice).pk,
        "workspace_id": lambda: personal_workspace(alice).pk,
        "collection_id": lambda: create_collection(workspace=personal_workspace(alice), user=alice, name="Picks").pk,
        "prompt_id": lambda: (
            library.create_prompt(
                workspace=personal_workspace(alice), user=alice, fields=PromptFields(title="Fox", prompt_text="a fox")
            ).pk
        ),
        "job_id": lambda: make_job(user=alice).pk,
        "user_id": lambda: alice.pk,
        "model_ref": lambda: "offline/studio-turbo",
    }
    return {name: str(maker()) for name, maker in makers.items() if name in names}


def _run(operation, token_for, negative: bool, path_parameters: dict[str, str] | None = None) -> None:
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same cases every run: a CI failure reproduces locally
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, negative, path_parameters))
    def run(case) -> None:
        CASES["sent"] += 1
        # identity: the WSGI transport hands back the gzipped bytes undecoded (compression has its own tests)
        headers = {"Authorization": f"Bearer {token_for()}", "Accept-Encoding": "identity"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_api_operation(alice, quiet_tasks):
    """Every operation, one after another in one test (the database, catalog and user are set up once: that
    setup per operation took longer than the requests). Failures are collected and reported together."""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    for operation in operations:
        for ids in ({}, _seeded_ids(operation, alice)) if operation.path_parameters else ({},):
            try:
                try:
                    _run(operation, lambda: issue_token(alice), negative=True, path_parameters=ids)
                except (Failure, FailureGroup):
                    raise
                except Exception:  # no request can break this operation's schema (nothing to negate)
                    _run(operation, lambda: issue_token(alice), negative=False, path_parameters=ids)
            except (Failure, FailureGroup) as exc:
                failures[operation.label + (" (real ids)" if ids else "")] = str(exc)
    # Each call gets a fresh token: POST /api/auth/logout revokes the one it carries.
    summary = f"schemathesis: {len(operations)} operations, {CASES['sent']} test cases, {len(failures)} failures"
    print(summary)
    assert failures == {}, summary + "\n\n" + "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


# -- what it found, pinned --------------------------------------------------------------------------


def test_a_model_filter_naming_no_model_is_an_empty_page_not_a_server_error(alice, alice_api, alice_browser):
    make_image(user=alice)
    response = alice_api.get("/api/images?model=next_seed")
    assert response.status_code == 200, response.content[:200]
    assert response.json()["items"] == []
    assert alice_browser.get("/images/?model=next_seed").status_code == 200
