"""One set of tag rules for images and projects (imagestudio.lib.tags)."""

from __future__ import annotations

import pytest

from imagestudio.gallery import manage
from imagestudio.lib import tags
from imagestudio.projects import services as projects


def test_tags_are_trimmed_lowercased_and_deduplicated_in_order():
    assert tags.clean_tags("  Sunset ,beach,  sunset, ,Golden   Hour ") == ["sunset", "beach", "golden hour"]
    assert tags.clean_tags(["B", "a", "b"]) == ["b", "a"]


@pytest.mark.parametrize("clean", [manage.clean_tags, projects.clean_tags])
def test_images_and_projects_accept_and_refuse_the_same_tags(clean):
    longest = "x" * tags.MAX_TAG
    assert clean([longest]) == [longest]
    assert clean([f"t{n}" for n in range(tags.MAX_TAGS)]) == [f"t{n}" for n in range(tags.MAX_TAGS)]
    for bad in ([longest + "x"], [f"t{n}" for n in range(tags.MAX_TAGS + 1)], 42, ["nul\x00"]):
        with pytest.raises(ValueError) as exc:
            clean(bad)
        assert exc.value.field == "tags"


def test_the_too_many_message_names_what_carries_the_tags():
    many = [f"t{n}" for n in range(tags.MAX_TAGS + 1)]
    with pytest.raises(manage.ManageError, match="An image has at most 20 tags"):
        manage.clean_tags(many)
    with pytest.raises(projects.ProjectError, match="A project has at most 20 tags"):
        projects.clean_tags(many)
