"""Team credits: a team workspace has its own balance and ledger (the same ledger code as a user's), jobs in
its projects are charged to it, admins fund it by transfer and set each member's monthly limit and models.

Every money test uses a paid model and checks `credits_reserved > 0` first: on a free model a "charged to
the team" check would pass whoever paid.
"""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.accounts.models import User
from imagestudio.billing import services as billing
from imagestudio.billing.models import CreditEntry
from imagestudio.catalog.models import AIModel
from imagestudio.catalog.params import ParameterError
from imagestudio.events.activity import describe, workspace_activity
from imagestudio.generation import jobqueue, outcomes, services
from imagestudio.generation.models import GenerationJob, JobStatus
from imagestudio.workspaces import services as teams
from imagestudio.workspaces.models import Membership, Role, Workspace
from imagestudio.workspaces.services import create_team, set_member
from tests.conftest import bearer_client
from tests.factories import RECORD_TASKS_ONLY, SMALL, ai_model, enqueue_job, make_project, make_user, provider_result

pytestmark = [pytest.mark.django_db]

FLUX = "fal-ai/flux/dev"
TWO_SMALL = {**SMALL, "num_images": 2}  # flux/dev: 2 × $0.025 = 5 credits reserved


@pytest.fixture(autouse=True)
def paid_models(settings):
    settings.FAL_KEY = "test-key"  # fal models are available (and cost credits); nothing is sent
    settings.TASKS = RECORD_TASKS_ONLY


@pytest.fixture
def team(alice, bob):
    """Alice's team (she is admin) with Bob as editor, funded with 200 of Alice's credits."""
    workspace = create_team(alice, "Poster studio")
    set_member(workspace, bob, Role.EDITOR)
    teams.transfer_credits(workspace, by=alice, amount=200)
    return workspace


@pytest.fixture
def team_project(team, alice):
    return make_project(user=alice, workspace=team, name="Launch")


def balance(owner: User | Workspace) -> int:
    return type(owner).objects.values_list("credits_balance", flat=True).get(pk=owner.pk)


def team_ledger(workspace: Workspace) -> list[tuple[str, str, int, int]]:
    rows = CreditEntry.objects.filter(workspace=workspace).order_by("created_at", "id")
    return [(e.user.email, e.kind, e.amount, e.balance_after) for e in rows.select_related("user")]


def assert_ledgers_balance(*owners: User | Workspace) -> None:
    for owner in owners:
        assert billing.ledger_total(owner) == balance(owner), owner


def limit(workspace, member, *, monthly: int | None = None, models: list[str] | None = None) -> None:
    teams.set_member_limits(
        workspace, member, by=workspace.owner, monthly_credit_limit=monthly, allowed_models=models or []
    )


# -- who pays ---------------------------------------------------------------------------------------


def test_a_job_in_a_team_project_reserves_from_the_team_not_the_member(team, team_project, bob):
    job = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    assert job.credits_reserved == 5
    assert job.workspace_id == team.pk
    assert balance(team) == 195 and balance(bob) == 500
    assert team_ledger(team)[-1] == ("bob@example.com", "reserve", -5, 195)
    assert not CreditEntry.objects.filter(user=bob, workspace=None, job=job).exists()
    assert_ledgers_balance(team, bob)


def test_settle_and_refund_go_back_to_the_team(team, team_project, bob):
    finished = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    canceled = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    assert finished.credits_reserved == canceled.credits_reserved == 5
    assert balance(team) == 190

    # fal made one of the two images: 3 charged, 2 come back to the team.
    claimed = jobqueue.claim(finished.pk, "w")
    assert outcomes.finish(claimed, provider_result(count=1), generation_time=1.0) == JobStatus.SUCCEEDED
    assert services.cancel(canceled) is True

    assert [row[1:3] for row in team_ledger(team)[-4:]] == [
        ("reserve", -5),
        ("reserve", -5),
        ("settle", 2),
        ("refund", 5),
    ]
    assert balance(team) == 197 and balance(bob) == 500
    finished.refresh_from_db()
    assert finished.credits_charged == 3
    assert_ledgers_balance(team, bob)


def test_personal_project_jobs_still_charge_the_user(team, alice):
    personal = make_project(user=alice, name="Mine")
    in_project = enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL, project=personal)
    loose = enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL)
    assert in_project.credits_reserved == loose.credits_reserved == 5
    assert in_project.workspace_id is None and loose.workspace_id is None
    assert balance(alice) == 300 - 10 and balance(team) == 200
    services.cancel(loose)
    assert balance(alice) == 295 and balance(team) == 200
    assert_ledgers_balance(alice, team)


def test_a_short_team_balance_refuses_naming_the_team(team, team_project, bob):
    billing.adjust(user=team.owner, workspace=team, amount=-197, reason="Test: leave 3")
    with pytest.raises(billing.InsufficientCredits) as refused:
        enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    assert str(refused.value) == "This needs 5 credits but the team “Poster studio” has 3."
    assert balance(team) == 3 and balance(bob) == 500
    assert not GenerationJob.objects.filter(user=bob).exists()


def test_the_ledgers_sum_to_the_balances_after_a_mix(team, team_project, alice, bob):
    personal = make_project(user=bob, name="Bob's own")
    team_job = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    own_job = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=personal)
    batch = services.enqueue_batch(
        [
            services.GenerationRequest(
                user=alice, model=ai_model(FLUX), prompt="a", parameters=dict(TWO_SMALL), project=team_project
            ),
            services.GenerationRequest(user=alice, model=ai_model(FLUX), prompt="b", parameters=dict(TWO_SMALL)),
        ]
    )
    assert [job.workspace_id for job in batch] == [team.pk, None]
    outcomes.finish(jobqueue.claim(team_job.pk, "w"), provider_result(count=1), generation_time=1.0)
    services.cancel(own_job)
    services.cancel(batch[0])
    teams.transfer_credits(team, by=alice, amount=40)
    billing.adjust(user=alice, workspace=team, amount=7, reason="Goodwill")
    billing.grant(bob, 11, note="Bonus")

    assert balance(team) == 200 - 3 + 40 + 7  # bob's job settled at 3; alice's team job refunded
    assert balance(alice) == 500 - 200 - 5 - 40  # her personal batch job still holds 5
    assert balance(bob) == 500 + 11
    assert_ledgers_balance(alice, bob, team)


# -- transfers --------------------------------------------------------------------------------------


def test_a_transfer_moves_exactly_n_and_refuses_more_than_the_admin_has(catalog):
    admin = make_user(email="ada@example.com", credits=300)
    workspace = create_team(admin, "Ada's team")
    teams.transfer_credits(workspace, by=admin, amount=120)
    assert balance(admin) == 180 and balance(workspace) == 120
    moved = CreditEntry.objects.filter(kind="transfer", user=admin).order_by("amount")
    assert [(e.workspace_id, e.amount, e.balance_after) for e in moved] == [(None, -120, 180), (workspace.pk, 120, 120)]

    with pytest.raises(billing.InsufficientCredits) as refused:
        teams.transfer_credits(workspace, by=admin, amount=181)
    assert (refused.value.needed, refused.value.balance) == (181, 180)
    assert balance(admin) == 180 and balance(workspace) == 120
    assert CreditEntry.objects.filter(kind="transfer").count() == 2
    assert_ledgers_balance(admin, workspace)


def test_transfers_through_the_api(alice_api, alice, team):
    url = f"/api/workspaces/{team.pk}/credits/transfer"
    moved = alice_api.post(url, {"amount": 50}, content_type="application/json")
    assert moved.status_code == 200 and moved.json() == {"balance": 250, "your_balance": 250}
    refused = alice_api.post(url, {"amount": 251}, content_type="application/json")
    assert refused.status_code == 402 and refused.json()["balance"] == 250
    assert alice_api.post(url, {"amount": 0}, content_type="application/json").status_code in (400, 422)
    assert balance(alice) == 250 and balance(team) == 250


# -- limits -----------------------------------------------------------------------------------------


def test_a_model_not_allowed_is_refused_with_a_message_and_nothing_reserved(team, team_project, bob):
    offline = AIModel.objects.get(endpoint_id="offline/studio-v1")
    limit(team, bob, models=[offline.name])
    flux = ai_model(FLUX)
    with pytest.raises(ParameterError) as refused:
        enqueue_job(user=bob, model=flux, parameters=TWO_SMALL, project=team_project)
    assert refused.value.field == "model_id"
    assert refused.value.message == f"Your team admin has not enabled {flux.display_name} for you."
    assert balance(team) == 200 and balance(bob) == 500
    assert not GenerationJob.objects.filter(user=bob).exists()
    # The same model is still Bob's to use outside the team, on his own credits.
    assert enqueue_job(user=bob, model=flux, parameters=TWO_SMALL).credits_reserved == 5


def test_the_api_refuses_a_model_not_allowed_with_422(team, team_project, bob):
    limit(team, bob, models=[AIModel.objects.get(endpoint_id="offline/studio-v1").name])
    body = {"model_id": FLUX, "prompt": "a kite", "project_id": str(team_project.pk), "parameters": TWO_SMALL}
    response = bearer_client(bob).post("/api/generate/text-to-image", body, content_type="application/json")
    assert response.status_code == 422 and "has not enabled" in response.json()["detail"]
    assert balance(team) == 200


def test_the_monthly_limit_refuses_the_job_that_would_pass_it_and_allows_one_that_fits(team, team_project, bob):
    limit(team, bob, monthly=8)
    first = enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    assert first.credits_reserved == 5
    with pytest.raises(billing.MonthlyLimitReached) as refused:
        enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    assert str(refused.value) == "This needs 5 credits; your monthly team limit leaves 3."
    assert balance(team) == 195 and GenerationJob.objects.filter(user=bob).count() == 1

    fits = enqueue_job(user=bob, model=FLUX, parameters={**SMALL, "num_images": 1}, project=team_project)
    assert fits.credits_reserved == 3  # exactly what is left
    services.cancel(fits)  # a refund gives the room back
    assert enqueue_job(user=bob, model=FLUX, parameters={**SMALL, "num_images": 1}, project=team_project)
    assert balance(team) == 200 - 5 - 3 and balance(bob) == 500


def test_the_api_answers_a_spent_limit_with_402(team, team_project, bob):
    limit(team, bob, monthly=0)
    body = {"model_id": FLUX, "prompt": "a kite", "project_id": str(team_project.pk), "parameters": TWO_SMALL}
    response = bearer_client(bob).post("/api/generate/text-to-image", body, content_type="application/json")
    assert response.status_code == 402
    assert response.json()["detail"] == "This needs 5 credits; your monthly team limit leaves 0."


def test_a_limit_binds_only_its_member(team, team_project, alice, bob):
    limit(team, bob, monthly=0)
    assert enqueue_job(user=alice, model=FLUX, parameters=TWO_SMALL, project=team_project).credits_reserved == 5


# -- admin API and access ---------------------------------------------------------------------------


def test_admins_set_limits_and_read_usage_through_the_api(alice_api, team, team_project, bob):
    enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    slug = AIModel.objects.get(endpoint_id=FLUX).name
    body = {"monthly_credit_limit": 50, "allowed_models": [slug]}
    saved = alice_api.put(f"/api/workspaces/{team.pk}/members/{bob.pk}/limits", body, content_type="application/json")
    assert saved.status_code == 200
    assert (saved.json()["credits_spent"], saved.json()["credits_left"], saved.json()["jobs"]) == (5, 45, 1)
    assert Membership.objects.get(workspace=team, user=bob).allowed_models == [slug]

    usage = alice_api.get(f"/api/workspaces/{team.pk}/credits").json()
    assert usage["balance"] == 195
    assert [(m["email"], m["credits_spent"], m["monthly_credit_limit"]) for m in usage["members"]] == [
        ("alice@example.com", 0, None),
        ("bob@example.com", 5, 50),
    ]
    unknown = {"allowed_models": ["no-such-model"]}
    bad = alice_api.put(f"/api/workspaces/{team.pk}/members/{bob.pk}/limits", unknown, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "allowed_models"


def test_only_admins_manage_team_credits_and_outsiders_get_404(team, alice, bob, catalog):
    carol = make_user(email="carol@example.com")
    limits = f"/api/workspaces/{team.pk}/members/{bob.pk}/limits"
    body = {"monthly_credit_limit": 1000}
    editor, outsider = bearer_client(bob), bearer_client(carol)
    assert editor.put(limits, body, content_type="application/json").status_code == 403
    assert outsider.put(limits, body, content_type="application/json").status_code == 404
    assert editor.get(f"/api/workspaces/{team.pk}/credits").status_code == 403
    assert outsider.get(f"/api/workspaces/{team.pk}/credits").status_code == 404
    transfer = f"/api/workspaces/{team.pk}/credits/transfer"
    assert editor.post(transfer, {"amount": 5}, content_type="application/json").status_code == 403
    assert Membership.objects.get(workspace=team, user=bob).monthly_credit_limit is None
    assert balance(team) == 200 and balance(bob) == 500

    page = Client()
    page.force_login(bob)
    assert page.post(f"/workspaces/{team.pk}/members/{bob.pk}/limits/", {"models_mode": "all"}).status_code == 403
    page.force_login(carol)
    assert page.get(f"/workspaces/{team.pk}/credits/").status_code == 404


# -- pages ------------------------------------------------------------------------------------------


def test_the_credits_page_shows_admins_the_ledger_usage_and_forms(alice_browser, team, team_project, bob):
    enqueue_job(user=bob, model=FLUX, parameters=TWO_SMALL, project=team_project)
    members = alice_browser.get(f"/workspaces/{team.pk}/members/").content.decode()
    assert f'href="/workspaces/{team.pk}/credits/"' in members

    page = alice_browser.get(f"/workspaces/{team.pk}/credits/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="team-ledger"' in html and html.count('data-testid="ledger-entry"') == 2
    assert html.count('data-testid="usage-row"') == 2 and html.count('data-testid="limits-form"') == 2
    assert 'data-testid="transfer-form"' in html


def test_admins_fund_the_team_and_set_limits_from_the_page(alice_browser, alice, team, bob):
    url = f"/workspaces/{team.pk}/credits/"
    assert alice_browser.post(f"{url}transfer/", {"amount": "25"}).status_code == 302
    assert balance(team) == 225 and balance(alice) == 275
    short = alice_browser.post(f"{url}transfer/", {"amount": "276"}, follow=True).content.decode()
    assert "This needs 276 credits but you have 275." in short and balance(alice) == 275

    slug = AIModel.objects.get(endpoint_id=FLUX).name
    form = {"monthly_credit_limit": "40", "models_mode": "some", "allowed_models": [slug]}
    assert alice_browser.post(f"/workspaces/{team.pk}/members/{bob.pk}/limits/", form).status_code == 302
    membership = Membership.objects.get(workspace=team, user=bob)
    assert (membership.monthly_credit_limit, membership.allowed_models) == (40, [slug])
    alice_browser.post(
        f"/workspaces/{team.pk}/members/{bob.pk}/limits/", {"monthly_credit_limit": "", "models_mode": "all"}
    )
    membership.refresh_from_db()
    assert (membership.monthly_credit_limit, membership.allowed_models) == (None, [])


def test_members_see_only_their_own_usage_and_limit(team, bob):
    limit(team, bob, monthly=30)
    page = Client()
    page.force_login(bob)
    html = page.get(f"/workspaces/{team.pk}/credits/").content.decode()
    assert html.count('data-testid="usage-row"') == 1 and 'data-email="bob@example.com"' in html
    assert 'data-testid="team-ledger"' not in html and 'data-testid="transfer-form"' not in html
    assert 'data-testid="limits-form"' not in html


# -- events -----------------------------------------------------------------------------------------


def test_role_changes_removals_and_transfers_are_recorded_for_the_feed(team, alice, bob, catalog):
    carol = make_user(email="carol@example.com", name="Carol")
    set_member(team, carol, Role.VIEWER)
    teams.change_role(team, bob, Role.ADMIN, by=alice)
    teams.remove_member(team, carol, by=alice)
    teams.remove_member(team, bob, by=bob)
    feed = [describe(event) for event in workspace_activity(team.pk).items]
    assert feed[:4] == [
        "left the team",
        "removed Carol from the team",
        "changed Bob’s role from editor to admin",
        "added 200 credits to the team",
    ]


def test_the_generate_estimate_checks_the_team_balance_for_a_team_project(team, team_project, bob):
    Workspace.objects.filter(pk=team.pk).update(credits_balance=3)  # bob himself has plenty
    browser = Client()
    browser.force_login(bob)
    form = {"model": FLUX, "aspect_ratio": "1:1", "resolution": "1", "num_images": 4}
    team_answer = browser.get("/generate/estimate/", {**form, "project": str(team_project.pk)}).content.decode()
    assert "this needs 10 and the team “Poster studio” has 3." in team_answer
    own_answer = browser.get("/generate/estimate/", form).content.decode()
    assert "Not enough credits" not in own_answer
