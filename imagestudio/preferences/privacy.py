"""What a user's privacy settings mean elsewhere: their name in the public gallery, and whether their new
images start out public. Stored in `settings["privacy"]` through services.update_settings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from imagestudio.demo.access import is_demo
from imagestudio.preferences.models import UserSettings

# Missing keys read as these. A public profile is on by default because names were always shown next to
# images their owners chose to publish; new images stay private unless the owner opts in.
DEFAULTS = {"public_profile": True, "images_public_by_default": False}


def privacy_of(row: UserSettings | None) -> dict[str, bool]:
    """Both privacy switches of a settings row (None: a user who never saved settings)."""
    stored = ((row.settings or {}).get("privacy") if row is not None else None) or {}
    return {key: bool(stored.get(key, default)) for key, default in DEFAULTS.items()}


def shown_name(user) -> str:
    """The name the public gallery shows for `user`: theirs with a public profile, else an anonymous label.
    Reads `user.user_settings` (select_related it when listing many images)."""
    try:
        row: UserSettings | None = user.user_settings
    except UserSettings.DoesNotExist:
        row = None
    return user.display_name if privacy_of(row)["public_profile"] else _("A studio member")


def new_images_public(user, project=None) -> bool:
    """Whether a new image of `user` starts out in the public gallery. Never for images in a team
    workspace's project: one member's preference must not publish the team's work."""
    if is_demo(user):  # a demo account publishes nothing, whatever its settings say
        return False
    blob = UserSettings.objects.filter(user=user).values_list("settings", flat=True).first()
    stored = ((blob or {}).get("privacy") or {}).get("images_public_by_default", DEFAULTS["images_public_by_default"])
    if not stored:
        return False
    return project is None or (project.workspace.is_personal and project.workspace.owner_id == user.pk)
