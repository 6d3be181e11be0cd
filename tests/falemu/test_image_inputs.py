"""Image-input endpoints through fal_client: the emulator loads image_url/mask_url and works on them.

Per category: image-to-image (and redux), inpainting, outpainting, upscale, background removal;
fal's output shapes; image load errors as fal's 422; sources given as data URIs, http URLs and
the emulator's own output URLs.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imagestudio.falemu import free_port
from imagestudio.generation.providers.base import ProviderError, ProviderResult
from imagestudio.generation.providers.fal import FalProvider

from .support import SMALL, wait_done

LOAD_ERROR_MSG = "Failed to load the image. Please ensure the image file is not corrupted and is in a supported format."
IMAGES_KEYS = {"images", "seed", "timings", "has_nsfw_concepts", "prompt"}


# -- helpers -----------------------------------------------------------------------------------


def subject(width: int = 96, height: int = 72) -> Image.Image:
    """A red disc on a flat light-grey backdrop: a clear subject for background removal."""
    image = Image.new("RGB", (width, height), (225, 228, 230))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(190, 40, 30))
    return image


def scene(width: int = 96, height: int = 64) -> Image.Image:
    """A picture with structure everywhere (gradient, bands, a box), so any copied region is checkable."""
    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.stack([xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), (xs * 7 + ys * 3) % 256], -1)
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    ImageDraw.Draw(image).rectangle((width // 3, height // 3, width // 2, height // 2), fill=(20, 200, 90))
    return image


def data_uri(image: Image.Image, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def run(provider: FalProvider, endpoint: str, arguments: dict) -> ProviderResult:
    submission = provider.submit(endpoint, arguments)
    progress = wait_done(provider, submission, endpoint=endpoint)
    assert progress.error is None, progress
    return provider.result(endpoint, submission)


def picture(provider: FalProvider, result: ProviderResult, index: int = 0) -> Image.Image:
    output = result.images[index]
    image = Image.open(io.BytesIO(output.data or provider.download(output.url)))
    image.load()
    assert (output.width, output.height) == image.size  # the Image object describes the file
    return image


def file_image(provider: FalProvider, file: dict) -> Image.Image:
    image = Image.open(io.BytesIO(provider.download(file["url"])))
    image.load()
    return image


def failure(provider: FalProvider, endpoint: str, arguments: dict) -> ProviderError:
    """Like fal's queue: the request is accepted, then completes with the model's error."""
    submission = provider.submit(endpoint, arguments)
    progress = wait_done(provider, submission, endpoint=endpoint)
    assert progress.error, "the status should carry the job's error"
    with pytest.raises(ProviderError) as caught:
        provider.result(endpoint, submission)
    assert caught.value.status_code == 422
    return caught.value


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def load_error(field: str) -> list[dict]:
    return [{"loc": ["body", field], "msg": LOAD_ERROR_MSG, "type": "image_load_error"}]


class WebServer:
    """A plain-HTTP server answering GETs from a table of `path -> (status, body, content type)`."""

    def __init__(self) -> None:
        routes: dict[str, tuple[int, bytes, str]] = {}
        self.routes = routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, content_type = routes.get(self.path, (404, b"not found", "text/plain"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serve(self, path: str, body: bytes, content_type: str = "image/png", status: int = 200) -> str:
        """Answer GET `path` like that from now on; returns its URL."""
        self.routes[path] = (status, body, content_type)
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# -- image-to-image ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "extra"),
    [
        ("fal-ai/flux/dev/image-to-image", {"strength": 0.9}),
        ("fal-ai/flux-lora/image-to-image", {}),
        ("fal-ai/fast-sdxl/image-to-image", {"image_size": "square_hd"}),  # image_size is not the output size
        ("fal-ai/flux-pro/kontext", {}),
    ],
)
def test_image_to_image_keeps_the_source_size_and_changes_it(provider, endpoint, extra):
    source = scene(96, 64)
    result = run(
        provider,
        endpoint,
        {"prompt": "a snowy mountain", "image_url": data_uri(source), "output_format": "png", "seed": 3, **extra},
    )
    assert set(result.raw) == IMAGES_KEYS
    out = picture(provider, result)
    assert out.size == (96, 64)
    assert np.abs(pixels(out) - pixels(source)).mean() > 3


def test_image_to_image_num_images_and_jpeg(provider):
    result = run(
        provider,
        "fal-ai/flux/dev/image-to-image",
        {"prompt": "a lake", "image_url": data_uri(scene(64, 48)), "num_images": 2, "output_format": "jpeg"},
    )
    assert [(i.width, i.height, i.content_type) for i in result.images] == [(64, 48, "image/jpeg")] * 2
    assert result.raw["has_nsfw_concepts"] == [False, False]


@pytest.mark.parametrize(
    ("endpoint", "image_size", "expected"),
    [
        ("fal-ai/flux/dev/redux", {"width": 80, "height": 56}, (80, 56)),
        ("fal-ai/flux-pro/v1.1/redux", "square", (512, 512)),
    ],
)
def test_redux_renders_at_image_size_with_the_reference_look(provider, endpoint, image_size, expected):
    reference = Image.new("RGB", (64, 64), (200, 30, 40))  # a strongly red reference
    result = run(provider, endpoint, {"image_url": data_uri(reference), "image_size": image_size, "seed": 5})
    assert set(result.raw) == IMAGES_KEYS
    out = pixels(picture(provider, result))
    assert out.shape[1::-1] == expected
    red, green, blue = out.reshape(-1, 3).mean(axis=0)
    assert red > green + 60 and red > blue + 60  # the reference's colours, whatever was rendered


# -- inpainting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint", ["fal-ai/flux-pro/v1/fill", "fal-ai/flux-lora/inpainting", "fal-ai/fast-sdxl/inpainting"]
)
def test_inpaint_changes_only_the_white_area(provider, endpoint):
    source = scene(96, 64)
    mask = Image.new("L", source.size, 0)
    ImageDraw.Draw(mask).rectangle((40, 16, 79, 47), fill=255)
    result = run(
        provider,
        endpoint,
        {"prompt": "a red balloon", "image_url": data_uri(source), "mask_url": data_uri(mask), "output_format": "png"},
    )
    assert set(result.raw) == IMAGES_KEYS
    out = picture(provider, result)
    assert out.size == source.size
    inside = np.asarray(mask) >= 128
    diff = np.abs(pixels(out) - pixels(source)).max(axis=2)
    assert diff[~inside].max() <= 1
    assert diff[inside].mean() > 5


def test_inpaint_mask_of_another_size_is_a_422_on_mask_url(provider):
    error = failure(
        provider,
        "fal-ai/flux-pro/v1/fill",
        {
            "prompt": "x",
            "image_url": data_uri(scene(96, 64)),
            "mask_url": data_uri(Image.new("L", (32, 32), 255)),
        },
    )
    assert error.field == "mask_url"
    assert error.details == [
        {
            "loc": ["body", "mask_url"],
            "msg": "mask_url must have the same dimensions as image_url (32×32 vs 96×64)",
            "type": "value_error",
        }
    ]


# -- outpainting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("margins", "expected"),
    [
        ({"expand_left": 10, "expand_right": 6, "expand_top": 4, "expand_bottom": 12}, (10, 6, 4, 12)),
        ({}, (0, 0, 0, 400)),  # the catalog's defaults: expand_bottom 400
    ],
)
def test_outpaint_adds_the_margins_around_the_untouched_source(provider, margins, expected):
    source = scene(64, 48)
    result = run(provider, "fal-ai/image-apps-v2/outpaint", {"image_url": data_uri(source), **margins})
    assert set(result.raw) == IMAGES_KEYS
    out = picture(provider, result)
    left, right, top, bottom = expected
    assert out.size == (64 + left + right, 48 + top + bottom)
    assert np.array_equal(pixels(out.crop((left, top, left + 64, top + 48))), pixels(source))


def test_bria_expand_places_the_resized_original_on_the_canvas(provider):
    source = scene(128, 96)
    result = run(
        provider,
        "fal-ai/bria/expand",
        {
            "image_url": data_uri(source),
            "canvas_size": [160, 120],
            "original_image_size": [64, 48],
            "original_image_location": [10, 20],
            "seed": 9,
        },
    )
    assert set(result.raw) == {"image", "seed"}
    assert result.raw["seed"] == 9
    out = picture(provider, result)
    assert out.size == (160, 120)
    placed = source.resize((64, 48), Image.Resampling.LANCZOS)
    assert np.array_equal(pixels(out.crop((10, 20, 74, 68))), pixels(placed))


def test_bria_expand_centres_the_original_without_a_location(provider):
    source = scene(64, 48)
    result = run(provider, "fal-ai/bria/expand", {"image_url": data_uri(source), "canvas_size": [100, 80]})
    out = picture(provider, result)
    assert out.size == (100, 80)
    assert np.array_equal(pixels(out.crop((18, 16, 82, 64))), pixels(source))


def test_bria_expand_crops_an_original_partly_outside_the_canvas(provider):
    # fal's docs: "The location can also be outside the canvas (the original image will be cropped)".
    source = scene(64, 48)
    arguments = {"image_url": data_uri(source), "canvas_size": [96, 48], "original_image_location": [-16, 0]}
    out = picture(provider, run(provider, "fal-ai/bria/expand", arguments))
    assert out.size == (96, 48)
    assert np.array_equal(pixels(out.crop((0, 0, 48, 48))), pixels(source.crop((16, 0, 64, 48))))


@pytest.mark.parametrize(
    ("arguments", "loc"),
    [
        ({"canvas_size": [96, 48], "original_image_location": [200, 0]}, ["body", "original_image_location"]),
        ({"canvas_size": [0, 48]}, ["body", "canvas_size", 0]),
        ({"canvas_size": [96]}, ["body", "canvas_size"]),
        ({"canvas_size": [96, 48], "original_image_size": [64, "big"]}, ["body", "original_image_size", 1]),
    ],
)
def test_bria_expand_refuses_a_layout_it_cannot_make(provider, arguments, loc):
    error = failure(provider, "fal-ai/bria/expand", {"image_url": data_uri(scene(64, 48)), **arguments})
    assert [item["loc"] for item in error.details] == [loc]


# -- upscale ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "arguments", "size", "expected", "keys"),
    [
        ("fal-ai/esrgan", {}, (40, 30), (80, 60), {"image"}),  # default scale 2
        ("fal-ai/clarity-upscaler", {"upscale_factor": 4}, (40, 30), (160, 120), {"image", "seed", "timings"}),
        ("fal-ai/esrgan", {"scale": 8}, (16, 12), (128, 96), {"image"}),
        ("fal-ai/creative-upscaler", {"scale": 1.5}, (40, 30), (60, 45), {"image", "seed"}),
        ("fal-ai/creative-upscaler", {"scale": 3}, (30, 20), (90, 60), {"image", "seed"}),
        ("fal-ai/aura-sr", {}, (24, 18), (96, 72), {"image", "timings"}),
        ("fal-ai/aura-sr", {"upscaling_factor": 4, "upscale_factor": 4}, (24, 18), (96, 72), {"image", "timings"}),
        ("fal-ai/esrgan", {"scale": 1}, (40, 30), (40, 30), {"image"}),
    ],
)
def test_upscale_sizes_are_exact(provider, endpoint, arguments, size, expected, keys):
    source = scene(*size)
    result = run(provider, endpoint, {"image_url": data_uri(source), **arguments})
    assert set(result.raw) == keys
    out = picture(provider, result)
    assert out.size == expected
    # The enlargement is of the source, not a new picture.
    shrunk = out.convert("RGB").resize(size, Image.Resampling.BOX)
    assert np.abs(pixels(shrunk) - pixels(source)).mean() < 12


def test_aura_sr_only_takes_factor_4(provider):
    error = failure(provider, "fal-ai/aura-sr", {"image_url": data_uri(scene(24, 18)), "upscale_factor": 2})
    assert error.field == "upscale_factor"
    error = failure(provider, "fal-ai/aura-sr", {"image_url": data_uri(scene(24, 18)), "upscaling_factor": 2})
    assert error.field == "upscaling_factor"


def test_upscale_output_over_the_pixel_limit_is_image_too_large(provider, emulator):
    emulator.configure(max_pixels=10_000)
    submission = provider.submit("fal-ai/esrgan", {"image_url": data_uri(scene(40, 30)), "scale": 4})
    assert wait_done(provider, submission, endpoint="fal-ai/esrgan").error_type == "image_too_large"
    with pytest.raises(ProviderError) as caught:
        provider.result("fal-ai/esrgan", submission)
    assert caught.value.details == [
        {
            "loc": ["body", "scale"],
            "msg": "Image size 160x120 is larger than the 10000 pixels this runner accepts",
            "type": "image_too_large",
        }
    ]


# -- background removal ----------------------------------------------------------------------------


def _assert_cut_out(image: Image.Image) -> None:
    assert image.mode == "RGBA"
    alpha = np.asarray(image.getchannel("A"))
    height, width = alpha.shape
    assert [alpha[0, 0], alpha[0, -1], alpha[-1, 0], alpha[-1, -1]] == [0, 0, 0, 0]
    assert alpha[height // 2, width // 2] == 255


@pytest.mark.parametrize(
    ("endpoint", "arguments"),
    [
        ("fal-ai/imageutils/rembg", {}),
        ("fal-ai/birefnet", {"output_format": "webp"}),
        ("fal-ai/birefnet/v2", {}),
        ("fal-ai/bria/background/remove", {"output_format": "jpeg"}),  # a cut-out stays PNG
    ],
)
def test_background_removal_is_an_rgba_cut_out(provider, endpoint, arguments):
    result = run(provider, endpoint, {"image_url": data_uri(subject(96, 72)), **arguments})
    assert set(result.raw) == {"image"}
    assert result.images[0].content_type == "image/png"
    out = picture(provider, result)
    assert out.size == (96, 72)
    _assert_cut_out(out)


def test_birefnet_output_mask_is_the_alpha(provider):
    result = run(provider, "fal-ai/birefnet/v2", {"image_url": data_uri(subject(96, 72)), "output_mask": True})
    assert set(result.raw) == {"image", "mask_image"}
    cut, mask = picture(provider, result), file_image(provider, result.raw["mask_image"])
    assert mask.mode == "L" and mask.size == (96, 72)
    assert np.array_equal(np.asarray(mask), np.asarray(cut.getchannel("A")))


def test_rembg_crop_to_bbox_and_sync_mode(provider):
    arguments = {"image_url": data_uri(subject(96, 72)), "crop_to_bbox": True, "sync_mode": True}
    result = run(provider, "fal-ai/imageutils/rembg", arguments)
    assert result.images[0].url == "" and result.images[0].data  # inline, nothing stored
    out = picture(provider, result)
    assert out.mode == "RGBA"
    # The disc spans 48x36 of the 96x72 image; its feathered edge may add a pixel or two.
    assert 46 <= out.width <= 54 and 34 <= out.height <= 42
    assert np.asarray(out.getchannel("A"))[out.height // 2, out.width // 2] == 255


# -- where images come from ------------------------------------------------------------------------


def test_an_emulator_output_url_feeds_the_next_request(provider):
    made = run(provider, "fal-ai/flux/dev", {"prompt": "a fox", "image_size": SMALL, "output_format": "png"})
    result = run(provider, "fal-ai/esrgan", {"image_url": made.images[0].url})
    assert picture(provider, result).size == (SMALL["width"] * 2, SMALL["height"] * 2)


def test_an_http_url_is_downloaded(provider, web):
    url = web.serve("/in.png", png_bytes(scene(40, 30)))
    assert picture(provider, run(provider, "fal-ai/esrgan", {"image_url": url})).size == (80, 60)


def test_text_to_image_does_not_load_its_image_inputs(provider):
    # FLUX1.1 [pro] ultra's image_url is an optional image prompt: still a render of the prompt, as before.
    arguments = {"prompt": "x", "image_url": f"https://127.0.0.1:{free_port()}/none.png", "aspect_ratio": "1:1"}
    assert run(provider, "fal-ai/flux-pro/v1.1-ultra", arguments).images[0].width == 1024


# -- load errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image_url",
    [
        "data:image/png;base64,bm90IGFuIGltYWdl",  # "not an image"
        "data:image/png;base64",  # no payload at all
        "https://127.0.0.1:{closed}/in.png",  # nothing listens there
        "https://127.0.0.1:{emulator}/files/no-such-output.png",  # an expired emulator output
    ],
)
def test_an_image_that_cannot_be_loaded_is_fals_422(provider, emulator, image_url):
    url = image_url.format(closed=free_port(), emulator=emulator.port)
    submission = provider.submit("fal-ai/esrgan", {"image_url": url})
    assert wait_done(provider, submission, endpoint="fal-ai/esrgan").error_type == "image_load_error"
    with pytest.raises(ProviderError) as caught:
        provider.result("fal-ai/esrgan", submission)
    assert (caught.value.status_code, caught.value.kind, caught.value.field) == (422, "validation", "image_url")
    assert caught.value.details == load_error("image_url")


@pytest.mark.parametrize(("status", "body"), [(404, b"gone"), (200, b"<html>not an image</html>")])
def test_an_http_answer_that_is_not_an_image_is_fals_422(provider, web, status, body):
    url = web.serve("/bad.png", body, "text/html", status)
    error = failure(provider, "fal-ai/imageutils/rembg", {"image_url": url})
    assert error.details == load_error("image_url")


def test_the_failing_field_is_named(provider):
    arguments = {"prompt": "x", "image_url": data_uri(scene(32, 32)), "mask_url": "data:image/png;base64,AAAA"}
    error = failure(provider, "fal-ai/flux-pro/v1/fill", arguments)
    assert error.details == load_error("mask_url")
