"""Try demo: an isolated demo account with sample content, signed in on POST /demo/start; everything it may
not do, refused on pages and in the API; its purge after DEMO_LIFETIME_HOURS; keeping it; DEMO_ENABLED."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from imagestudio.accounts.models import ApiToken, ProviderKey, User
from imagestudio.billing import purchases
from imagestudio.billing.models import CreditPurchase
from imagestudio.billing.packages import CREDIT_PACKAGES
from imagestudio.collections import services as collections
from imagestudio.collections.models import Collection
from imagestudio.demo import services
from imagestudio.demo.access import DemoRestricted, is_demo
from imagestudio.demo.models import DemoAccount
from imagestudio.gallery.models import Image
from imagestudio.generation.management.commands import worker
from imagestudio.generation.models import GenerationJob
from imagestudio.preferences import services as preferences
from imagestudio.projects.models import Project
from imagestudio.prompts.models import Prompt
from imagestudio.sharing.models import SharedProject
from imagestudio.workspaces.models import Invitation, Workspace
from imagestudio.workspaces.services import create_team, personal_workspace
from tests.conftest import bearer_client
from tests.factories import make_image, make_project
from tests.showcase_data import render_small_showcase

pytestmark = pytest.mark.django_db
SMALL = {"width": 256, "height": 256}


def start(client: Client, **extra):
    return client.post("/demo/start", **extra)


@pytest.fixture
def showcase(catalog):
    render_small_showcase()


@pytest.fixture
def demo_browser(catalog) -> Client:
    """A visitor who pressed "Try demo" (no showcase: an empty demo is enough to test the rules)."""
    client = Client()
    assert start(client).status_code == 302
    return client


@pytest.fixture
def demo(demo_browser) -> User:
    return User.objects.get(pk=demo_browser.session["_auth_user_id"])


@pytest.fixture
def demo_api(demo) -> Client:
    return bearer_client(demo)  # a demo cannot log in to the API itself; its rules hold there all the same


def api_post(client: Client, path: str, body: dict, method: str = "post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def refused(response, words: str) -> None:
    """An API answer refusing a demo account: 403 with the reason."""
    assert response.status_code == 403, response.content
    assert words in response.json()["detail"] and "Sign up" in response.json()["detail"]


def toasted(client: Client, response, words: str) -> None:
    """A page's answer refusing a demo account: back where the form was, the reason as a message."""
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert words in follow.content.decode()


# -- starting a demo ------------------------------------------------------------------------------------------


def test_try_demo_signs_the_visitor_into_a_fresh_demo_account_full_of_sample_content(showcase):
    client = Client()
    response = start(client)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert is_demo(user) and not user.has_usable_password() and user.credits_balance == 0
    assert user.email.endswith("@demo.invalid") and not EmailAddress.objects.filter(user=user).exists()
    projects = Project.objects.filter(user=user).order_by("name")
    assert [p.name for p in projects] == ["Landscapes", "Moods & styles"]
    images = Image.objects.filter(user=user)
    assert images.count() == 11 and images.filter(project__isnull=True).count() == 0
    assert all(default_storage.exists(image.file.name) for image in images)
    assert images.filter(is_favorite=True).count() == 2
    assert set(images.values_list("model__endpoint_id", flat=True)) == {"offline/studio-v1", "offline/studio-turbo"}
    collection = Collection.objects.get(workspace__owner=user)
    assert collection.entries.count() == 4
    assert Prompt.objects.filter(user=user).count() == 3
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-testid="demo-banner"' in dashboard and "resets in 4 hours" in dashboard
    assert "Sign up to keep your work" in dashboard and 'data-testid="verify-email-banner"' not in dashboard


def test_each_visitor_gets_an_account_of_their_own(catalog):
    first, second = Client(), Client()
    start(first), start(second)
    assert first.session["_auth_user_id"] != second.session["_auth_user_id"]
    assert DemoAccount.objects.count() == 2


def test_a_signed_in_person_keeps_their_own_session(alice, alice_browser):
    response = start(alice_browser)
    assert response["Location"] == "/dashboard/" and alice_browser.session["_auth_user_id"] == str(alice.pk)
    assert not DemoAccount.objects.exists()


def test_starting_a_demo_needs_the_csrf_token(catalog):
    assert start(Client(enforce_csrf_checks=True)).status_code == 403
    assert not DemoAccount.objects.exists()


def test_starting_demos_is_rate_limited_per_client_ip(catalog, rate_limits):
    rate_limits.DEMO_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert start(Client(), REMOTE_ADDR="203.0.113.7").status_code == 302
    blocked = start(Client(), REMOTE_ADDR="203.0.113.7")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert start(Client(), REMOTE_ADDR="198.51.100.2").status_code == 302
    assert DemoAccount.objects.count() == 3


def test_with_the_demo_off_there_is_no_button_and_no_route(catalog, settings):
    settings.DEMO_ENABLED = False
    assert 'data-testid="demo-form"' not in Client().get("/").content.decode()
    assert start(Client()).status_code == 404
    assert not DemoAccount.objects.exists()


def test_ordinary_accounts_see_no_demo_banner(alice_browser):
    assert 'data-testid="demo-banner"' not in alice_browser.get("/dashboard/").content.decode()


# -- what a demo may and may not do -------------------------------------------------------------------------------


def test_a_demo_generates_on_the_offline_engine_for_free(demo, demo_api, run_tasks):
    body = {"model_id": "offline/studio-v1", "prompt": "a calm lake at dawn", "parameters": SMALL}
    with run_tasks():
        response = api_post(demo_api, "/api/generate/text-to-image", body)
    assert response.status_code == 202
    assert GenerationJob.objects.get(pk=response.json()["id"]).status == "succeeded"
    demo.refresh_from_db()
    assert demo.credits_balance == 0 and Image.objects.filter(user=demo).count() == 1


def test_a_demo_cannot_use_fal_models_on_the_page_or_in_the_api(demo, demo_browser, demo_api, settings):
    settings.FAL_KEY = "studio-key"  # the fal models are available to everyone else
    body = {"model_id": "fal-ai/flux/dev", "prompt": "a calm lake at dawn", "parameters": SMALL}
    response = api_post(demo_api, "/api/generate/text-to-image", body)
    assert response.status_code == 422 and response.json()["field"] == "model_id"
    assert "only use the free offline models" in response.json()["detail"]
    form = {"model": "fal-ai/flux/dev", "prompt": "a calm lake", "aspect_ratio": "1:1", "num_images": 1}
    page = demo_browser.post("/generate/", form)
    assert page.status_code == 422  # the page doesn't even offer the fal models to a demo
    assert "Select a valid choice" in page.content.decode()
    offered = demo_browser.get("/generate/").content.decode()
    assert 'value="offline/studio-v1"' in offered and 'value="fal-ai/flux/dev"' not in offered
    assert not GenerationJob.objects.filter(user=demo).exists()


def test_a_demo_cannot_buy_credits(demo, demo_browser):
    with pytest.raises(DemoRestricted):
        purchases.buy_in_test_mode(user=demo, package=CREDIT_PACKAGES[0])
    response = demo_browser.post(
        "/settings/billing/buy/",
        {"package": CREDIT_PACKAGES[0].slug},
        HTTP_REFERER="http://testserver/settings/billing/buy/",
    )
    toasted(demo_browser, response, "can&#x27;t buy credits")
    assert not CreditPurchase.objects.exists() and User.objects.get(pk=demo.pk).credits_balance == 0


def test_a_demo_cannot_create_api_keys(demo, demo_browser, demo_api):
    refused(api_post(demo_api, "/api/settings/api-keys", {"name": "script", "scopes": ["read"]}), "API keys")
    response = demo_browser.post(
        "/settings/api-keys/",
        {"action": "create", "name": "script", "scopes": ["read"], "expires": "90"},
        HTTP_REFERER="http://testserver/settings/api-keys/",
    )
    toasted(demo_browser, response, "can&#x27;t create API keys")
    assert not ApiToken.objects.filter(user=demo, kind=ApiToken.Kind.KEY).exists()


def test_a_demo_cannot_add_a_fal_key(demo, demo_browser):
    response = demo_browser.post(
        "/settings/api-keys/",
        {"action": "fal_key_set", "fal_key": "visitor-key-1111:bbbbbbbbbbbbWXYZ"},
        HTTP_REFERER="http://testserver/settings/api-keys/",
    )
    toasted(demo_browser, response, "fal.ai key")
    assert not ProviderKey.objects.filter(user=demo).exists()


def test_a_demo_cannot_change_its_email_address(demo, demo_browser, demo_api):
    page = demo_browser.post("/accounts/email/", {"action_add": "", "email": "visitor@example.com"})
    assert "can&#x27;t change its email address" in page.content.decode()
    api = api_post(demo_api, "/api/auth/profile", {"name": "Visitor", "email": "visitor@example.com"}, "put")
    assert api.status_code == 400 and api.json()["field"] == "email" and "email address" in api.json()["detail"]
    assert not EmailAddress.objects.filter(email="visitor@example.com").exists()
    assert User.objects.get(pk=demo.pk).email == demo.email


def test_a_demo_cannot_set_a_password(demo, demo_browser):
    page = demo_browser.post(
        "/accounts/password/set/", {"password1": "a-Strong-pass-123", "password2": "a-Strong-pass-123"}
    )
    assert "can&#x27;t set a password" in page.content.decode()
    assert not User.objects.get(pk=demo.pk).has_usable_password()


def test_a_demo_cannot_invite_members(demo, demo_api):
    team = create_team(demo, "Demo team")
    refused(api_post(demo_api, f"/api/workspaces/{team.pk}/invitations", {"email": "friend@example.com"}), "invite")
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_demo_cannot_make_an_image_public(demo, demo_browser):
    image = make_image(user=demo)
    response = demo_browser.post(
        f"/images/{image.pk}/public/", {"is_public": "1"}, HTTP_REFERER=f"http://testserver/images/{image.pk}/"
    )
    toasted(demo_browser, response, "can&#x27;t make things public")
    assert not Image.objects.get(pk=image.pk).is_public
    assert demo_browser.post(f"/images/{image.pk}/public/", {"is_public": "0"}).status_code == 302  # private is fine


def test_a_demo_cannot_publish_projects_prompts_or_collections(demo, demo_api):
    refused(api_post(demo_api, "/api/projects", {"name": "Open", "is_public": True}), "public")
    refused(api_post(demo_api, "/api/prompts", {"prompt_text": "a lake", "is_public": True}), "public")
    with pytest.raises(DemoRestricted):
        collections.create_collection(workspace=personal_workspace(demo), user=demo, name="Open", is_public=True)
    collection = collections.create_collection(workspace=personal_workspace(demo), user=demo, name="Mine")
    with pytest.raises(DemoRestricted):
        collections.update_collection(collection, is_public=True)
    assert not Project.objects.filter(user=demo, is_public=True).exists()
    assert not Prompt.objects.filter(user=demo, is_public=True).exists()
    assert not Collection.objects.filter(created_by=demo, is_public=True).exists()


def test_a_demos_new_images_stay_private_whatever_its_privacy_settings_say(demo):
    preferences.update_settings(user=demo, changes={"privacy": {"images_public_by_default": True}})
    assert not make_image(user=demo).is_public


def test_a_demo_cannot_create_share_links(demo, demo_api):
    project = make_project(user=demo)
    image = make_image(user=demo, project=project)
    refused(api_post(demo_api, f"/api/share/project/{project.pk}", {}), "share links")
    refused(api_post(demo_api, f"/api/share/image/{image.pk}", {}), "share links")
    assert not SharedProject.objects.exists()


def test_a_demo_cannot_reach_other_peoples_images_or_projects(demo, demo_browser, demo_api, alice):
    project = make_project(user=alice, name="Alice's secret")
    image = make_image(user=alice, project=project, prompt="alice's private picture")
    assert demo_browser.get(f"/images/{image.pk}/").status_code == 404
    assert demo_browser.get(f"/images/{image.pk}/file").status_code == 404
    assert demo_browser.get(f"/projects/{project.pk}/").status_code == 404
    assert demo_api.get(f"/api/images/{image.pk}").status_code == 404
    assert demo_api.get(f"/api/projects/{project.pk}").status_code == 404
    listing = demo_api.get("/api/images").json()
    assert str(image.pk) not in json.dumps(listing)
    assert Workspace.objects.filter(memberships__user=demo).count() == 1  # its own personal workspace only


# -- reset: the purge after DEMO_LIFETIME_HOURS ---------------------------------------------------------------------


def test_demo_accounts_are_purged_with_their_files_once_their_lifetime_is_over(
    showcase, alice, django_capture_on_commit_callbacks
):
    client = Client()
    start(client)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    names = [name for image in Image.objects.filter(user=user) for name in (image.file.name, image.thumbnail.name)]
    assert names and all(default_storage.exists(name) for name in names)
    alices = make_image(user=alice)
    now = timezone.now()
    assert services.purge_expired(now + timedelta(hours=3, minutes=59)) == 0
    assert User.objects.filter(pk=user.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion commits
        assert services.purge_expired(now + timedelta(hours=4, minutes=1)) == 1
    assert not User.objects.filter(pk=user.pk).exists() and not DemoAccount.objects.exists()
    assert not Image.objects.filter(user_id=user.pk).exists() and not Project.objects.filter(user_id=user.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    assert client.get("/dashboard/").status_code == 302  # its session ended with it
    assert Image.objects.filter(pk=alices.pk).exists() and default_storage.exists(alices.file.name)


def test_the_lifetime_follows_the_setting(demo, settings):
    settings.DEMO_LIFETIME_HOURS = 1
    assert services.purge_expired(timezone.now() + timedelta(minutes=61)) == 1


def test_the_sweep_purges_at_most_every_few_minutes(demo, monkeypatch):
    monkeypatch.setattr(services, "_next_sweep", None)
    first = DemoAccount.objects.get(user=demo).expires_at - timedelta(minutes=1)
    assert services.sweep(first) == 0  # not expired yet
    assert services.sweep(first + timedelta(minutes=2)) == 0  # expired, but the next sweep is 5 minutes on
    assert User.objects.filter(pk=demo.pk).exists()
    assert services.sweep(first + services.SWEEP_EVERY) == 1


def test_the_worker_heartbeat_runs_the_demo_sweep(monkeypatch):
    stop = threading.Event()
    calls = []

    def sweep():
        calls.append(1)
        stop.set()
        return 0

    monkeypatch.setattr(services, "sweep", sweep)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    guard = threading.Timer(20, stop.set)
    guard.start()
    try:
        worker.beat_forever(stop)
    finally:
        guard.cancel()
    assert calls == [1]


# -- keeping the demo ----------------------------------------------------------------------------------------------


def test_signing_up_from_the_demo_keeps_everything_made_in_it(showcase):
    client = Client()
    start(client)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    images = set(Image.objects.filter(user=user).values_list("pk", flat=True))
    assert 'data-testid="demo-keep-form"' in client.get("/demo/keep/").content.decode()
    response = client.post("/demo/keep/", {"name": "Ada", "email": "Ada@Example.com", "password": "a-Strong-pass-123"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user.refresh_from_db()
    assert user.email == "ada@example.com" and user.name == "Ada" and user.check_password("a-Strong-pass-123")
    assert not DemoAccount.objects.filter(user=user).exists() and not is_demo(User.objects.get(pk=user.pk))
    assert set(Image.objects.filter(user=user).values_list("pk", flat=True)) == images
    assert EmailAddress.objects.get(user=user).email == "ada@example.com"
    assert any("ada@example.com" in message.to for message in mail.outbox)  # the verification link
    assert user.credits_balance == 500  # starting credits, as after any signup (GRANT_CREDITS_ON=signup here)
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200 and 'data-testid="demo-banner"' not in dashboard.content.decode()
    assert services.purge_expired(timezone.now() + timedelta(days=1)) == 0


def test_keeping_the_demo_refuses_an_address_in_use(demo, demo_browser, alice):
    response = demo_browser.post("/demo/keep/", {"email": alice.email, "password": "a-Strong-pass-123"})
    assert response.status_code == 422 and "already exists" in response.content.decode()
    assert is_demo(User.objects.get(pk=demo.pk))


def test_only_demo_accounts_have_a_keep_page(alice_browser):
    assert alice_browser.get("/demo/keep/")["Location"] == "/dashboard/"
