"""The 422 a fal model answers: a pydantic-v1 style `detail` list, each item naming the field."""

from __future__ import annotations

from typing import Any

# fal's wording when a model cannot read an input image (any URL field: image_url, mask_url, ...).
IMAGE_LOAD_MSG = "Failed to load the image. Please ensure the image file is not corrupted and is in a supported format."


class ModelInputError(Exception):
    """A 422 the model would answer; `body` is the exact JSON fal returns."""

    def __init__(self, errors: list[dict], *, error_type: str = "validation_error") -> None:
        super().__init__(errors[0]["msg"] if errors else "invalid input")
        self.errors = errors
        self.error_type = error_type
        self.status_code = 422

    @property
    def body(self) -> dict:
        return {"detail": self.errors}


def detail(loc: list, msg: str, type_: str, ctx: dict | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"loc": loc, "msg": msg, "type": type_}
    if ctx:
        item["ctx"] = ctx
    return item


def field_error(name: str, msg: str, type_: str = "value_error") -> ModelInputError:
    """A one-item 422 about body field `name`."""
    return ModelInputError([detail(["body", name], msg, type_)])


def image_load_error(name: str) -> ModelInputError:
    return ModelInputError([detail(["body", name], IMAGE_LOAD_MSG, "image_load_error")], error_type="image_load_error")


def too_large(name: str, width: int, height: int, max_pixels: int) -> ModelInputError:
    msg = f"Image size {width}x{height} is larger than the {max_pixels} pixels this runner accepts"
    return ModelInputError([detail(["body", name], msg, "image_too_large")], error_type="image_too_large")
