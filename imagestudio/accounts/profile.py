"""The profile picture: checked like any upload, cut to a square, re-encoded (no EXIF survives), stored."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageOps

from imagestudio.accounts.models import User
from imagestudio.gallery import upload

AVATAR_SIZE = 256
AVATAR_MAX_BYTES = 10 * 1024 * 1024


def avatar_set(*, user: User, name: str, data: bytes) -> None:
    """Raise upload.UploadError (with its status and message) for anything but a sound PNG/JPEG/WebP."""
    if len(data) > AVATAR_MAX_BYTES:
        raise upload.UploadError(f"{name}: a profile picture can be at most 10 MB.", status=413, field="avatar")
    clean = upload.validate(name, data, user=user)
    square = ImageOps.fit(_rgb_or_rgba(clean.image), (AVATAR_SIZE, AVATAR_SIZE), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=88, method=4)  # a fresh file: only the pixels are carried over
    webp = out.getvalue()
    old = user.avatar.name if user.avatar else ""
    digest = hashlib.sha256(webp).hexdigest()[:12]
    user.avatar.save(f"{user.pk}-{digest}.webp", ContentFile(webp), save=False)
    user.save(update_fields=["avatar", "updated_at"])
    if old and old != user.avatar.name:
        user.avatar.storage.delete(old)


def avatar_remove(*, user: User) -> None:
    if not user.avatar:
        return
    name = user.avatar.name
    user.avatar = ""
    user.save(update_fields=["avatar", "updated_at"])
    user.avatar.storage.delete(name)


def _rgb_or_rgba(image: PILImage.Image) -> PILImage.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")
