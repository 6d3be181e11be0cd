"""A collection's board in a real browser: drag an image to a new place with the mouse, move one with the
keyboard, and drag with a finger on a phone-sized touch screen. Each new order is checked through the API
and survives a reload."""

from __future__ import annotations

import time

import pytest

from tests.e2e import http
from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def api_order(studio, token: str, collection_id: str) -> list[str]:
    response = http.get(
        f"{studio.url}/api/collections/{collection_id}/images", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def board_order(page) -> list[str]:
    return page.locator("[data-collection-board] > [data-sort-item]").evaluate_all(
        "items => items.map(item => item.dataset.imageId)"
    )


def wait_saved(page, studio, token: str, collection_id: str, expected: list[str], timeout: float = 10) -> None:
    """The page says the order is saved, and the API agrees (polled with a deadline)."""
    page.locator("[data-testid=order-status]:text-is('Order saved')").wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while api_order(studio, token, collection_id) != expected:
        assert time.monotonic() < deadline, "the new order did not reach the API"
        time.sleep(0.1)


def make_board(studio, count: int, email: str) -> tuple[str, str, list[str]]:
    token = register(studio, email)
    headers = {"Authorization": f"Bearer {token}"}
    images = [generate_image(studio, token, f"board frame {n}") for n in range(count)]
    collection = http.post(f"{studio.url}/api/collections", json={"name": "Storyboard"}, headers=headers)
    assert collection.status_code == 201, collection.text
    collection_id = collection.json()["id"]
    added = http.post(
        f"{studio.url}/api/collections/{collection_id}/images", json={"image_ids": images}, headers=headers
    )
    assert added.json()["added"] == count, added.text
    return token, collection_id, images


def test_drag_to_reorder_a_collection_and_keep_the_order(page, studio):
    email = "boards@example.com"
    token, collection_id, images = make_board(studio, 4, email)
    log_in(page, email)
    page.goto(f"/collections/{collection_id}/")
    page.locator("[data-collection-board][data-board-ready]").wait_for()
    assert board_order(page) == images

    # Mouse: press on the first image, drag it past the third one, release.
    cells = page.locator("[data-collection-board] > [data-sort-item]")
    start, end = cells.nth(0).bounding_box(), cells.nth(2).bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 5, steps=3)
    page.mouse.move(end["x"] + end["width"] * 0.8, end["y"] + end["height"] / 2, steps=15)
    page.mouse.up()
    expected = [images[1], images[2], images[0], images[3]]
    assert board_order(page) == expected
    wait_saved(page, studio, token, collection_id, expected)
    assert page.locator(".pswp--open").count() == 0  # the drag did not open the viewer

    page.reload()
    page.locator("[data-collection-board][data-board-ready]").wait_for()
    assert board_order(page) == expected

    # Keyboard: the last image's handle, Home moves it to the front.
    handle = page.locator(f"[data-sort-item][data-image-id='{images[3]}'] [data-sort-handle]")
    handle.focus()
    page.keyboard.press("Home")
    expected = [images[3], images[1], images[2], images[0]]
    assert board_order(page) == expected
    wait_saved(page, studio, token, collection_id, expected)
    page.reload()
    page.locator("[data-collection-board][data-board-ready]").wait_for()
    assert board_order(page) == expected
    assert page.console_errors == []


def test_drag_with_a_finger_on_a_phone(browser, studio):
    email = "thumbs@example.com"
    token, collection_id, images = make_board(studio, 3, email)
    context = browser.new_context(
        base_url=studio.url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto(f"/collections/{collection_id}/")
        page.locator("[data-collection-board][data-board-ready]").wait_for()
        cells = page.locator("[data-collection-board] > [data-sort-item]")
        cells.nth(2).scroll_into_view_if_needed()
        start, end = cells.nth(2).bounding_box(), cells.nth(0).bounding_box()
        x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        ex, ey = end["x"] + end["width"] * 0.25, end["y"] + end["height"] / 2
        touch = page.context.new_cdp_session(page)
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        page.wait_for_timeout(400)  # hold: a quick swipe scrolls, a press-and-hold drags
        for step in range(1, 13):
            point = {"x": x + (ex - x) * step / 12, "y": y + (ey - y) * step / 12}
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
            page.wait_for_timeout(16)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expected = [images[2], images[0], images[1]]
        assert board_order(page) == expected
        wait_saved(page, studio, token, collection_id, expected)
        page.reload()
        page.locator("[data-collection-board][data-board-ready]").wait_for()
        assert board_order(page) == expected
    finally:
        context.close()
