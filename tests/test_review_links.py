"""Client review links: reviewers without an account approve, reject and comment on each image of a shared
project (one row per reviewer and image); the link's password and revocation hold; whoever can view the
project reads the verdicts per image; outsiders get 404; verdict posts are rate-limited per IP."""

from __future__ import annotations

import pytest
from django.test import Client

from imagestudio.events.models import Event, Notification
from imagestudio.sharing.models import ReviewVerdict, SharedProject
from imagestudio.workspaces.models import Membership, Role
from tests.factories import make_image, make_project


def post_json(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


@pytest.fixture
def project(alice):
    project = make_project(user=alice, name="Spring campaign")
    project.first = make_image(user=alice, project=project, prompt="yellow raincoat")
    project.second = make_image(user=alice, project=project, prompt="blue umbrella")
    return project


def review_link(client, project, **options) -> str:
    made = post_json(client, f"/api/projects/{project.pk}/share", {"allow_review": True, **options})
    assert made.status_code == 201 and made.json()["allow_review"] is True
    return made.json()["token"]


def reviewer(token: str, name: str = "Dana") -> Client:
    """An anonymous browser that has told the review page its name."""
    client = Client()
    assert client.post(f"/s/{token}/reviewer/", {"reviewer_name": name}).status_code == 302
    return client


def api_review(token: str, image, client=None, **body):
    body = {"image_id": str(image.pk), "reviewer_name": "Dana", **body}
    return post_json(client or Client(), f"/api/share/project/{token}/reviews", body)


def test_a_reviewer_who_changes_their_mind_updates_their_one_verdict(alice_api, project):
    token = review_link(alice_api, project)
    dana = reviewer(token)
    url = f"/s/{token}/images/{project.first.pk}/review"
    assert dana.post(url, {"verdict": "approve", "comment": "Lovely light"}).status_code == 302
    assert ReviewVerdict.objects.get().verdict == "approve"
    assert dana.post(url, {"verdict": "reject", "comment": "Lovely light, wrong coat"}).status_code == 302
    row = ReviewVerdict.objects.get()  # still one row: the same reviewer, updated
    assert (row.reviewer_name, row.verdict, row.comment) == ("Dana", "reject", "Lovely light, wrong coat")


def test_an_api_reviewer_who_sends_back_their_key_updates_their_one_verdict(alice_api, project):
    token = review_link(alice_api, project)
    first = api_review(token, project.first, verdict="approve")
    assert first.status_code == 200 and first.json()["verdict"] == "approve"
    again = api_review(token, project.first, verdict="reject", reviewer_key=first.json()["reviewer_key"])
    assert again.status_code == 200 and again.json()["verdict"] == "reject"
    assert list(ReviewVerdict.objects.values_list("verdict", flat=True)) == ["reject"]


def test_a_comment_without_a_verdict_is_saved_as_a_comment_only(alice_api, project):
    token = review_link(alice_api, project)
    answer = api_review(token, project.second, comment="  Could the umbrella be red?  ")
    assert answer.status_code == 200 and answer.json()["verdict"] is None
    row = ReviewVerdict.objects.get(image=project.second)
    assert (row.verdict, row.comment) == ("", "Could the umbrella be red?")


def test_a_post_with_neither_verdict_nor_comment_is_refused(alice_api, project):
    token = review_link(alice_api, project)
    answer = api_review(token, project.first)
    assert answer.status_code == 400 and answer.json()["field"] == "verdict"
    assert not ReviewVerdict.objects.exists()


def test_the_anonymous_page_shows_review_buttons_only_on_review_links(alice_api, project):
    review_token = review_link(alice_api, project)
    plain_token = post_json(alice_api, f"/api/projects/{project.pk}/share").json()["token"]
    review_page = Client().get(f"/s/{review_token}/").content.decode()
    plain_page = Client().get(f"/s/{plain_token}/").content.decode()
    assert (
        review_page.count('data-testid="review-approve"') == 2 and review_page.count('data-testid="review-reject"') == 2
    )
    assert 'data-testid="review-bar"' in review_page
    assert "review-approve" not in plain_page and 'data-testid="review-bar"' not in plain_page
    embed = Client().get(f"/s/{review_token}/?embed=1").content.decode()
    assert "review-approve" not in embed  # a third-party frame has no session to post with


def test_htmx_gets_the_images_review_block_back(alice_api, project):
    token = review_link(alice_api, project)
    dana = reviewer(token)
    answer = dana.post(
        f"/s/{token}/images/{project.first.pk}/review",
        {"verdict": "approve", "comment": ""},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and f'id="review-{project.first.pk}"' in html
    assert 'data-verdict="approve"' in html and "<html" not in html
    assert "Approved" in answer["HX-Trigger"]


def test_a_reviewer_without_a_name_is_asked_for_it(alice_api, project):
    token = review_link(alice_api, project)
    answer = Client().post(
        f"/s/{token}/images/{project.first.pk}/review", {"verdict": "approve"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200 and 'data-testid="review-error"' in answer.content.decode()
    assert not ReviewVerdict.objects.exists()


def test_a_locked_review_link_refuses_verdicts(alice_api, project):
    token = review_link(alice_api, project, password="pear tree")
    page_post = Client().post(
        f"/s/{token}/images/{project.first.pk}/review", {"verdict": "approve", "reviewer_name": "Eve"}
    )
    assert page_post.status_code == 401 and 'data-testid="share-password-form"' in page_post.content.decode()
    assert api_review(token, project.first, verdict="approve").status_code == 401
    wrong = post_json(
        Client(),
        f"/api/share/project/{token}/reviews",
        {"image_id": str(project.first.pk), "reviewer_name": "Eve", "verdict": "approve"},
        **{"X-Share-Password": "apple tree"},
    )
    assert wrong.status_code == 401 and wrong.json()["field"] == "password"
    assert not ReviewVerdict.objects.exists()


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_revoked_or_expired_review_link_answers_404(alice_api, project, how):
    token = review_link(alice_api, project)
    dana = reviewer(token)  # named while the link was live
    if how == "revoked":
        assert alice_api.delete(f"/api/share/{token}").status_code == 204
    else:
        SharedProject.objects.filter(share_token=token).update(expires_at="2000-01-01T00:00:00Z")
    assert dana.post(f"/s/{token}/images/{project.first.pk}/review", {"verdict": "approve"}).status_code == 404
    assert api_review(token, project.first, verdict="approve").status_code == 404
    assert not ReviewVerdict.objects.exists()


def test_an_image_from_outside_the_project_is_400(alice, alice_api, project):
    token = review_link(alice_api, project)
    elsewhere = make_image(user=alice, prompt="not in the campaign")
    answer = api_review(token, elsewhere, verdict="approve")
    assert answer.status_code == 400 and answer.json()["field"] == "image_id"
    assert reviewer(token).post(f"/s/{token}/images/{elsewhere.pk}/review", {"verdict": "approve"}).status_code == 404
    assert not ReviewVerdict.objects.exists()


def test_a_link_that_is_not_a_review_link_takes_no_verdicts_400(alice_api, project):
    token = post_json(alice_api, f"/api/projects/{project.pk}/share").json()["token"]
    answer = api_review(token, project.first, verdict="approve")
    assert answer.status_code == 400 and answer.json()["field"] == "link"
    assert Client().post(f"/s/{token}/images/{project.first.pk}/review", {"verdict": "approve"}).status_code == 404
    assert not ReviewVerdict.objects.exists()


def test_the_owner_sees_the_counts_per_image_on_the_summary_page_and_in_the_api(alice_api, alice_browser, project):
    token = review_link(alice_api, project)
    for name, verdict in [("Dana", "approve"), ("Eli", "approve"), ("Fay", "reject")]:
        assert api_review(token, project.first, reviewer_name=name, verdict=verdict).status_code == 200
    assert (
        api_review(token, project.second, reviewer_name="Fay", verdict="reject", comment="Too dark").status_code == 200
    )
    assert api_review(token, project.second, reviewer_name="Gus", comment="Nice framing").status_code == 200

    body = alice_api.get(f"/api/share/{token}/reviews").json()
    counts = {item["image_id"]: (item["approvals"], item["rejections"], item["comments"]) for item in body["images"]}
    assert counts == {str(project.first.pk): (2, 1, 0), str(project.second.pk): (0, 1, 2)}
    second = next(item for item in body["images"] if item["image_id"] == str(project.second.pk))
    assert {(v["reviewer_name"], v["verdict"], v["comment"]) for v in second["verdicts"]} == {
        ("Fay", "reject", "Too dark"),
        ("Gus", None, "Nice framing"),
    }

    page = alice_browser.get(f"/shares/{token}/review/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-image-id="{project.first.pk}" data-approvals="2" data-rejections="1"' in html
    assert f'data-image-id="{project.second.pk}" data-approvals="0" data-rejections="1"' in html
    assert "Too dark" in html and "Nice framing" in html
    assert f"/shares/{token}/review/" in alice_browser.get("/shares/").content.decode()  # linked from the manager


def test_a_workspace_viewer_may_read_the_verdicts(alice_api, bob, project):
    token = review_link(alice_api, project)
    Membership.objects.create(workspace=project.workspace, user=bob, role=Role.VIEWER)
    bob_browser = Client()
    bob_browser.force_login(bob)
    assert bob_browser.get(f"/shares/{token}/review/").status_code == 200


def test_an_outsider_gets_404_on_the_summary(alice_api, bob_api, bob, project):
    token = review_link(alice_api, project)
    assert api_review(token, project.first, verdict="approve").status_code == 200
    bob_browser = Client()
    bob_browser.force_login(bob)
    assert bob_browser.get(f"/shares/{token}/review/").status_code == 404
    assert bob_api.get(f"/api/share/{token}/reviews").status_code == 404
    assert Client().get(f"/api/share/{token}/reviews").status_code == 401


def test_a_verdict_records_an_event_and_notifies_the_link_creator(alice, alice_api, project):
    token = review_link(alice_api, project)
    assert api_review(token, project.first, verdict="reject", comment="Wrong coat").status_code == 200
    event = Event.objects.get(verb="review.verdict")
    assert (event.target_id, event.project_id, event.actor_id) == (str(project.first.pk), project.pk, None)
    assert event.data["verdict"] == "reject" and "Wrong coat" in event.data["excerpt"]
    assert Notification.objects.filter(user=alice, event=event, reason="review").count() == 1


def test_the_owner_reads_the_verdict_on_the_notifications_page(alice, alice_api, alice_browser, project):
    token = review_link(alice_api, project)
    assert api_review(token, project.first, verdict="approve", reviewer_name="Gus Ortega").status_code == 200
    page = alice_browser.get("/notifications/").content.decode()
    assert "<strong>Gus Ortega</strong> approved an image in your client review" in page
    note = Notification.objects.get(user=alice, reason="review")
    assert f'href="/notifications/{note.pk}/open/"' in page  # opening marks it read, then goes to the review
    assert alice_browser.get(f"/notifications/{note.pk}/open/")["Location"] == f"/shares/{token}/review/"


def test_verdict_posts_past_the_rate_answer_429(alice_api, project, rate_limits):
    rate_limits.SHARE_REVIEW_RATE_LIMIT = "3/m"
    token = review_link(alice_api, project)
    answers = [api_review(token, project.first, verdict="approve").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    page_post = reviewer(token).post(f"/s/{token}/images/{project.first.pk}/review", {"verdict": "reject"})
    assert page_post.status_code == 429 and page_post["Retry-After"]  # the same IP, through the page
    assert ReviewVerdict.objects.filter(verdict="reject").count() == 0


def test_the_owner_creates_a_review_link_with_the_form(alice_browser, project):
    form = alice_browser.get(f"/shares/?project={project.pk}").content.decode()
    assert 'data-testid="share-allow-review"' in form
    assert alice_browser.post("/shares/new/", {"project": str(project.pk), "allow_review": "on"}).status_code == 302
    link = SharedProject.objects.get(project=project)
    assert link.allow_review
    image_form = alice_browser.get(f"/shares/?image={project.first.pk}").content.decode()
    assert 'data-testid="share-allow-review"' not in image_form  # only projects take reviews
