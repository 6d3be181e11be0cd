"""The prompt editor in Chromium: typing a weighted prompt colours it and shows each term's strength and a token
count; a syntax fault is shown with its position; phrases from your own prompts complete by keyboard; quick-add
chips and negative presets append; everything still works after the form is swapped on a 422; and with a fal
key, choosing FLUX says that weights are removed. No CSP violations on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import http
from tests.e2e.test_fal_model import choose_model, sign_in
from tests.e2e.test_projects import log_in, register

pytestmark = pytest.mark.e2e
PROMPT = "a (red fox:1.4) in {snow|rain}"


def queue_job(studio, token: str, prompt: str) -> None:
    body = {"model_id": "offline/studio-v1", "prompt": prompt, "parameters": {"width": 256, "height": 256}}
    response = http.post(
        f"{studio.url}/api/generate/text-to-image", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 202, response.text


def expect_weighted_prompt_read(page) -> None:
    expect(page.locator("[data-prompt-mirror] [data-kind=up3]")).to_have_text("red fox")  # the overlay marks it
    chip = page.locator("[data-testid=strength-chip][data-weight='1.4']")
    expect(chip).to_contain_text("red fox")
    expect(chip).to_contain_text("1.4")
    expect(page.locator("[data-testid=prompt-tokens]")).to_have_text(re.compile(r"^\d+ (/ \d+ )?tokens$"))


def test_the_prompt_editor(page, studio):
    email = "editor.user@example.com"
    token = register(studio, email)
    queue_job(studio, token, "snowy forest at dawn, pine trees")
    log_in(page, email)
    page.goto("/generate/")
    prompt = page.locator("#generate-form [name=prompt]")

    # Weights: coloured in place, listed with their effective weight, tokens counted. The offline engine reads
    # weights, so no notice.
    prompt.fill(PROMPT)
    expect_weighted_prompt_read(page)
    expect(page.locator("[data-prompt-mirror] [data-kind=alt]").first).to_have_text("{")
    expect(page.locator("[data-testid=prompt-strength]")).to_contain_text("2 combinations")
    expect(page.locator("[data-testid=prompt-weights-notice]")).to_be_hidden()

    # A syntax fault: the server's message with its position, the character marked, "Show" selects it.
    prompt.fill("a red fox (in the snow")
    error = page.locator("[data-testid=prompt-syntax-error]")
    expect(error).to_contain_text("Unclosed “(” at position 10.")
    expect(page.locator("[data-prompt-mirror] [data-kind=error]")).to_have_text("(")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    prompt.press("Escape")  # "snow" may have opened phrase suggestions over the message
    error.get_by_role("button", name="Show").click()
    assert prompt.evaluate("el => [el.selectionStart, el.selectionEnd]") == [10, 11]
    prompt.fill("a red fox in the snow")
    expect(error).to_be_hidden()
    expect(prompt).not_to_have_attribute("aria-invalid", "true")

    # Autocomplete from this user's own prompt history: ↓ then Enter inserts the phrase.
    prompt.fill("")
    prompt.press_sequentially("a fox in a snowy fo", delay=20)
    options = page.locator("#prompt-suggestions [role=option]")
    expect(options.first).to_have_text(re.compile("snowy forest at dawn"))
    prompt.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(prompt).to_have_attribute("aria-activedescendant", "prompt-suggestion-0")
    prompt.press("Enter")
    expect(prompt).to_have_value("a fox in a snowy forest at dawn")
    expect(page.locator("[data-testid=prompt-suggestions]")).to_be_hidden()
    prompt.press_sequentially(", pine", delay=20)
    expect(options.first).to_be_visible()
    prompt.press("Escape")
    expect(page.locator("[data-testid=prompt-suggestions]")).to_be_hidden()

    # Quick-add chips append (pressed once there; a second click takes the words out again).
    before = prompt.input_value()
    page.locator("[data-testid=quick-add] summary").click()
    page.locator("[data-testid=quick-add]").get_by_role("tab", name="Light").click()
    chip = page.locator("[data-quick-add='golden hour']")
    chip.click()
    expect(prompt).to_have_value(f"{before}, in soft golden-hour light")
    expect(chip).to_have_attribute("aria-pressed", "true")
    chip.click()
    expect(prompt).to_have_value(before)
    expect(chip).to_have_attribute("aria-pressed", "false")

    # Negative presets append only the terms that are not there yet.
    negative = page.locator("#generate-form [name=negative_prompt]")
    negative.fill("text")
    page.locator("[data-negative-preset]", has_text="Clean").click()
    expect(negative).to_have_value("text, blurry, lowres, jpeg artifacts, watermark, signature")

    # The form is swapped whole on a 422: the new form's editor works too. First the job queued at the start
    # must have finished: a CI run once clicked while its card was still polling, and no form errors came.
    expect(page.locator("[data-testid=job-card][data-status=succeeded]")).to_have_count(1, timeout=60_000)
    page.evaluate("document.querySelector('#generate-form').noValidate = true")
    prompt.fill("")
    page.click("[data-testid=generate-button]")
    expect(page.locator("[data-testid=form-errors]")).to_be_visible(timeout=15_000)  # a loaded CI machine
    page.locator("#generate-form [name=prompt]").fill(PROMPT)
    expect_weighted_prompt_read(page)

    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_flux_says_weights_are_removed(fal_page, fal_studio):
    page = fal_page
    sign_in(page, fal_studio, "editor.flux@example.com")
    page.goto("/generate/")
    choose_model(page, "fal-ai/flux/dev")
    page.locator("#generate-form [name=prompt]").fill(f"{PROMPT} <lora:ink:0.6>")
    notice = page.locator("[data-testid=prompt-weights-notice]")
    expect(notice).to_contain_text("FLUX reads plain sentences: weights and LoRA tags are removed when sending.")
    notice.get_by_text("What it receives").click()
    expect(notice.locator("[data-prompt-plain-text]")).to_have_text("a red fox in {snow|rain}")
    expect(page.locator("[data-testid=prompt-tokens]")).to_have_text(re.compile(r"^\d+ / 512 tokens$"))

    choose_model(page, "fal-ai/fast-sdxl")  # Stable Diffusion weighs terms: the notice goes, CLIP's window shows
    expect(notice).to_be_hidden()
    expect(page.locator("[data-testid=prompt-tokens]")).to_have_text(re.compile(r"^\d+ / 77 tokens$"))
    expect_weighted_prompt_read(page)
