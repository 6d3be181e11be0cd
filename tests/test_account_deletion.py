"""Settings → Danger zone: deleting an account. Confirmed with email and password, locked for a grace period
(restorable by signing in and keeping it), then purged: no row and no file of the user is left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imagestudio.accountdata import deletion
from imagestudio.accountdata.models import AccountDeletion, DataImport
from imagestudio.billing.models import CreditEntry
from imagestudio.gallery.models import Image
from imagestudio.generation.operation_inputs import save_mask
from imagestudio.projects.models import Project
from imagestudio.workspaces.models import Role, Workspace
from imagestudio.workspaces.services import create_team, set_member
from tests.account_data import build_world, export_now, storage_files
from tests.conftest import bearer_client
from tests.factories import PASSWORD, make_image, make_job, make_project, png_bytes
from tests.test_storage_s3 import s3_endpoint, s3_storage  # noqa: F401 - the S3 server fixtures

pytestmark = pytest.mark.django_db
User = get_user_model()


def _confirm(client: Client, email: str = "alice@example.com", password: str = PASSWORD):
    return client.post(reverse("settings_danger"), {"email": email, "password": password})


def _rows_pointing_at(user_id) -> dict[str, int]:
    """Every row of every table with a column referring to this user, by table and column (empty: none)."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                count = model._default_manager.filter(**{field.name: user_id}).count()
                if count:
                    found[f"{model._meta.db_table}.{field.column}"] = count
    return found


# -- confirming -------------------------------------------------------------------------------------


def test_the_tab_explains_and_asks_for_email_and_password(alice_browser):
    page = alice_browser.get(reverse("settings_danger")).content.decode()
    assert 'data-testid="deletion-form"' in page
    assert 'name="email"' in page and 'name="password"' in page
    assert "deleted for good after 7 days" in page


def test_a_wrong_password_is_refused_and_nothing_is_scheduled(alice, alice_browser):
    response = _confirm(alice_browser, password="not-my-password")
    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert AccountDeletion.objects.count() == 0
    assert alice_browser.get(reverse("dashboard")).status_code == 200  # still signed in
    assert mail.outbox == []


def test_a_wrong_email_is_refused_and_the_typed_value_kept(alice, alice_browser):
    response = _confirm(alice_browser, email="alice@example.org")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Type the email address of this account exactly: alice@example.com" in page
    assert 'value="alice@example.org"' in page
    assert AccountDeletion.objects.count() == 0


def test_an_owner_of_a_team_with_members_is_refused_with_the_teams_named(alice, bob, alice_browser):
    team = create_team(alice, "Harbour Studio")
    set_member(team, bob, Role.EDITOR)
    create_team(alice, "Solo Team")  # no other member: no obstacle
    response = alice_browser.get(reverse("settings_danger"))
    assert [t.name for t in response.context["teams"]] == ["Harbour Studio"]
    assert 'data-testid="deletion-teams"' in response.content.decode()

    response = _confirm(alice_browser)
    assert response.status_code == 400
    assert "You own team workspaces that other people use: “Harbour Studio”." in response.content.decode()
    assert AccountDeletion.objects.count() == 0


# -- the grace period -------------------------------------------------------------------------------


def test_confirming_locks_the_account_for_the_grace_period_and_emails_the_schedule(alice, alice_browser, settings):
    api = bearer_client(alice)
    assert api.get("/api/auth/me").status_code == 200
    response = _confirm(alice_browser)

    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    scheduled = AccountDeletion.objects.get(user=alice)
    assert scheduled.purge_after - scheduled.requested_at == timedelta(days=7)
    assert alice_browser.get(reverse("dashboard")).status_code == 302  # signed out
    assert api.get("/api/auth/me").status_code == 401  # tokens revoked
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert timezone.localtime(scheduled.purge_after).strftime("%Y-%m-%d") in message.subject
    assert f"{settings.APP_URL}{reverse('settings_danger')}" in message.body
    assert "Keep my account" in message.body
    assert User.objects.filter(pk=alice.pk).count() == 1  # nothing deleted yet


def test_the_grace_period_follows_the_setting(alice, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 2
    scheduled = deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    assert scheduled.purge_after - scheduled.requested_at == timedelta(days=2)


def test_signing_in_during_the_grace_period_leads_only_to_keep_my_account(alice):
    deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    client = Client()
    assert client.login(email="alice@example.com", password=PASSWORD)

    response = client.get(reverse("image_list"))
    assert response.status_code == 302 and response["Location"] == reverse("settings_danger")
    page = client.get(reverse("settings_danger")).content.decode()
    assert 'data-testid="deletion-pending"' in page and 'data-testid="deletion-keep"' in page
    api = client.get("/api/auth/me")
    assert api.status_code == 403 and "scheduled for deletion" in api.json()["detail"]
    fragment = client.get(reverse("notification_badge"), headers={"HX-Request": "true"})
    assert (fragment.status_code, fragment["HX-Redirect"]) == (204, reverse("settings_danger"))


def test_scheduling_revokes_tokens_and_the_api_login_refuses_a_new_one(alice):
    old_token = bearer_client(alice)
    assert old_token.get("/api/auth/me").status_code == 200
    deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    assert old_token.get("/api/auth/me").status_code == 401

    response = Client().post(
        "/api/auth/login", {"email": "alice@example.com", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "scheduled for deletion" in response.json()["detail"]
    assert "token" not in response.json()


def test_keep_my_account_cancels_the_deletion(alice):
    deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    client = Client()
    client.login(email="alice@example.com", password=PASSWORD)
    mail.outbox.clear()

    response = client.post(reverse("settings_danger_keep"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert AccountDeletion.objects.count() == 0
    assert client.get(reverse("image_list")).status_code == 200
    assert [m.subject for m in mail.outbox] == ["Your AI Image Studio account stays"]
    assert deletion.purge_due(timezone.now() + timedelta(days=30)) == 0
    assert User.objects.filter(pk=alice.pk).count() == 1


def test_nothing_is_purged_before_the_grace_period_ends(alice):
    scheduled = deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    assert deletion.purge_due(scheduled.purge_after - timedelta(seconds=1)) == 0
    assert User.objects.filter(pk=alice.pk).count() == 1


# -- the purge --------------------------------------------------------------------------------------


def test_the_purge_leaves_no_row_and_no_file_of_the_user(alice, bob, run_tasks):
    before = storage_files()
    team = create_team(bob, "Bob's team")
    set_member(team, alice, Role.EDITOR)
    team_project = make_project(user=alice, workspace=team, name="Shared work")
    bobs_image = make_image(user=bob, prompt="bob in the team", project=team_project, width=60)
    bobs_own = make_image(user=bob, prompt="bob alone", width=61)
    CreditEntry.objects.create(user=alice, workspace=team, kind="adjustment", amount=0, balance_after=0)
    with_bob = storage_files()

    build_world(alice)
    make_image(user=alice, prompt="alice in the team", project=team_project, width=62)
    export_now(alice, run_tasks)
    waiting = DataImport.objects.create(user=alice, original_name="waiting.zip")  # uploaded, not yet restored
    waiting.file.name = default_storage.save(f"imports/{alice.pk}/{waiting.pk}.zip", ContentFile(b"PK"))
    waiting.save()
    make_job(user=alice, inputs={"mask": save_mask(png_bytes(8, 8), "alice-mask")})
    alice.avatar.save("alice.png", ContentFile(png_bytes(16, 16)))
    assert storage_files() - with_bob  # she has files now
    alice_id = alice.pk

    deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    with run_tasks():
        assert deletion.purge_due(timezone.now() + timedelta(days=7, seconds=1)) == 1

    assert User.objects.filter(pk=alice_id).count() == 0
    assert _rows_pointing_at(alice_id) == {}
    assert Workspace.objects.filter(owner_id=alice_id).count() == 0
    assert storage_files() == with_bob
    assert before <= with_bob
    # Bob's team keeps its project (and his image in it) and its ledger, attributed to "Deleted account".
    stand_in = User.objects.get(email=deletion.DELETED_ACCOUNT_EMAIL)
    assert (stand_in.is_active, stand_in.has_usable_password()) == (False, False)
    team_project.refresh_from_db()
    assert team_project.user_id == stand_in.pk
    assert list(team_project.images.values_list("pk", flat=True)) == [bobs_image.pk]
    assert CreditEntry.objects.filter(workspace=team, user=stand_in).count() == 1
    assert Image.objects.filter(pk=bobs_own.pk).count() == 1


def test_the_purge_ends_every_session(alice, alice_browser):
    assert Session.objects.count() == 1
    scheduled = deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    client = Client()
    client.login(email="alice@example.com", password=PASSWORD)  # signed in again during the grace period
    assert deletion.purge_due(scheduled.purge_after) == 1
    assert Session.objects.count() == 0


def test_a_team_that_gained_members_during_the_grace_period_holds_the_purge(alice, bob):
    team = create_team(alice, "Late joiners")
    scheduled = deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    set_member(team, bob, Role.VIEWER)
    assert deletion.purge_due(scheduled.purge_after) == 0
    assert User.objects.filter(pk=alice.pk).count() == 1
    assert Project.objects.count() == 0


# -- on S3 ------------------------------------------------------------------------------------------


@pytest.mark.s3
@pytest.mark.usefixtures("s3_storage")
def test_on_s3_the_purge_leaves_no_object_of_the_user(alice, bob, run_tasks):
    bobs = make_image(user=bob, prompt="bob's", width=70)
    with_bob = storage_files()
    assert bobs.file.name in with_bob
    build_world(alice)
    export_now(alice, run_tasks)
    assert storage_files() - with_bob

    scheduled = deletion.schedule_deletion(user=alice, email="alice@example.com", password=PASSWORD)
    with run_tasks():
        assert deletion.purge_due(scheduled.purge_after) == 1
    assert storage_files() == with_bob
