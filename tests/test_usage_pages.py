"""The usage page (/usage/): totals, charts, breakdowns, the model price comparison and tips, all read from
the ledger and the usage log rows made here; the period in the URL; nobody else's data; constant queries;
and the dashboard's compact chart partial."""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from imagestudio.billing import usage
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.catalog.models import AIModel
from imagestudio.gallery.models import Image
from imagestudio.generation.models import GenerationJob
from tests.factories import OFFLINE, make_image, make_project
from tests.test_usage_api import run_job

pytestmark = pytest.mark.django_db
DEV = "fal-ai/flux/dev"  # $0.025 per megapixel: 3 credits a 1 MP image
ULTRA = "fal-ai/flux-pro/v1.1-ultra"  # $0.06 per image: 6 credits
SCHNELL = "fal-ai/flux/schnell"  # $0.003 per megapixel: 1 credit


def page(client, **params) -> str:
    response = client.get(reverse("usage"), params)
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart data {element_id}"
    return json.loads(found.group(1))


def stat(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}".*?text-3xl[^>]*>([^<]*)<', html, re.S)
    assert found, testid
    return found.group(1).strip()


def rows(html: str, testid: str) -> dict[str, str]:
    """data-key → the row's HTML, for each row with that test id."""
    return dict(re.findall(rf'<tr data-testid="{testid}" data-key="([^"]*)">(.*?)</tr>', html, re.S))


def cell(row_html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</td>', row_html, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def cost_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-testid="cost-row" data-model="([^"]+)" data-cost="(\d+)"', html)


def tips(html: str) -> dict[str, int]:
    return {kind: int(saving) for kind, saving in re.findall(r'data-kind="([\w-]+)" data-saving="(\d+)"', html)}


def model_slug(endpoint: str) -> str:
    return AIModel.objects.get(endpoint_id=endpoint).name


def credits_for(usd: float) -> int:
    return math.ceil(round(usd / settings.CREDIT_USD, 6))


@pytest.fixture
def history(alice, bob):
    """Alice: two FLUX dev jobs in a project (8 credits for 2 images, 4 for 1), one upscale that failed
    (refunded), one free offline image; Bob: an Ultra job in a project of his own."""
    poster = make_project(user=alice, name="Poster series")
    run_job(alice, reserved=10, charged=8, images=2, project=poster)
    run_job(alice, reserved=4, charged=4, images=1, project=poster)
    run_job(alice, reserved=5, charged=None, action="upscale")
    run_job(alice, model=OFFLINE, reserved=0, charged=0, images=1)
    secret = make_project(user=bob, name="Bob's secret launch")
    run_job(bob, model=ULTRA, reserved=60, charged=60, images=10, project=secret, prompt="bob's hidden prompt")
    return poster


# -- figures ------------------------------------------------------------------------------------------


def test_the_totals_add_up_alices_ledger_and_usage_log(alice_browser, history):
    html = page(alice_browser)
    assert stat(html, "total-credits") == "12"  # 8 + 4; the failed upscale was refunded
    assert stat(html, "total-images") == "4"
    assert stat(html, "total-jobs") == "4"
    assert stat(html, "total-success") == "75 %"
    assert stat(html, "total-per-image") == "3"


def test_the_daily_and_monthly_charts_carry_the_figures(alice_browser, history):
    html = page(alice_browser)
    daily = chart(html, "usage-daily-data")
    assert len(daily["labels"]) == 30
    credits, images = daily["series"]
    assert (credits["data"][-1], images["data"][-1]) == (12, 4)  # all today, the last day
    assert sum(credits["data"]) == 12 and sum(images["data"]) == 4
    assert images["kind"] == "line" and images["axis"] == "right"
    monthly = chart(html, "usage-monthly-data")
    assert len(monthly["labels"]) == 12
    assert monthly["series"][0]["data"][-1] == 12 and sum(monthly["series"][0]["data"]) == 12
    today = timezone.localdate().isoformat()
    assert re.search(rf'data-day="{today}"><th[^>]*>[^<]*</th><td[^>]*>4</td><td[^>]*>4</td><td[^>]*>12</td>', html)


def test_breakdowns_by_model_operation_and_project(alice_browser, history):
    html = page(alice_browser)
    models = rows(html, "model-row")
    dev, offline = model_slug(DEV), model_slug(OFFLINE)
    assert list(models) == [dev, offline]  # most credits first
    assert cell(models[dev], "model-row-credits") == "12" and cell(models[dev], "model-row-images") == "3"
    assert cell(models[offline], "model-row-credits") == "0" and cell(models[offline], "model-row-images") == "1"
    assert chart(html, "usage-model-data")["series"][0]["data"] == [12, 0]

    actions = rows(html, "action-row")
    assert list(actions) == ["generate", "upscale"]
    assert cell(actions["generate"], "action-row-images") == "4"
    assert cell(actions["upscale"], "action-row-credits") == "0"  # failed: refunded
    assert "Upscale" in actions["upscale"]

    projects = dict(re.findall(r'data-testid="project-row" data-key="([^"]*)">(.*?)</tr>', html, re.S))
    assert cell(projects[str(history.pk)], "project-credits") == "12"
    assert "Poster series" in projects[str(history.pk)]
    assert cell(projects[""], "project-credits") == "0" and "No project" in projects[""]


def test_the_comparison_prices_every_active_image_model_at_its_default_size(alice_browser, history):
    AIModel.objects.filter(endpoint_id=SCHNELL).update(is_active=False)
    html = page(alice_browser)
    prices = dict(cost_rows(html))
    # FLUX dev's default size is landscape 4:3 (1024×768): billed as one started megapixel.
    assert prices[model_slug(DEV)] == str(credits_for(0.025))
    assert prices[model_slug(ULTRA)] == str(credits_for(0.06))
    assert prices[model_slug(OFFLINE)] == "0"
    assert model_slug(SCHNELL) not in prices  # switched off
    active = AIModel.objects.filter(is_active=True).exclude(category__in=("video", "training"))
    assert set(prices) == set(active.values_list("name", flat=True))
    row = re.search(rf'data-model="{model_slug(DEV)}".*?</tr>', html, re.S).group(0)
    assert "1024×768" in row
    assert cell(row, "cost-average") == "4" and cell(row, "cost-images") == "3"  # 12 credits for 3 images
    ultra = re.search(rf'data-model="{model_slug(ULTRA)}".*?</tr>', html, re.S).group(0)
    assert cell(ultra, "cost-average") == "—"  # Bob's use is not Alice's


def test_the_comparison_sorts_by_each_column_and_reverses(alice_browser, history):
    cheapest_first = [int(cost) for _, cost in cost_rows(page(alice_browser))]
    assert cheapest_first == sorted(cheapest_first)
    dearest_first = [int(cost) for _, cost in cost_rows(page(alice_browser, sort="-cost"))]
    assert dearest_first == sorted(cheapest_first, reverse=True)
    html = page(alice_browser, sort="-images")
    assert cost_rows(html)[0][0] == model_slug(DEV)  # the model Alice made most images with
    assert 'aria-sort="descending"' in html
    names = [
        name.lower()
        for name in re.findall(
            r'data-testid="cost-row".*?<span class="block font-medium">([^<]+)', page(alice_browser, sort="model"), re.S
        )
    ]
    assert names == sorted(names)


def test_an_unknown_sort_or_period_falls_back_with_a_message(alice_browser, history):
    html = page(alice_browser, sort="price; drop", period="fortnight")
    assert "There is no period “fortnight”: showing the last 30 days." in html
    assert "be sorted by “price; drop”: sorted by cost." in html
    assert len(chart(html, "usage-daily-data")["labels"]) == 30


# -- periods ------------------------------------------------------------------------------------------


def move(job: GenerationJob, when) -> None:
    CreditEntry.objects.filter(job=job).update(created_at=when)
    UsageLog.objects.filter(job=job).update(created_at=when)


def test_the_period_in_the_url_picks_the_days(alice, alice_browser):
    now = timezone.now()
    move(run_job(alice, reserved=3, charged=3), now - timedelta(days=20))
    move(run_job(alice, reserved=7, charged=7), now - timedelta(days=60))
    run_job(alice, reserved=1, charged=1)
    assert stat(page(alice_browser, period="7"), "total-credits") == "1"
    assert stat(page(alice_browser), "total-credits") == "4"  # 30 days by default
    ninety = page(alice_browser, period="90")
    assert stat(ninety, "total-credits") == "11"
    assert len(chart(ninety, "usage-daily-data")["labels"]) == 90
    assert re.search(r'aria-current="page" data-testid="period-90"', ninety)


def test_this_month_starts_at_the_first_of_the_month(alice, alice_browser):
    since = usage.period_for("month").since
    move(run_job(alice, reserved=5, charged=5), since + timedelta(seconds=1))
    move(run_job(alice, reserved=9, charged=9), since - timedelta(seconds=1))
    html = page(alice_browser, period="month")
    assert stat(html, "total-credits") == "5"
    assert len(chart(html, "usage-daily-data")["labels"]) == timezone.localdate().day


# -- tips ---------------------------------------------------------------------------------------------


def test_a_draft_model_tip_when_most_credits_go_to_a_dear_model(alice, alice_browser):
    for _ in range(10):
        run_job(alice, model=ULTRA, reserved=6, charged=6)
    html = page(alice_browser)
    # Half of the 10 images drafted on FLUX schnell (1 credit) instead of 6: 5 × 5 credits saved.
    assert tips(html) == {"draft-model": 25}
    schnell = AIModel.objects.get(endpoint_id=SCHNELL).display_name
    assert f"Draft on {schnell}" in html and "100 % of your credits went to" in html


def test_no_tips_when_little_was_spent(alice, alice_browser):
    run_job(alice, model=ULTRA, reserved=6, charged=6)
    html = page(alice_browser)
    assert tips(html) == {} and 'data-testid="usage-no-tips"' in html


def batch_jobs(user, *, favourites_each: int) -> None:
    """Five FLUX dev jobs of four images (12 credits each), with their images stored."""
    for _ in range(5):
        job = run_job(user, reserved=12, charged=12, images=4)
        for index in range(4):
            image = make_image(user=user, model=DEV, job=job, output_index=index, width=8, height=8)
            if index < favourites_each:
                Image.objects.filter(pk=image.pk).update(is_favorite=True)


def test_a_fewer_images_tip_when_few_of_four_become_favourites(alice, alice_browser):
    batch_jobs(alice, favourites_each=1)
    found = tips(page(alice_browser))
    assert found["fewer-images"] == 30  # 60 credits for 4 a prompt; 2 a prompt would have cost half


def test_no_fewer_images_tip_when_most_images_are_kept(alice, alice_browser):
    batch_jobs(alice, favourites_each=3)
    assert "fewer-images" not in tips(page(alice_browser))


def test_resolution_advice_for_images_over_one_megapixel(alice, alice_browser):
    for _ in range(5):
        run_job(alice, reserved=12, charged=12, width=2048, height=2048)  # 4 MP: 4 × 3 credits
    html = page(alice_browser)
    assert tips(html)["resolution"] == 45  # 60 paid, 5 × 3 at 1 MP
    assert "most often 2048×2048" in html


def test_no_resolution_advice_at_one_megapixel(alice, alice_browser):
    for _ in range(5):
        run_job(alice, reserved=12, charged=12, width=1024, height=1024)
    assert "resolution" not in tips(page(alice_browser))


# -- empty, privacy, queries --------------------------------------------------------------------------


def test_a_user_without_history_gets_the_empty_state(bob, alice_browser, alice):
    run_job(bob, model=ULTRA, reserved=60, charged=60, images=10)
    html = page(alice_browser)
    assert 'data-testid="usage-empty"' in html
    assert 'data-testid="usage-tips"' not in html and "data-chart=" not in html
    assert stat(html, "total-credits") == "0"
    assert cost_rows(html)  # the prices are worth seeing before the first image
    assert re.findall(r'data-testid="ledger-row" data-kind="(\w+)"', html) == ["grant"]  # the starting credits


def test_another_users_data_never_shows(alice_browser, history):
    html = page(alice_browser, period="90")
    assert "Bob&#x27;s secret launch" not in html and "Bob's secret launch" not in html
    assert "bob&#x27;s hidden prompt" not in html and "bob's hidden prompt" not in html
    assert model_slug(ULTRA) not in rows(html, "model-row")
    assert max(chart(html, "usage-daily-data")["series"][0]["data"]) == 12
    assert stat(html, "total-images") == "4"


def test_the_history_pages_with_a_cursor(alice, alice_browser):
    for _ in range(14):
        run_job(alice, reserved=1, charged=1)  # 28 entries and the starting grant
    html = page(alice_browser)
    assert len(re.findall(r'data-testid="ledger-row"', html)) == 25
    cursor = re.search(r'href="\?cursor=([^"]+)"', html).group(1)
    more = alice_browser.get(reverse("usage"), {"cursor": cursor}, HTTP_HX_REQUEST="true").content.decode()
    assert len(re.findall(r'data-testid="ledger-row"', more)) == 4 and "usage-totals" not in more
    assert alice_browser.get(reverse("usage"), {"cursor": "tampered"}).status_code == 400


def test_the_query_count_does_not_grow_with_history(alice, alice_browser):
    project = make_project(user=alice, name="One")
    run_job(alice, reserved=3, charged=3, project=project)
    page(alice_browser)
    with CaptureQueriesContext(connection) as few:
        page(alice_browser)
    for index in range(8):
        model = (DEV, ULTRA, SCHNELL, OFFLINE)[index % 4]
        other = make_project(user=alice, name=f"P{index}")
        run_job(alice, model=model, reserved=6, charged=6 if index % 3 else None, images=4, project=other)
        batch = run_job(alice, reserved=12, charged=12, images=4, action="variation")
        make_image(user=alice, job=batch, output_index=0, width=8, height=8)
    with CaptureQueriesContext(connection) as many:
        page(alice_browser)
    assert len(many) == len(few)


def test_signed_out_visitors_go_to_the_login_page(client):
    response = client.get(reverse("usage"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- links and the dashboard partial ------------------------------------------------------------------


def test_the_navigation_and_the_billing_tab_link_here(alice_browser):
    usage_url = reverse("usage")
    assert f'href="{usage_url}"' in alice_browser.get(reverse("dashboard")).content.decode()
    billing = alice_browser.get(reverse("settings_billing")).content.decode()
    assert re.search(rf'href="{usage_url}"[^>]*data-testid="billing-usage-link"', billing)


def test_the_dashboard_partial_draws_thirty_days(alice, history):
    template = Template(
        '{% include "billing/partials/usage_chart.html" with usage=usage_chart csp_nonce=csp_nonce only %}'
    )
    html = template.render(Context({"usage_chart": usage.dashboard_chart(alice), "csp_nonce": "n0nce"}))
    data = chart(html, "usage-chart-data")
    assert len(data["labels"]) == 30 and data["series"][0]["data"][-1] == 12
    assert "12 credits and 4 images in the last 30 days" in html
    assert 'nonce="n0nce"' in html and "chart.umd.min.js" in html and 'data-chart="usage-chart-data"' in html


def test_an_image_page_shows_what_the_image_cost(alice, alice_browser):
    image = make_image(user=alice, model=DEV, cost_credits=7)
    html = alice_browser.get(reverse("image_detail", args=[image.pk])).content.decode()
    assert re.search(r'data-testid="image-cost">7<', html)
