"""Settings → Your data, export: one ZIP of everything the account owns, built by the worker, mailed,
downloadable by its owner only, deleted by the sweep after EXPORT_RETENTION_HOURS."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imagestudio.accountdata import exports
from imagestudio.accountdata.models import DataExport, Status
from imagestudio.accounts.models import User
from imagestudio.billing import limits
from imagestudio.billing.grants import issue_grant
from imagestudio.billing.models import CreditAlert, CreditEntry, CreditPurchase
from imagestudio.billing.services import log_usage, reserve_for_job
from imagestudio.workspaces.services import create_team
from tests.account_data import build_world, export_now, manifest_of, open_export, storage_files
from tests.factories import make_image, make_job
from tests.serving import served_bytes, served_status

pytestmark = pytest.mark.django_db
BILLING_FILES = ["billing/ledger.csv", "billing/usage.csv"]


def test_the_zip_holds_exactly_the_live_originals_and_the_manifest(alice, bob, run_tasks):
    world = build_world(alice)
    make_image(user=bob, prompt="bob's own", width=50)
    export = export_now(alice, run_tasks)

    assert export.status == Status.READY
    zf = open_export(export)
    live = [world.lighthouse, world.remix, world.loose]
    assert sorted(zf.namelist()) == sorted(["manifest.json", *BILLING_FILES, *(f"images/{i.pk}.png" for i in live)])
    for image in live:
        with default_storage.open(image.file.name, "rb") as handle:
            assert zf.read(f"images/{image.pk}.png") == handle.read()


def test_the_manifest_describes_every_image_project_collection_prompt_and_setting(alice, run_tasks):
    world = build_world(alice)
    manifest = manifest_of(open_export(export_now(alice, run_tasks)))

    assert manifest["format"] == "imagestudio-account"
    assert manifest["format_version"] == 1
    assert manifest["counts"] == {
        "images": 3,
        "missing_images": 0,
        "prompts": 1,
        "projects": 1,
        "collections": 1,
        "ledger_entries": CreditEntry.objects.filter(user=alice, workspace=None).count(),
        "usage_logs": 0,
    }
    assert [row["id"] for row in manifest["images"]] == [
        str(world.lighthouse.pk),
        str(world.remix.pk),
        str(world.loose.pk),
    ]
    row = manifest["images"][0]
    lighthouse = world.lighthouse
    assert {key: row[key] for key in row if key not in ("created_at", "parameters", "sha256")} == {
        "id": str(lighthouse.pk),
        "file": f"images/{lighthouse.pk}.png",
        "prompt": "a teal lighthouse at dusk",
        "negative_prompt": "",
        "model": "offline/studio-v1",
        "seed": 11,
        "width": 40,
        "height": 48,
        "format": "png",
        "operation": "generate",
        "project": str(world.project.pk),
        "collections": [str(world.collection.pk)],
        "tags": ["sea", "dusk"],
        "favourite": True,
        "rating": 4,
        "title": "",
        "notes": "",
        "parent": None,
        "missing": False,
    }
    assert row["parameters"] == {"seed": 11, "num_inference_steps": 20}
    assert row["sha256"] == lighthouse.metadata["sha256"]
    assert row["created_at"] == lighthouse.created_at.isoformat()
    assert manifest["images"][1]["parent"] == str(lighthouse.pk)
    assert manifest["images"][2]["collections"] == [str(world.collection.pk)]
    assert manifest["projects"][0]["name"] == "Lighthouses"
    assert manifest["collections"][0]["images"] == [str(world.loose.pk), str(lighthouse.pk)]
    prompt = manifest["prompts"][0]
    assert (prompt["title"], prompt["prompt"], prompt["negative_prompt"], prompt["favourite"]) == (
        "Lighthouse",
        "a teal lighthouse",
        "blurry",
        True,
    )
    assert manifest["settings"]["theme"] == "dark"
    assert manifest["account"]["email"] == "alice@example.com"


def test_the_archive_carries_the_accounts_billing_records(alice, run_tasks):
    """The personal ledger and every job outcome as CSV files, and the limit, alerts, grants and purchases in the
    manifest; a team's ledger stays with the team."""
    team = create_team(alice, "Studio")
    issue_grant(user=alice, amount=50, expires_at=timezone.now() + timedelta(days=30))
    job = make_job(user=alice, status="succeeded", num_images=2, credits_reserved=8)
    reserve_for_job(job)
    log_usage(job, success=True, generation_time=2.5)
    failed = make_job(user=alice, status="failed", workspace=team, error_message='=HYPERLINK("http://x")')
    log_usage(failed, success=False)
    CreditEntry.objects.create(user=alice, workspace=team, kind="reserve", amount=-3, balance_after=0)
    limits.set_limits(user=alice, monthly_cap=400, alert_thresholds=[50, 100])
    CreditAlert.objects.create(user=alice, month=date(2026, 11, 1), threshold=50, spent=200, cap=400)
    CreditPurchase.objects.create(
        user=alice,
        session_id="cs_test_123",
        package="starter",
        credits=100,
        amount_cents=500,
        currency="usd",
        test_mode=True,
        entry=CreditEntry.objects.create(user=alice, kind="purchase", amount=100, balance_after=0),
    )
    zf = open_export(export_now(alice, run_tasks))
    manifest = manifest_of(zf)

    ledger = list(csv.DictReader(io.StringIO(zf.read("billing/ledger.csv").decode())))
    personal_entries = CreditEntry.objects.filter(user=alice, workspace=None).order_by("created_at", "id")
    assert [(row["kind"], int(row["amount"])) for row in ledger] == [(e.kind, e.amount) for e in personal_entries]
    assert {"grant", "reserve", "purchase"} <= {row["kind"] for row in ledger}
    assert -3 not in [int(row["amount"]) for row in ledger]  # the team's entry
    usage = list(csv.DictReader(io.StringIO(zf.read("billing/usage.csv").decode())))
    assert [(row["success"], row["num_images"], row["charged_to_team"]) for row in usage] == [
        ("true", "2", "false"),
        ("false", "1", "true"),
    ]
    assert usage[0]["model"] == job.model.name and usage[0]["generation_time"] == "2.5"
    assert usage[1]["error_message"] == '\'=HYPERLINK("http://x")'  # a spreadsheet shows it, never runs it
    assert manifest["counts"]["ledger_entries"] == len(ledger)
    assert manifest["counts"]["usage_logs"] == 2
    billing = manifest["billing"]
    assert billing["credits_balance"] == User.objects.get(pk=alice.pk).credits_balance
    assert billing["spending_limit"] == {"monthly_cap": 400, "alert_thresholds": [50, 100]}
    assert [(a["month"], a["threshold"], a["spent"]) for a in billing["alerts"]] == [("2026-11-01", 50, 200)]
    assert [(g["source"], g["amount"]) for g in billing["grants"]] == [("staff", 50)]
    assert [(p["package"], p["credits"], p["reference"]) for p in billing["purchases"]] == [
        ("starter", 100, "cs_test_123")
    ]


def test_an_original_missing_from_storage_is_listed_as_missing_and_the_rest_exported(alice, run_tasks):
    kept = make_image(user=alice, prompt="kept", width=30)
    lost = make_image(user=alice, prompt="lost", width=31)
    default_storage.delete(lost.file.name)
    export = export_now(alice, run_tasks)
    zf = open_export(export)
    manifest = manifest_of(zf)
    assert sorted(zf.namelist()) == sorted(["manifest.json", *BILLING_FILES, f"images/{kept.pk}.png"])
    assert [(r["id"], r["file"], r["missing"]) for r in manifest["images"]] == [
        (str(kept.pk), f"images/{kept.pk}.png", False),
        (str(lost.pk), None, True),
    ]
    assert export.counts["missing_images"] == 1


def test_the_page_starts_an_export_and_shows_its_progress_while_it_waits(alice, alice_browser):
    make_image(user=alice)
    response = alice_browser.post(reverse("settings_data_export_start"), follow=True)
    assert response.status_code == 200
    export = DataExport.objects.get(user=alice)
    assert (export.status, export.total) == (Status.QUEUED, 1)  # the worker has not run: tasks run on commit
    page = response.content.decode()
    assert 'data-testid="export-progress"' in page
    assert f'hx-get="{reverse("settings_data_exports")}"' in page
    assert "0 of 1 images" in page


def test_a_second_export_while_one_runs_is_refused_with_a_message(alice, alice_browser):
    alice_browser.post(reverse("settings_data_export_start"))
    response = alice_browser.post(reverse("settings_data_export_start"), follow=True)
    assert DataExport.objects.filter(user=alice).count() == 1
    assert "An export is already being prepared" in response.content.decode()


def test_a_ready_export_is_mailed_with_a_link_that_downloads_it(alice, alice_browser, run_tasks):
    build_world(alice)
    export = export_now(alice, run_tasks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    link = f"http://testserver{reverse('settings_data_export_download', args=[export.pk])}"
    assert reverse("settings_data_export_download", args=[export.pk]) in message.body
    assert "Images: 3, prompts: 1, projects: 1, collections: 1." in message.body

    response = alice_browser.get(link)
    assert served_status(response) == 200
    body, _content_type = served_bytes(response)
    if response.status_code == 200:  # streamed here; on S3 the signed URL names the attachment itself
        assert "attachment" in response["Content-Disposition"]
    else:
        assert "attachment" in response["Location"]
    with default_storage.open(export.file.name, "rb") as handle:
        assert body == handle.read()


def test_the_link_asks_for_sign_in(alice, run_tasks):
    export = export_now(alice, run_tasks)
    response = Client().get(reverse("settings_data_export_download", args=[export.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_bob_cannot_download_alices_export(alice, bob, run_tasks):
    export = export_now(alice, run_tasks)
    client = Client()
    client.force_login(bob)
    assert client.get(reverse("settings_data_export_download", args=[export.pk])).status_code == 404


def test_exports_expire_after_the_retention_period_by_default_72_hours(alice, run_tasks):
    export = export_now(alice, run_tasks)
    assert export.expires_at - export.finished_at == timedelta(hours=72)


def test_the_sweep_deletes_expired_files_and_the_link_stops_working(alice, alice_browser, run_tasks):
    before = storage_files("exports")
    old = export_now(alice, run_tasks)
    fresh = export_now(alice, run_tasks)
    DataExport.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert storage_files("exports") == before | {old.file.name, fresh.file.name}

    assert exports.expire_exports() == 1

    old.refresh_from_db()
    assert (old.status, old.file.name, old.size) == (Status.EXPIRED, "", 0)
    assert storage_files("exports") == before | {fresh.file.name}
    assert alice_browser.get(reverse("settings_data_export_download", args=[old.pk])).status_code == 404
    assert served_status(alice_browser.get(reverse("settings_data_export_download", args=[fresh.pk]))) == 200
    assert exports.expire_exports() == 0  # idempotent


def test_an_export_past_its_expiry_is_refused_before_the_sweep_runs(alice, alice_browser, run_tasks):
    export = export_now(alice, run_tasks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert alice_browser.get(reverse("settings_data_export_download", args=[export.pk])).status_code == 404


def test_the_data_tab_lists_past_exports_with_download_links(alice, alice_browser, run_tasks):
    export = export_now(alice, run_tasks)
    page = alice_browser.get(reverse("settings_data")).content.decode()
    assert page.count('data-testid="export-row"') == 1
    assert reverse("settings_data_export_download", args=[export.pk]) in page
    assert 'hx-trigger="every 2s"' not in page  # nothing running: no polling


# -- the API ----------------------------------------------------------------------------------------


def test_the_api_starts_an_export_and_reports_it_ready_with_its_link(alice, alice_api, run_tasks):
    make_image(user=alice)
    with run_tasks():
        response = alice_api.post("/api/settings/export")
    assert response.status_code == 202
    export_id = response.json()["id"]
    body = alice_api.get(f"/api/settings/export/{export_id}").json()
    assert (body["status"], body["done"], body["total"]) == ("ready", 1, 1)
    assert body["counts"] == {
        "images": 1,
        "missing_images": 0,
        "prompts": 0,
        "projects": 0,
        "collections": 0,
        "ledger_entries": CreditEntry.objects.filter(user=alice, workspace=None).count(),
        "usage_logs": 0,
    }
    assert body["download_url"].endswith(reverse("settings_data_export_download", args=[export_id]))


def test_the_api_refuses_a_second_export_while_one_runs(alice_api):
    assert alice_api.post("/api/settings/export").status_code == 202
    response = alice_api.post("/api/settings/export")
    assert response.status_code == 409
    assert "already being prepared" in response.json()["detail"]


def test_the_api_hides_other_peoples_exports(alice, bob_api, run_tasks):
    export = export_now(alice, run_tasks)
    assert bob_api.get(f"/api/settings/export/{export.pk}").status_code == 404


def test_the_api_routes_are_documented_with_their_errors(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/settings/export"]["post"]["responses"]) == {"202", "401", "403", "409"}
    assert set(paths["/api/settings/export/{export_id}"]["get"]["responses"]) == {"200", "401", "403", "404"}
