"""The Django admin: every page loads, actions go through the domain services, the ledger stays read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from imagestudio.accounts import provider_keys
from imagestudio.accounts.models import ApiToken, User
from imagestudio.accounts.services import issue_token
from imagestudio.billing import grants, purchases
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry, EntryKind, UsageLog
from imagestudio.billing.packages import CREDIT_PACKAGES
from imagestudio.catalog.models import AIModel
from imagestudio.generation import services
from imagestudio.generation.models import GenerationJob, JobStatus, Preset, WorkerHeartbeat
from tests.factories import RECORD_TASKS_ONLY, make_image, make_project

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "billing", "catalog", "gallery", "generation", "projects"}


@pytest.fixture
def staff(catalog) -> User:
    return User.objects.create_superuser("admin@example.com", "correct-Horse-battery-9")


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def paid_jobs(settings):
    """fal models with a (fake) key, tasks recorded but never run: jobs stay queued with credits reserved."""
    settings.FAL_KEY = "test-key"
    settings.TASKS = RECORD_TASKS_ONLY
    model = AIModel.objects.get(endpoint_id="fal-ai/flux/dev")

    def queue(user, prompt: str = "a lighthouse at dusk") -> GenerationJob:
        job = services.enqueue(
            services.GenerationRequest(
                user=user,
                model=model,
                prompt=prompt,
                parameters={"aspect_ratio": "1:1", "num_images": 2, "seed": 42},
            )
        )
        assert job.credits_reserved > 0
        return job

    return queue


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


def run_action(client: Client, model, action: str, objects) -> object:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(obj.pk) for obj in objects]}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def one_of_everything(alice, paid_jobs):
    """At least one row in every table our apps show in the admin."""
    job = paid_jobs(alice)
    services.cancel(job)  # writes a refund entry and a usage log
    image = make_image(user=alice)
    make_project(user=alice, name="Lighthouses", cover_image=image)
    Preset.objects.create(user=alice, name="dusk", settings={"form": {"prompt": "dusk"}})
    issue_token(alice)
    provider_keys.set_fal_key(user=alice, key="alice-own-fal-key:0123456789abcdef")
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="host:1", hostname="host", pid=1, started_at=now, last_seen=now)
    grants.issue_grant(user=alice, amount=20, expires_at=now + timedelta(days=30), note="Launch week")
    purchases.credit_purchase(user_id=alice.pk, package=CREDIT_PACKAGES[0], session_id="cs_admin", test_mode=True)
    assert UsageLog.objects.exists() and CreditEntry.objects.exists()


def test_staff_loads_every_admin_changelist_and_change_page(staff_client, one_of_everything):
    checked = set()
    assert staff_client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        obj = model._default_manager.first()
        if opts.app_label in OUR_APPS:
            assert obj is not None, f"no {opts.label} row to open"
        if obj is not None:
            change = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, opts.label
        request = changelist.wsgi_request
        if model_admin.has_add_permission(request):
            add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
            assert add.status_code == 200, opts.label
        checked.add(opts.label)
    assert {
        "accounts.User",
        "accounts.ApiToken",
        "billing.CreditEntry",
        "billing.UsageLog",
        "catalog.AIModel",
        "gallery.Image",
        "generation.GenerationJob",
        "generation.Preset",
        "generation.WorkerHeartbeat",
        "projects.Project",
    } <= checked


def test_staff_can_create_a_user_from_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.com",
            "name": "New",
            "usable_password": "true",
            "password1": "correct-Horse-battery-9",
            "password2": "correct-Horse-battery-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("correct-Horse-battery-9")


def test_the_cancel_action_cancels_and_refunds_through_the_service(staff_client, alice, paid_jobs):
    job = paid_jobs(alice)
    reserved = job.credits_reserved
    assert balance(alice) == 500 - reserved
    response = run_action(staff_client, GenerationJob, "cancel_jobs", [job])
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    assert balance(alice) == 500
    refund = CreditEntry.objects.get(job=job, kind=EntryKind.REFUND)
    assert refund.amount == reserved
    assert billing.ledger_total(alice) == balance(alice)
    assert UsageLog.objects.get(job=job).success is False
    # Canceling again changes nothing and says so.
    again = run_action(staff_client, GenerationJob, "cancel_jobs", [job])
    assert any("already finished" in message for message in messages_of(again))
    assert balance(alice) == 500 and CreditEntry.objects.filter(job=job, kind=EntryKind.REFUND).count() == 1


def test_the_retry_action_queues_a_new_job_with_the_same_recipe(staff_client, alice, paid_jobs):
    failed = paid_jobs(alice)
    services.cancel(failed)
    still_queued = paid_jobs(alice, prompt="not finished yet")
    before = balance(alice)
    response = run_action(staff_client, GenerationJob, "retry_jobs", [failed, still_queued])
    assert response.status_code == 200
    new = GenerationJob.objects.exclude(pk__in=[failed.pk, still_queued.pk]).get()
    assert new.status == JobStatus.QUEUED and new.user == alice
    assert (new.prompt, new.parameters["seed"], new.num_images) == (failed.prompt, 42, failed.num_images)
    assert balance(alice) == before - new.credits_reserved
    assert CreditEntry.objects.filter(job=new, kind=EntryKind.RESERVE).count() == 1
    assert any("Not retried" in message for message in messages_of(response))  # the queued one


def test_the_job_list_filters_by_status_model_and_user(staff_client, alice, bob, paid_jobs):
    flux = paid_jobs(alice)
    services.cancel(flux)
    bobs = paid_jobs(bob)
    offline = services.enqueue(
        services.GenerationRequest(
            user=alice,
            model=AIModel.objects.get(endpoint_id="offline/studio-v1"),
            prompt="a quiet harbour",
        )
    )
    url = reverse("admin:generation_generationjob_changelist")

    def listed(**query) -> set:
        response = staff_client.get(url, query)
        assert response.status_code == 200
        return {job.pk for job in response.context["cl"].result_list}

    assert listed() == {flux.pk, bobs.pk, offline.pk}
    assert listed(status="canceled") == {flux.pk}
    assert listed(model__id__exact=offline.model_id) == {offline.pk}
    assert listed(user=alice.pk) == {flux.pk, offline.pk}
    assert listed(user=bob.pk, status="queued") == {bobs.pk}
    assert listed(q=str(bobs.pk)) == {bobs.pk}  # pasting a job id finds it
    assert listed(q=str(alice.pk)) == {flux.pk, offline.pk}  # and a user id finds their jobs


def test_list_pages_use_the_same_number_of_queries_for_more_rows(staff_client, alice, bob, paid_jobs):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    pages = [
        reverse(f"admin:{name}_changelist")
        for name in (
            "generation_generationjob",
            "gallery_image",
            "billing_creditentry",
            "billing_usagelog",
            "accounts_user",
            "accounts_apitoken",
        )
    ]
    paid_jobs(alice)
    make_image(user=alice)
    issue_token(alice)
    staff_client.get(pages[0])  # the session's first request writes its settings row and session record
    few = [queries(url) for url in pages]
    for user in (alice, bob, bob):
        services.cancel(paid_jobs(user))
        make_image(user=user)
        issue_token(user)
    assert [queries(url) for url in pages] == few


def test_the_credit_ledger_is_read_only(staff_client, alice):
    entry = CreditEntry.objects.get(user=alice)
    info = "admin:billing_creditentry"
    assert staff_client.get(reverse(f"{info}_add")).status_code == 403
    assert (
        staff_client.post(
            reverse(f"{info}_add"), {"user": alice.pk, "kind": "grant", "amount": 5, "balance_after": 5}
        ).status_code
        == 403
    )
    change = staff_client.post(reverse(f"{info}_change", args=[entry.pk]), {"amount": 10_000, "note": "x"})
    assert change.status_code == 403
    assert staff_client.post(reverse(f"{info}_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    changelist = staff_client.get(reverse(f"{info}_changelist"))
    assert "delete_selected" not in admin.site._registry[CreditEntry].get_actions(changelist.wsgi_request)
    entry.refresh_from_db()
    assert (entry.amount, CreditEntry.objects.count(), balance(alice)) == (500, 1, 500)
    # The usage log is read-only in the same way.
    assert staff_client.get(reverse("admin:billing_usagelog_add")).status_code == 403


def test_a_credit_adjustment_is_one_ledger_entry_of_exactly_that_amount(staff_client, alice):
    url = reverse("admin:accounts_user_adjust_credits", args=[alice.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and b"500" in page.content
    response = staff_client.post(url, {"amount": "-120", "reason": "Refund for a broken render"})
    assert response.status_code == 302
    adjustments = CreditEntry.objects.filter(user=alice, kind=EntryKind.ADJUSTMENT)
    assert adjustments.count() == 1
    entry = adjustments.get()
    assert (entry.amount, entry.balance_after, entry.note) == (-120, 380, "Refund for a broken render")
    assert balance(alice) == 380 == billing.ledger_total(alice)


def test_an_adjustment_never_makes_the_balance_negative(staff_client, alice):
    url = reverse("admin:accounts_user_adjust_credits", args=[alice.pk])
    response = staff_client.post(url, {"amount": "-501", "reason": "too much"})
    assert response.status_code == 200
    assert "cannot go below zero" in str(response.context["form"].errors["amount"])
    assert staff_client.post(url, {"amount": "0", "reason": "nothing"}).status_code == 200
    assert not CreditEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()
    assert balance(alice) == 500
    with pytest.raises(billing.InsufficientCredits):
        billing.adjust(user=alice, amount=-501, reason="service too")
    assert balance(alice) == 500 == billing.ledger_total(alice)


def test_saving_a_user_never_writes_back_a_stale_balance(staff_client, alice, monkeypatch):
    """Credits that move between the admin reading the user and saving it are kept, not overwritten."""
    from imagestudio.accounts.admin import UserAdmin

    read = UserAdmin.get_object

    def read_then_credits_move(self, request, object_id, from_field=None):
        obj = read(self, request, object_id, from_field)
        if request.method == "POST":
            billing.grant(alice, 40, note="landed while the admin held its copy")
        return obj

    monkeypatch.setattr(UserAdmin, "get_object", read_then_credits_move)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    response = staff_client.post(
        url,
        {
            "email": alice.email,
            "name": "Alice Renamed",
            "subscription_tier": "free",
            "preferences": "{}",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.name == "Alice Renamed"
    assert alice.credits_balance == 540 == billing.ledger_total(alice)


def test_the_balance_is_shown_but_not_editable(staff_client, alice):
    response = staff_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    form = response.context["adminform"].form
    assert "credits_balance" not in form.fields
    assert b"500" in response.content
    listing = staff_client.get(reverse("admin:accounts_user_changelist"))
    assert "credits_balance" in listing.context["cl"].list_display


def test_api_token_hashes_are_never_shown(staff_client, alice):
    issue_token(alice)
    token = ApiToken.objects.get(user=alice)
    response = staff_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert response.status_code == 200
    assert token.token_hash.encode() not in response.content
    assert "token_hash" not in response.context["adminform"].form.fields
    run_action(staff_client, ApiToken, "revoke", [token])
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_catalog_models_are_enabled_and_disabled_by_actions(staff_client, catalog):
    model = AIModel.objects.get(endpoint_id="offline/studio-v1")
    run_action(staff_client, AIModel, "disable", [model])
    model.refresh_from_db()
    assert model.is_active is False and model.available is False
    run_action(staff_client, AIModel, "enable", [model])
    model.refresh_from_db()
    assert model.is_active is True


@pytest.mark.parametrize("path", ["/admin/", "/admin/generation/generationjob/", "/admin/billing/creditentry/"])
def test_a_non_staff_user_is_sent_to_the_login_page(alice_browser, path):
    response = alice_browser.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
