"""Arbitrary JSON sent to the generate endpoints is answered 2xx or 4xx, never 5xx (and never stores NaN)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagestudio.catalog.offline import OFFLINE_MODELS
from imagestudio.catalog.services import fal_catalog
from imagestudio.generation.models import GenerationJob

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/generate/text-to-image", "/api/images/generate"]
SCHEMAS = {e["endpoint_id"]: e["input"] for e in fal_catalog()["endpoints"]} | {
    m["endpoint_id"]: m["input"] for m in OFFLINE_MODELS
}
PARAMETER_NAMES = sorted({name for schema in SCHEMAS.values() for name in schema} | {"width", "height", "resolution"})

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # NaN and ±Infinity included; json.dumps writes them as NaN/Infinity literals
    | st.text(max_size=30)
    | st.sampled_from(["NaN", "Infinity", "-1e999", "1:1", "square_hd", "https://example.com/a.png", "data:,x"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
# Mostly names some schema knows (each reaches its own validation), sometimes anything.
parameter_names = st.one_of(st.sampled_from(PARAMETER_NAMES), st.sampled_from(PARAMETER_NAMES), st.text(max_size=10))
parameters = st.dictionaries(parameter_names, json_values, max_size=6)
# Bodies shaped like a real request (so validation gets past the schema to the parameters) or like anything.
shaped_bodies = st.fixed_dictionaries(
    {"model_id": st.sampled_from(sorted(SCHEMAS)) | json_values, "prompt": st.text(max_size=60) | json_values},
    optional={
        "parameters": parameters | json_values,
        "negative_prompt": json_values,
        "priority": json_values,
        "run_after": json_values,
        "project_id": json_values,
        "batch": json_values,
    },
)
bodies = shaped_bodies | st.dictionaries(st.text(max_size=12), json_values, max_size=5) | json_values


@pytest.fixture
def fal_models_available(settings):
    # Every catalog schema reachable, not only the offline ones; the fal calls happen on commit, which a
    # test transaction never reaches.
    settings.FAL_KEY = "fuzz-key"


@pytest.fixture
def roomy_queue(settings, fal_models_available, alice):
    """Hundreds of accepted jobs pile up in one test: keep the queue cap and the balance from answering
    429/402 before validation has had its say."""
    settings.USER_MAX_QUEUED_JOBS = 1_000_000
    type(alice).objects.filter(pk=alice.pk).update(credits_balance=10**9)


# derandomize: the same examples on every run, so a failure here is a bug, not bad luck.
@settings(
    max_examples=400,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies)
def test_arbitrary_json_never_gets_a_5xx(alice_api, roomy_queue, endpoint, body):
    response = alice_api.post(endpoint, json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (body, response.content[:500])
    assert response["Content-Type"].startswith("application/json")


# One field at a time in an otherwise valid request: every field's own validation is reached, which whole
# random bodies rarely manage (an earlier field usually fails first). sampled_from spreads the examples
# evenly over the names (about 8 each).
@settings(
    max_examples=8 * len(PARAMETER_NAMES),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from(PARAMETER_NAMES), value=json_values, model_id=st.sampled_from(sorted(SCHEMAS)))
def test_any_value_of_any_parameter_never_gets_a_5xx(alice_api, roomy_queue, name, value, model_id):
    body = {"model_id": model_id, "prompt": "a lighthouse at dusk", "parameters": {name: value}}
    response = alice_api.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (body, response.content[:500])


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(
        ["model_id", "prompt", "negative_prompt", "priority", "run_after", "project_id", "parameters", "batch"]
    ),
    value=json_values,
)
def test_any_value_of_any_top_level_field_never_gets_a_5xx(alice_api, roomy_queue, field, value):
    body = {"model_id": "offline/studio-v1", "prompt": "a lighthouse at dusk", field: value}
    response = alice_api.post("/api/images/generate", json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (body, response.content[:500])


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(endpoint=st.sampled_from(ENDPOINTS), raw=st.binary(max_size=80) | st.text(max_size=80).map(str.encode))
def test_bodies_that_are_not_json_get_a_4xx(alice_api, endpoint, raw):
    response = alice_api.post(endpoint, raw, content_type="application/json")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_parameters_are_a_422_naming_the_field_and_never_stored(alice_api, literal):
    body = '{"model_id": "offline/studio-v1", "prompt": "a fox", "parameters": {"guidance_scale": LITERAL}}'
    body = body.replace("LITERAL", literal)  # json.dumps would refuse to write these
    response = alice_api.post("/api/generate/text-to-image", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "guidance_scale"
    assert not GenerationJob.objects.exists()


def test_stored_recipes_hold_only_finite_numbers(alice_api):
    body = {"model_id": "offline/studio-v1", "prompt": "a fox", "parameters": {"guidance_scale": "7.5", "seed": 3}}
    assert (
        alice_api.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json").status_code
        == 202
    )
    stored = GenerationJob.objects.get().parameters
    assert all(math.isfinite(v) for v in stored.values() if isinstance(v, int | float))
    assert stored["guidance_scale"] == 7.5


@pytest.mark.parametrize("field", ["prompt", "negative_prompt", "model_id"])
def test_text_with_nul_characters_is_a_400_on_every_database(alice_api, field):
    body = {"model_id": "offline/studio-v1", "prompt": "a fox", field: "a\x00fox"}
    response = alice_api.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    nested = {"model_id": "offline/studio-v1", "prompt": "a fox", "parameters": {"loras": [{"a\x00": 1}]}}
    response = alice_api.post("/api/generate/text-to-image", json.dumps(nested), content_type="application/json")
    assert response.status_code == 400
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize("style", [["anime"], {"name": "anime"}, 7, True])
def test_a_style_that_is_not_text_is_a_422_naming_it(alice_api, style):
    body = {"model_id": "offline/studio-v1", "prompt": "a fox", "parameters": {"style": style}}
    response = alice_api.post("/api/generate/text-to-image", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "style"
