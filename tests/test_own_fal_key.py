"""Bring your own fal key: stored encrypted, never shown again; a user's fal jobs run on it (the emulator accepts
only that key, so a job on any other key would fail) and cost no studio credits; a bad, removed or unreadable
key fails the job with a message saying what to do, without retrying."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from imagestudio.accounts import provider_keys
from imagestudio.accounts.models import ProviderKey, User
from imagestudio.accounts.services import AccountError
from imagestudio.billing.models import CreditEntry, UsageLog
from imagestudio.billing.services import ledger_total
from imagestudio.events.models import Event
from imagestudio.gallery.models import Image
from imagestudio.generation import runner, services
from imagestudio.generation.models import JobStatus
from tests.factories import RECORD_TASKS_ONLY, SMALL, ai_model, enqueue_job
from tests.test_fal_jobs import drive

FLUX = "fal-ai/flux/dev"
STUDIO_KEY = "studio-key-0000:aaaaaaaaaaaaaaaa"
OWN_KEY = "alice-own-key-1111:bbbbbbbbbbbbWXYZ"


@pytest.fixture
def fal(fal_emulator, settings):
    settings.FAL_KEY = STUDIO_KEY
    settings.FAL_TIMEOUT = 5
    settings.TASKS = RECORD_TASKS_ONLY  # the test drives the worker's steps itself
    settings.FAL_WEBHOOK_JWKS_URL = fal_emulator.jwks_url
    settings.FAL_POLL_INTERVAL_SECONDS = 0.02
    settings.FAL_CHECK_BACKOFF_SECONDS = 0.01
    settings.JOB_RETRY_BASE_SECONDS = 0.01
    return fal_emulator


def balance(user) -> int:
    return User.objects.get(pk=user.pk).credits_balance


def stored_column() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_key, last4 FROM provider_keys")
        return list(cursor.fetchall())


# -- storage --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_key_is_stored_encrypted_and_only_its_last_four_characters_in_clear(alice):
    provider_keys.set_fal_key(user=alice, key=f"  {OWN_KEY}\n")
    [(encrypted, last4)] = stored_column()
    assert OWN_KEY not in encrypted and OWN_KEY.split(":")[1] not in encrypted
    assert last4 == "WXYZ"
    assert provider_keys.fal_key_for(alice.pk) == OWN_KEY


@pytest.mark.django_db
def test_replacing_and_removing_the_key_are_audited(alice):
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    provider_keys.set_fal_key(user=alice, key="another-key-2222:cccccccccccc9876")
    assert ProviderKey.objects.get(user=alice).last4 == "9876"
    assert provider_keys.remove_fal_key(user=alice) is True
    assert provider_keys.remove_fal_key(user=alice) is False
    verbs = list(
        Event.objects.filter(verb__startswith="security.fal_key").order_by("created_at").values_list("verb", flat=True)
    )
    assert verbs == ["security.fal_key_added", "security.fal_key_replaced", "security.fal_key_removed"]
    assert ProviderKey.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "   ", "short", "has a space in it:0123456789", "x" * 501])
def test_malformed_keys_are_refused(alice, bad):
    with pytest.raises(AccountError) as error:
        provider_keys.set_fal_key(user=alice, key=bad)
    assert error.value.field == "fal_key"
    assert ProviderKey.objects.count() == 0


@pytest.mark.django_db
def test_a_configured_encryption_key_is_used_and_older_rows_still_open(alice, settings):
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)  # under the SECRET_KEY-derived key
    first = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = first
    assert provider_keys.fal_key_for(alice.pk) == OWN_KEY  # the derived key still decrypts
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    [(encrypted, _)] = stored_column()
    assert Fernet(first.encode()).decrypt(encrypted.encode()).decode() == OWN_KEY
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{first}"  # rotation: the old one decrypts
    assert provider_keys.fal_key_for(alice.pk) == OWN_KEY


@pytest.mark.django_db
def test_a_key_that_can_no_longer_be_decrypted_is_reported_not_used(alice, settings):
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    settings.SECRET_KEY = "a completely different secret key for this studio"
    with pytest.raises(provider_keys.OwnKeyUnavailable, match="add it again"):
        provider_keys.fal_key_for(alice.pk)


# -- jobs on the user's own key ---------------------------------------------------------------------


@pytest.mark.django_db
def test_fal_jobs_of_a_user_with_a_key_reserve_nothing_and_offline_jobs_are_unaffected(alice, settings):
    settings.FAL_KEY = STUDIO_KEY
    settings.TASKS = RECORD_TASKS_ONLY
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    request = services.GenerationRequest(
        user=alice, model=ai_model(FLUX), prompt="a lighthouse", parameters=dict(SMALL)
    )
    jobs = services.enqueue_batch([request, request])
    assert [(job.own_fal_key, job.credits_reserved) for job in jobs] == [(True, 0), (True, 0)]
    offline = enqueue_job(user=alice)
    assert offline.own_fal_key is False
    assert CreditEntry.objects.filter(user=alice, kind="reserve").count() == 0
    assert balance(alice) == 500


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_on_the_users_own_key_and_costs_no_credits(fal, alice, bob, alice_api):
    fal.configure(accepted_keys=[OWN_KEY])  # the emulator refuses every other key, the studio's included
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    ledger_before, balance_before = ledger_total(alice), balance(alice)
    entries_before = CreditEntry.objects.filter(user=alice).count()
    job = enqueue_job(user=alice, model=FLUX)
    assert job.own_fal_key is True and job.credits_reserved == 0
    job = drive(job)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert Image.objects.filter(job=job).count() == 1
    assert job.credits_charged == 0 and UsageLog.objects.get(job=job).credits_used == 0
    assert balance(alice) == balance_before == 500
    assert ledger_total(alice) == ledger_before
    assert CreditEntry.objects.filter(user=alice).count() == entries_before
    [listed] = alice_api.get("/api/generate/history").json()["items"]
    assert listed["own_fal_key"] is True and listed["credits_charged"] == 0
    # The same model for bob, who has no key of his own, goes out on the studio's key: refused here.
    other = drive(enqueue_job(user=bob, model=FLUX))
    assert other.status == JobStatus.FAILED and "HTTP 401" in other.error_message
    assert balance(bob) == 500  # refunded


@pytest.mark.django_db(transaction=True)
def test_a_rejected_own_key_fails_the_job_once_telling_the_user_to_check_it(fal, alice):
    fal.configure(accepted_keys=[STUDIO_KEY])
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    job = drive(enqueue_job(user=alice, model=FLUX))
    assert job.status == JobStatus.FAILED
    assert job.error_message == (
        "fal.ai rejected your own fal.ai key (HTTP 401). Check it in your fal.ai dashboard, "
        "then replace or remove it under Settings → API keys. Nothing was charged."
    )
    assert job.retry_count == 0 and job.attempts == 1
    assert balance(alice) == 500 and CreditEntry.objects.filter(job=job).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_key_removed_before_the_job_starts_fails_it_without_falling_back_to_the_studio(fal, alice):
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    job = enqueue_job(user=alice, model=FLUX)
    provider_keys.remove_fal_key(user=alice)
    runner.run(job.pk, "test-worker")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.fal_request_id == ""
    assert job.error_message.startswith("You removed your fal.ai key. This job ran on your own fal.ai key")
    assert fal.stats()["requests"] == {}  # nothing was sent to fal on anyone's key
    assert balance(alice) == 500


@pytest.mark.django_db(transaction=True)
def test_a_key_removed_while_the_job_runs_at_fal_fails_it(fal, alice):
    fal.configure(accepted_keys=[OWN_KEY], latency=1.0)
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    job = enqueue_job(user=alice, model=FLUX)
    assert runner.run(job.pk, "test-worker") == "submitted"
    provider_keys.remove_fal_key(user=alice)
    job = drive(job)
    assert job.status == JobStatus.FAILED and "You removed your fal.ai key" in job.error_message
    assert Image.objects.filter(job=job).count() == 0 and balance(alice) == 500


@pytest.mark.django_db
def test_the_generate_page_estimate_is_free_on_the_users_own_key_whatever_the_balance(alice_browser, alice, settings):
    settings.FAL_KEY = STUDIO_KEY
    User.objects.filter(pk=alice.pk).update(credits_balance=0)
    form = {"model": FLUX, "aspect_ratio": "1:1", "num_images": 4}
    assert b"Not enough credits" in alice_browser.get("/generate/estimate/", form).content
    provider_keys.set_fal_key(user=alice, key=OWN_KEY)
    answer = alice_browser.get("/generate/estimate/", form).content
    assert b"Not enough credits" not in answer and b"Free" in answer


@pytest.mark.django_db
def test_an_image_made_on_the_users_own_key_says_so_where_its_cost_is_shown(alice_browser, alice):
    from tests.factories import make_image, make_job

    own = make_job(user=alice, model=FLUX, status="succeeded", own_fal_key=True)
    studio = make_job(user=alice, model=FLUX, status="succeeded")
    own_image, studio_image = (
        make_image(user=alice, job=own, model=FLUX),
        make_image(user=alice, job=studio, model=FLUX),
    )
    assert 'data-testid="image-own-fal-key"' in alice_browser.get(f"/images/{own_image.pk}/").content.decode()
    assert 'data-testid="image-own-fal-key"' not in alice_browser.get(f"/images/{studio_image.pk}/").content.decode()
    assert 'data-testid="job-own-fal-key"' in alice_browser.get(f"/generate/jobs/{own.pk}/").content.decode()
    assert 'data-testid="job-own-fal-key"' not in alice_browser.get(f"/generate/jobs/{studio.pk}/").content.decode()
