from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.urls import reverse
from ninja import Router, Schema

from imagestudio.gallery import files
from imagestudio.gallery.access import get_image_for
from imagestudio.gallery.models import Image
from imagestudio.gallery.selectors import images_page

router = Router(tags=["images"])


class ImageOut(Schema):
    id: UUID
    file_url: str
    thumbnail_url: str
    width: int
    height: int
    file_size: int
    format: str
    prompt: str
    negative_prompt: str
    model_id: str | None
    parameters: dict
    seed: int | None
    generation_time: float | None
    cost_credits: int
    parent_image_id: UUID | None
    job_id: UUID | None
    project_id: UUID | None
    is_favorite: bool
    rating: int | None
    tags: list[str]
    created_at: datetime

    @staticmethod
    def resolve_file_url(image: Image) -> str:
        return reverse("api:image_download", args=[image.pk])

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("api:image_thumbnail", args=[image.pk])

    @staticmethod
    def resolve_model_id(image: Image) -> str | None:
        return image.model.endpoint_id if image.model else None


class ImagePageOut(Schema):
    items: list[ImageOut]
    next_cursor: str | None


@router.get("", response=ImagePageOut)
def list_images(request, cursor: str | None = None, limit: int = 40, q: str = ""):
    """Your images, newest first (`q`: words the prompt contains). Pass `next_cursor` back as `cursor`."""
    return images_page(request.user, cursor, max(1, min(limit, 100)), q=q.strip()[:200])


@router.get("/download/{image_id}", url_name="image_download")
def download_image(request, image_id: UUID):
    image = get_image_for(request.user, image_id)
    return files.serve(image.file, download_name=files.download_name(image))


@router.get("/{image_id}/thumbnail", url_name="image_thumbnail")
def image_thumbnail(request, image_id: UUID):
    image = get_image_for(request.user, image_id)
    return files.serve(image.thumbnail or image.file)


@router.get("/{image_id}", response=ImageOut)
def get_image(request, image_id: UUID):
    return get_image_for(request.user, image_id)
