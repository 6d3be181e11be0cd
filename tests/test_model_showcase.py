"""The model showcase: performance stats from our own usage log, the comparison matrix (filters, sort), a page per
model (stats, samples, one-click recommended settings), the "new model" announcement, and the live model status."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imagestudio.billing.models import UsageLog
from imagestudio.catalog import performance, probes, showcase
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import resolve
from imagestudio.generation.models import WorkerHeartbeat
from tests.factories import make_image, make_job, make_user
from tests.test_generate_defaults import checked_radio, panel_value, selected_model

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def log(user, model: str, *, success: bool = True, seconds: float | None = None, credits: int = 0, at=None, job=None):
    """A usage-log row for `model` (endpoint id), logged at `at` (default: a minute before NOW)."""
    row = UsageLog.objects.create(
        user=user,
        job=job,
        action="generate",
        model=AIModel.objects.get(endpoint_id=model),
        credits_used=credits,
        generation_time=seconds,
        success=success,
    )
    UsageLog.objects.filter(pk=row.pk).update(created_at=at or NOW - timedelta(minutes=1))
    return row


def stats_for(model: str, **kwargs) -> performance.ModelStats:
    pk = AIModel.objects.get(endpoint_id=model).pk
    return performance.model_stats(now=NOW, **kwargs)[pk]


def page_models(html: str, testid: str = "model-row") -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-model="([^"]+)"', html)


def add_model(endpoint_id: str, *, template: str = "fal-ai/flux-pro/v1.1", created_at=None) -> AIModel:
    """A model the catalog gained later: a copy of `template` under a new endpoint id."""
    model = AIModel.objects.get(endpoint_id=template)
    model.pk = uuid.uuid4()
    model._state.adding = True
    model.endpoint_id = endpoint_id
    model.name = endpoint_id.replace("/", "-").replace(".", "-")
    model.display_name = f"Brand new {endpoint_id}"
    model.save()
    if created_at is not None:
        AIModel.objects.filter(pk=model.pk).update(created_at=created_at)
        model.refresh_from_db()
    return model


def backdate_catalog(days: int = 90) -> None:
    AIModel.objects.update(created_at=timezone.now() - timedelta(days=days))


# -- performance stats --------------------------------------------------------------------------------


def test_stats_with_an_odd_count_take_the_middle_time_and_leave_canceled_jobs_out(alice, bob):
    for seconds in (5.0, 1.0, 3.0):
        log(alice, "offline/studio-v1", seconds=seconds, credits=4)
    log(bob, "offline/studio-v1", success=False)  # a failure counts against the rate, has no time
    canceled = make_job(user=alice, status="canceled")
    log(alice, "offline/studio-v1", success=False, job=canceled)  # the person stopped it: not counted
    stats = stats_for("offline/studio-v1")
    assert (stats.jobs, stats.succeeded, stats.timed) == (4, 3, 3)
    assert stats.median_seconds == 3.0
    assert stats.success_rate == 0.75 and stats.success_percent == 75
    assert stats.average_credits == 4.0  # per succeeded job; failures charge nothing


def test_stats_with_an_even_count_average_the_two_middle_times(alice):
    for seconds in (4.0, 1.0, 10.0, 2.0):
        log(alice, "offline/studio-turbo", seconds=seconds, credits=1)
    log(alice, "offline/studio-turbo", success=True, seconds=None, credits=3)  # succeeded, not timed
    stats = stats_for("offline/studio-turbo")
    assert stats.median_seconds == 3.0  # (2 + 4) / 2
    assert (stats.jobs, stats.timed, stats.average_credits) == (5, 4, pytest.approx(1.4))


def test_each_model_gets_its_own_median_in_one_pair_of_queries(alice, django_assert_num_queries):
    for seconds in (9.0, 7.0, 8.0):
        log(alice, "offline/studio-v1", seconds=seconds)
    log(alice, "offline/studio-turbo", seconds=0.5)
    with django_assert_num_queries(2):
        stats = performance.model_stats(now=NOW)
    medians = {AIModel.objects.get(pk=pk).endpoint_id: row.median_seconds for pk, row in stats.items()}
    assert medians == {"offline/studio-v1": 8.0, "offline/studio-turbo": 0.5}


def test_windows_include_their_start_and_leave_out_older_and_later_rows(alice):
    log(alice, "offline/studio-v1", seconds=1.0, at=NOW - timedelta(hours=24))  # exactly at the start: in
    log(alice, "offline/studio-v1", seconds=2.0, at=NOW)  # exactly now: in
    log(alice, "offline/studio-v1", seconds=50.0, at=NOW - timedelta(hours=24, seconds=1))  # just before: out
    log(alice, "offline/studio-v1", seconds=60.0, at=NOW + timedelta(seconds=1))  # after now: out
    log(alice, "offline/studio-v1", seconds=70.0, at=NOW - timedelta(days=29))
    day = stats_for("offline/studio-v1", window=performance.DAY)
    assert (day.jobs, day.median_seconds) == (2, 1.5)
    month = stats_for("offline/studio-v1", window=performance.MONTH)
    assert (month.jobs, month.median_seconds) == (4, 26.0)  # 1, 2, 50, 70: (2 + 50) / 2


def test_speed_is_measured_with_enough_timed_jobs_and_the_catalogs_class_otherwise(alice):
    flux = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")
    for seconds in (30.0, 25.0):
        log(alice, flux.endpoint_id, seconds=seconds)
    few = performance.speed_of(flux, stats_for(flux.endpoint_id))
    assert (few.kind, few.measured) == (flux.speed_class, False)
    log(alice, flux.endpoint_id, seconds=40.0)
    measured = performance.speed_of(flux, stats_for(flux.endpoint_id))
    assert (measured.kind, measured.measured, measured.median_seconds) == ("slow", True, 30.0)


# -- the models page ----------------------------------------------------------------------------------


def test_the_matrix_lists_every_active_model_for_visitors_and_leaves_switched_off_ones_out(client, catalog):
    AIModel.objects.filter(endpoint_id="fal-ai/aura-flow").update(is_active=False)
    html = client.get("/models/").content.decode()
    listed = page_models(html)
    assert sorted(listed) == sorted(AIModel.objects.active().values_list("endpoint_id", flat=True))
    assert "fal-ai/aura-flow" not in listed
    assert page_models(html, "model-card-link") == listed  # the phone cards show the same models


def test_filters_narrow_the_matrix_by_capability_provider_and_cost(client, catalog):
    html = client.get("/models/", {"capability": "upscale", "provider": "offline"}).content.decode()
    assert page_models(html) == ["offline/studio-upscale"]
    upscalers = page_models(client.get("/models/", {"capability": "upscale"}).content.decode())
    assert set(upscalers) == {m.endpoint_id for m in AIModel.objects.active() if "upscale" in m.capabilities}
    cheap = page_models(client.get("/models/", {"max_cost": "2"}).content.decode())
    assert cheap and all(AIModel.objects.get(endpoint_id=e).cost_per_generation <= 2 for e in cheap)
    assert "fal-ai/flux-pro/v1.1-ultra" not in cheap


def test_sorting_by_cost_and_back_orders_the_rows(client, catalog):
    costs = dict(AIModel.objects.active().values_list("endpoint_id", "cost_per_generation"))
    cheapest_first = page_models(client.get("/models/", {"sort": "cost"}).content.decode())
    assert [costs[e] for e in cheapest_first] == sorted(costs.values())
    html = client.get("/models/", {"sort": "-cost"}).content.decode()
    assert [costs[e] for e in page_models(html)] == sorted(costs.values(), reverse=True)
    assert re.search(r'aria-sort="descending"><a href="\?sort=cost"', html)  # the header flips it back


def test_sorting_by_speed_puts_measured_fast_models_first(client, alice):
    for seconds in (0.4, 0.6, 0.5):
        log(alice, "fal-ai/flux-pro/v1.1-ultra", seconds=seconds)
    rows = page_models(client.get("/models/", {"sort": "speed"}).content.decode())
    assert rows[0] == "fal-ai/flux-pro/v1.1-ultra"  # measured 0.5 s beats every catalog "fast"


def test_a_bad_filter_is_reported_and_ignored(client, catalog):
    response = client.get("/models/", {"max_cost": "cheap", "capability": "teleportation", "sort": "random"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in html and "Enter a whole number of credits" in html
    assert len(page_models(html)) == AIModel.objects.active().count()


def test_htmx_filtering_answers_just_the_matrix(client, catalog):
    response = client.get("/models/", {"provider": "offline"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="matrix"')
    assert "HX-Request" in response["Vary"]
    assert set(page_models(html)) == set(
        AIModel.objects.active().filter(provider="offline").values_list("endpoint_id", flat=True)
    )


def test_only_models_added_after_the_first_catalog_load_get_the_new_badge(client, catalog):
    html = client.get("/models/").content.decode()
    assert 'data-testid="new-badge"' not in html  # a fresh install's catalog is not news
    backdate_catalog()
    add_model("fal-ai/flux-pro/v2")
    add_model("fal-ai/flux-pro/v0", created_at=timezone.now() - timedelta(days=40))  # added, but long ago
    rows = [row for row in showcase.matrix() if row.is_new]
    assert [row.model.endpoint_id for row in rows] == ["fal-ai/flux-pro/v2"]
    html = client.get("/models/", {"sort": "newest"}).content.decode()
    assert page_models(html)[0] == "fal-ai/flux-pro/v2"
    assert html.count('data-testid="new-badge"') == 2  # its table row and its phone card


# -- a model's page -----------------------------------------------------------------------------------


def test_a_model_page_shows_its_stats_for_both_windows(client, alice):
    for seconds in (2.0, 4.0):
        log(alice, "offline/studio-v1", seconds=seconds)
    log(alice, "offline/studio-v1", success=False)
    log(alice, "offline/studio-v1", seconds=9.0, at=timezone.now() - timedelta(days=3))
    html = client.get("/models/offline-studio-v1/").content.decode()
    day = html[html.index('data-testid="stats-day"') : html.index('data-testid="stats-month"')]
    month = html[html.index('data-testid="stats-month"') :]
    assert re.search(r'data-stat="jobs">3<', day) and re.search(r'data-stat="success">67%<', day)
    assert re.search(r'data-stat="median">3.0 s<', day)
    assert re.search(r'data-stat="jobs">4<', month) and re.search(r'data-stat="median">4.0 s<', month)


def test_a_model_page_shows_its_documentation_price_and_recommended_settings(client, catalog):
    html = client.get("/models/fal-ai-flux-dev/").content.decode()
    assert 'href="https://fal.ai/models/fal-ai/flux/dev"' in html
    assert "$0.025 / MP" in html
    assert re.findall(r'data-testid="recommended-value">([^<]+)<', html) == ["4:3", "28", "3.5"]


def test_samples_are_the_users_own_and_public_images_never_someone_elses_private_ones(alice, bob, alice_browser):
    mine_private = make_image(user=alice, prompt="alice private")
    bob_public = make_image(user=bob, prompt="bob shared")
    bob_public.is_public = True
    bob_public.save(update_fields=["is_public"])
    bob_private = make_image(user=bob, prompt="bob private")
    other_model = make_image(user=alice, model="offline/studio-turbo")
    html = alice_browser.get("/models/offline-studio-v1/").content.decode()
    assert f"/images/{mine_private.pk}/" in html
    assert f"/explore/{bob_public.pk}/" in html
    assert str(bob_private.pk) not in html
    assert str(other_model.pk) not in html  # made with another model
    visitor = alice_browser.__class__().get("/models/offline-studio-v1/").content.decode()
    assert str(mine_private.pk) not in visitor and f"/explore/{bob_public.pk}/" in visitor


def test_offline_models_show_engine_renders_and_fal_models_have_none(client, catalog):
    html = client.get("/models/offline-studio-v1/").content.decode()
    assert html.count('data-testid="engine-sample"') == len(showcase.SAMPLE_PROMPTS)
    picture = client.get("/models/offline-studio-v1/samples/0.webp")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/webp"
    assert picture.content[:4] == b"RIFF" and picture.content[8:12] == b"WEBP"
    assert "max-age=86400" in picture["Cache-Control"]
    assert client.get("/models/offline-studio-v1/samples/0.webp").content == picture.content  # cached, same
    assert client.get("/models/fal-ai-flux-dev/samples/0.webp").status_code == 404
    assert client.get("/models/offline-studio-v1/samples/9.webp").status_code == 404


def test_switched_off_and_unknown_models_have_no_page(client, catalog):
    AIModel.objects.filter(endpoint_id="fal-ai/flux/dev").update(is_active=False)
    assert client.get("/models/fal-ai-flux-dev/").status_code == 404
    assert client.get("/models/fal-ai-flux-dev/samples/0.webp").status_code == 404
    assert client.get("/models/no-such-model/").status_code == 404


# -- recommended settings, one click away ---------------------------------------------------------------


def test_the_recommended_settings_link_opens_generate_with_them_applied(alice_browser):
    model_page = alice_browser.get("/models/offline-studio-v1/").content.decode()
    link = re.search(r'href="([^"]+)"[^>]*data-testid="apply-recommended"', model_page)
    assert link is not None
    html = alice_browser.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert selected_model(html) == "offline/studio-v1"
    assert checked_radio(html, "aspect_ratio") == "3:2"
    assert panel_value(html, "num_inference_steps") == "32"
    assert panel_value(html, "guidance_scale") == "7.5"


def test_recommended_settings_of_a_fal_model_fill_the_form(alice_browser, settings):
    settings.FAL_KEY = "a-key"
    html = alice_browser.get("/generate/", {"model": "fal-ai/flux/schnell", "settings": "recommended"}).content.decode()
    assert selected_model(html) == "fal-ai/flux/schnell"
    assert checked_radio(html, "num_images") == "4"  # four drafts at once
    assert panel_value(html, "num_inference_steps") == "4"


def test_a_fal_model_without_a_key_says_so_instead_of_offering_generate(alice_browser, settings):
    settings.FAL_KEY = ""
    html = alice_browser.get("/models/fal-ai-flux-dev/").content.decode()
    assert 'data-testid="apply-unavailable"' in html and 'data-testid="apply-recommended"' not in html
    settings.FAL_KEY = "a-key"
    assert 'data-testid="apply-recommended"' in alice_browser.get("/models/fal-ai-flux-dev/").content.decode()


def test_without_settings_the_model_link_keeps_the_models_defaults(alice_browser):
    html = alice_browser.get("/generate/", {"model": "offline/studio-turbo"}).content.decode()
    assert selected_model(html) == "offline/studio-turbo"
    assert panel_value(html, "num_inference_steps") == "6"


def test_a_model_the_generate_page_does_not_offer_falls_back_to_the_default(alice_browser):
    html = alice_browser.get("/generate/", {"model": "offline/studio-upscale", "settings": "recommended"}).content
    text = html.decode()
    assert selected_model(text) == "offline/studio-v1"
    assert 'data-model="offline/studio-v1"' in text  # the panel agrees with the select


@pytest.mark.parametrize("endpoint_id", sorted(showcase.RECOMMENDED))
def test_every_recommendation_fits_its_models_schema(catalog, endpoint_id):
    model = AIModel.objects.get(endpoint_id=endpoint_id)
    chosen = showcase.recommendation(model)
    assert showcase.generates_from_text(model)
    assert set(chosen.panel) | set(chosen.form) == set(showcase.RECOMMENDED[endpoint_id])  # nothing dropped
    resolve(model.input_schema, {**chosen.form, **chosen.panel})  # raises ParameterError when it does not fit


# -- the "new model" announcement ---------------------------------------------------------------------


def test_the_announcement_shows_a_new_model_until_dismissed(alice_browser, alice):
    backdate_catalog()
    type(alice).objects.filter(pk=alice.pk).update(created_at=timezone.now() - timedelta(days=60))
    assert alice_browser.get("/models/announcement/").content.strip() == b""  # nothing new yet
    new = add_model("fal-ai/flux-pro/v2")
    html = alice_browser.get("/models/announcement/").content.decode()
    assert 'data-testid="model-announcement"' in html and new.display_name in html
    assert 'data-testid="model-announcement"' in alice_browser.get("/models/announcement/").content.decode()
    response = alice_browser.post("/models/announcement/dismiss/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert alice_browser.get("/models/announcement/").content.strip() == b""  # shown once: gone for good
    add_model("fal-ai/flux-pro/v3")  # the next addition is news again
    assert "fal-ai/flux-pro/v3" in alice_browser.get("/models/announcement/").content.decode()


def test_taking_a_look_marks_it_seen_and_opens_the_model(alice_browser, alice):
    backdate_catalog()
    type(alice).objects.filter(pk=alice.pk).update(created_at=timezone.now() - timedelta(days=60))
    new = add_model("fal-ai/flux-pro/v2")
    response = alice_browser.post("/models/announcement/dismiss/", {"open": new.name})
    assert response.status_code == 302 and response["Location"] == f"/models/{new.name}/"
    assert alice_browser.get("/models/announcement/").content.strip() == b""
    assert alice_browser.post("/models/announcement/dismiss/", {"open": "no-such-model"}).status_code == 404


def test_a_model_older_than_the_account_is_not_announced(alice_browser, alice):
    backdate_catalog()
    add_model("fal-ai/flux-pro/v2", created_at=timezone.now() - timedelta(days=5))
    assert alice_browser.get("/models/announcement/").content.strip() == b""  # alice joined after it came


def test_the_app_layout_loads_the_announcement_lazily(alice_browser, client):
    html = alice_browser.get("/models/").content.decode()
    assert 'hx-get="/models/announcement/" hx-trigger="load"' in html
    assert client.get("/models/announcement/").status_code == 302  # visitors: to the login page
    assert client.post("/models/announcement/dismiss/").status_code == 302


def test_the_seen_setting_takes_only_a_time_with_a_zone(alice_api):
    for bad in ("yesterday", "2026-13-40T00:00:00+00:00", "2026-01-01T10:00:00", 5):
        response = alice_api.put("/api/settings", {"seen_models_at": bad}, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "seen_models_at"
    ok = alice_api.put(
        "/api/settings", {"seen_models_at": "2026-01-01T10:00:00+01:00"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["seen_models_at"] == "2026-01-01T10:00:00+01:00"


# -- model status for the dashboard -------------------------------------------------------------------


def beat(last_seen) -> None:
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="test", pid=1, started_at=last_seen, last_seen=last_seen)


@pytest.fixture
def fresh_probes():
    probes.reset()
    yield
    probes.reset()


def test_model_status_reports_the_engine_worker_fal_and_the_users_models(alice, bob, fresh_probes, settings):
    settings.FAL_KEY = ""
    for seconds in (1.0, 2.0, 3.0):
        log(alice, "offline/studio-turbo", seconds=seconds)
    log(bob, "offline/studio-turbo", success=False)
    beat(timezone.now())
    status = performance.model_status(alice)
    states = {service.key: service.state for service in status.services}
    assert states == {"engine": "ok", "worker": "ok", "fal": "off"}
    first = status.models[0]
    assert first.model.endpoint_id == "offline/studio-turbo" and first.used_by_you
    assert (first.stats.success_percent, first.stats.median_seconds) == (75, 2.0)
    featured = {m.model.endpoint_id for m in status.models[1:]}
    assert featured and featured <= set(AIModel.objects.filter(is_featured=True).values_list("endpoint_id", flat=True))


def test_a_silent_worker_is_reported(alice, fresh_probes):
    beat(timezone.now() - timedelta(minutes=5))
    worker = next(s for s in performance.model_status(alice).services if s.key == "worker")
    assert worker.state == "down"


def test_the_fal_probe_checks_the_key_and_is_remembered(fal_emulator, fresh_probes, settings):
    settings.FAL_API_URL = fal_emulator.url
    settings.FAL_KEY = "good-key"
    fal_emulator.configure(accepted_keys=["good-key"])
    assert probes.fal_state() == ("ok", "ok")
    assert probes.fal_state() == ("ok", "ok")
    assert fal_emulator.stats()["totals"].get("pricing") == 1  # the second answer came from the cache
    settings.FAL_KEY = "wrong-key"  # another key is probed afresh
    assert probes.fal_state() == ("down", "key_rejected")


def test_an_unreachable_fal_is_reported(fresh_probes, settings):
    from imagestudio.falemu import free_port

    settings.FAL_API_URL = f"https://127.0.0.1:{free_port()}"
    settings.FAL_KEY = "a-key"
    assert probes.fal_state() == ("down", "unreachable")


def test_the_status_partial_renders_for_signed_in_people_only(alice_browser, client, fresh_probes):
    log(make_user(), "offline/studio-v1", seconds=1.0)
    html = alice_browser.get("/models/status/").content.decode()
    assert 'data-testid="model-status"' in html and 'data-testid="service-engine" data-state="ok"' in html
    assert 'data-testid="status-model" data-model="offline/studio-v1"' in html
    assert client.get("/models/status/").status_code == 302


# -- links in --------------------------------------------------------------------------------------------


def test_the_landing_footer_and_the_app_navigation_link_to_the_models(client, alice_browser):
    assert re.search(r'href="/models/"[^>]*data-testid="footer-models"', client.get("/").content.decode())
    html = alice_browser.get("/models/fal-ai-flux-dev/").content.decode()
    assert re.search(r'<a href="/models/" class="nav-link[^"]*" aria-current="page"', html)


def test_the_models_page_runs_a_fixed_number_of_queries(client, alice):
    def queries() -> int:
        cache.clear()  # the 30-day stats are cached between visits; count a cold visit
        with CaptureQueriesContext(connection) as context:
            assert client.get("/models/").status_code == 200
        return len(context)

    log(alice, "offline/studio-v1", seconds=1.0)
    few = queries()
    for endpoint_id in ("offline/studio-turbo", "fal-ai/flux/dev", "fal-ai/flux/schnell", "fal-ai/fast-sdxl"):
        for seconds in (1.0, 2.0, 3.0):
            log(alice, endpoint_id, seconds=seconds)
    add_model("fal-ai/flux-pro/v2")
    assert queries() == few
    with CaptureQueriesContext(connection) as warm:
        client.get("/models/")
    assert len(warm) < few  # the stats came from the cache
