"""A batch from a CSV of 20 prompts on a fal model: reviewed, started, paused (nothing new starts; what was
running finishes), resumed, and watched to completion on its live page — through the real studio, worker
and fal_client against the emulator."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.test_fal_model import sign_in
from tests.fal_emulator import TEST_KNOBS

pytestmark = pytest.mark.e2e
ROWS = 20


def counts(page) -> dict[str, int]:
    return {
        name: int(page.locator(f"[data-testid=count-{name}]").inner_text())
        for name in ("pending", "queued", "running", "succeeded", "failed")
    }


def test_a_csv_batch_pauses_resumes_and_completes(fal_page, fal_studio, emulator):
    page = fal_page
    emulator.configure(latency=0.8)  # slow enough to pause mid-way
    try:
        sign_in(page, fal_studio, "batch.runner@example.com")
        page.goto("/batches/new/")
        page.locator("[data-testid=batch-source-csv]").check(force=True)
        csv = "prompt,seed\n" + "".join(f"a paper lantern number {i},{i}\n" for i in range(ROWS))
        page.set_input_files(
            "[data-testid=batch-csv-file]", files=[{"name": "rows.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
        )
        page.select_option("[data-testid=batch-model]", "fal-ai/flux/schnell")
        page.click("[data-testid=batch-review-button]")
        assert page.locator("[data-testid=batch-review-count]").inner_text() == str(ROWS)
        page.click("[data-testid=batch-start]")
        page.wait_for_url(re.compile(r"/batches/[0-9a-f-]+/$"))

        page.click("[data-testid=batch-pause]")
        page.wait_for_selector("[data-testid=batch-live][data-status=paused]")
        # Paused: what was running finishes, nothing new is fed or started.
        deadline = time.monotonic() + 30
        while True:
            now = counts(page)
            if now["running"] == 0 and now["queued"] == 0:
                break
            assert time.monotonic() < deadline, f"the paused batch kept running: {now}"
            page.wait_for_timeout(250)
            page.reload()
        held = counts(page)
        assert held["pending"] > 0 and held["succeeded"] < ROWS
        page.wait_for_timeout(1500)
        page.reload()
        assert counts(page)["succeeded"] == held["succeeded"]  # still nothing new

        page.click("[data-testid=batch-resume]")
        page.wait_for_selector("[data-testid=batch-live][data-status=completed]", timeout=90_000)
        assert counts(page) == {"pending": 0, "queued": 0, "running": 0, "succeeded": ROWS, "failed": 0}
        assert page.locator("[data-testid=batch-done]").inner_text() == f"{ROWS} / {ROWS}"
        assert page.locator("[data-testid=batch-result]").count() == ROWS
        assert page.console_errors == []
    finally:
        emulator.configure(latency=TEST_KNOBS["latency"])
