"""API key scopes, enforced for every API route in one place (api.TokenAuth + api_keys.required_scope):
read = GET/HEAD (and read-only POSTs), generate = starting and steering work, manage = every other write."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from imagestudio.accounts import api_keys
from imagestudio.accounts.models import ApiToken
from imagestudio.api import api
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from tests.factories import make_image

pytestmark = pytest.mark.django_db

GENERATING_MODULES = {"imagestudio.generation.api", "imagestudio.generation.api_iterate", "imagestudio.batches.api"}
READ_ONLY_POSTS = {"images/export/zip", "images/export/metadata", "projects/{id}/export", "prompts/analyze"}
GENERATING_PROMPT_ROUTES = {"prompts/refine", "prompts/variations"}


def key_client(user, *scopes: str) -> Client:
    _, raw = ApiToken.issue(user, "test key", kind=ApiToken.Kind.KEY, scopes=list(scopes))
    return Client(headers={"Authorization": f"Bearer {raw}"})


def generate(client: Client):
    body = {"model_id": "offline/studio-v1", "prompt": "a calm blue ocean", "parameters": {"width": 256, "height": 256}}
    return client.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")


def refused(response, scope: str) -> bool:
    return response.status_code == 403 and response.json() == {"detail": f"This key lacks the '{scope}' scope."}


# -- the classification, route by route -------------------------------------------------------------


def every_api_route():
    """(method, path under /api/ with ids as {id}, module of the view) for every operation mounted."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                template = re.sub(r"\{[^}]+\}", "{id}", f"{prefix.strip('/')}/{path.strip('/')}".strip("/"))
                for method in operation.methods:
                    yield method, template, operation.view_func.__module__


def expected_scope(method: str, template: str, module: str) -> str | None:
    if template == "auth/logout":
        return None
    if method in ("GET", "HEAD") or (method == "POST" and template in READ_ONLY_POSTS):
        return "read"
    if module in GENERATING_MODULES or template in GENERATING_PROMPT_ROUTES:
        return "generate"
    return "manage"


def test_every_route_needs_the_scope_its_kind_of_work_calls_for():
    routes = list(every_api_route())
    assert len(routes) > 100  # the whole API, not an empty walk
    wrong = [
        (method, template, api_keys.required_scope(method, template.replace("{id}", "0f0e0d0c")))
        for method, template, module in routes
        if api_keys.required_scope(method, template.replace("{id}", "0f0e0d0c"))
        != expected_scope(method, template, module)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "images", "read"),
        ("HEAD", "images/abc/thumbnail", "read"),
        ("POST", "images/export/zip", "read"),
        ("POST", "generate/text-to-image", "generate"),
        ("DELETE", "generate/queue/abc", "generate"),
        ("PUT", "generate/queue/order", "generate"),
        ("POST", "images/abc/upscale", "generate"),
        ("POST", "images/generate", "generate"),
        ("POST", "prompts/refine", "generate"),
        ("DELETE", "images/abc", "manage"),
        ("POST", "images/abc/share", "manage"),
        ("POST", "images/abc/upscale/extra", "manage"),  # only the exact iteration paths start work
        ("PUT", "settings", "manage"),
        ("POST", "settings/api-keys", "manage"),
        ("POST", "auth/logout", None),
    ],
)
def test_the_table_classifies_by_method_and_path(method, path, scope):
    assert api_keys.required_scope(method, path) == scope


# -- enforced on real calls -------------------------------------------------------------------------


def test_a_read_only_key_reads_but_cannot_generate(alice):
    reader = key_client(alice, "read")
    assert reader.get("/api/images").status_code == 200
    assert reader.get("/api/auth/me").status_code == 200
    assert refused(generate(reader), "generate")
    assert GenerationJob.objects.count() == 0


def test_a_generate_key_generates_but_cannot_delete_an_image(alice):
    image = make_image(user=alice)
    generator = key_client(alice, "generate")
    assert generate(generator).status_code == 202
    assert GenerationJob.objects.filter(user=alice).count() == 1
    assert refused(generator.delete(f"/api/images/{image.pk}"), "manage")
    assert Image.objects.filter(pk=image.pk, deleted_at__isnull=True).exists()
    assert refused(generator.get("/api/images"), "read")  # reading needs the read scope too


def test_a_manage_key_deletes_an_image_but_cannot_generate(alice):
    image = make_image(user=alice)
    manager = key_client(alice, "manage")
    assert manager.delete(f"/api/images/{image.pk}").status_code == 204
    assert not Image.objects.filter(pk=image.pk, deleted_at__isnull=True).exists()
    assert refused(generate(manager), "generate")


def test_only_a_manage_key_manages_keys(alice):
    body = json.dumps({"name": "child", "scopes": ["manage"]})
    assert refused(
        key_client(alice, "read", "generate").post("/api/settings/api-keys", body, content_type="application/json"),
        "manage",
    )
    assert (
        key_client(alice, "manage").post("/api/settings/api-keys", body, content_type="application/json").status_code
        == 201
    )


def test_a_key_with_every_scope_does_everything(alice):
    image = make_image(user=alice)
    full = key_client(alice, "read", "generate", "manage")
    assert full.get("/api/images").status_code == 200
    assert generate(full).status_code == 202
    assert full.delete(f"/api/images/{image.pk}").status_code == 204


def test_login_tokens_and_sessions_hold_every_scope(alice_api, alice_browser, alice):
    first, second = make_image(user=alice), make_image(user=alice)
    for client, image in ((alice_api, first), (alice_browser, second)):
        assert client.get("/api/images").status_code == 200
        assert generate(client).status_code == 202
        assert client.delete(f"/api/images/{image.pk}").status_code == 204


def test_any_key_may_log_itself_out(alice):
    reader = key_client(alice, "read")
    assert reader.post("/api/auth/logout").status_code == 204
    assert reader.get("/api/auth/me").status_code == 401


def test_a_refused_call_is_refused_before_the_route_runs(alice, bob):
    image = make_image(user=bob)
    reader = key_client(alice, "read")
    # 403 for the missing scope, not the route's own 404 for someone else's image.
    assert refused(reader.delete(f"/api/images/{image.pk}"), "manage")
