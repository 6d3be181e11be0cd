"""Filing images into projects in a real browser: select in the gallery and drag onto a project in the
sidebar (mouse), drag out of a project page onto another and undo it, and drag with a finger (long press,
then the drop tray) on a phone-sized touch screen. Every move is checked through the API afterwards."""

from __future__ import annotations

import re

import pytest

from tests.e2e import http
from tests.e2e.test_projects import generate_image, log_in, register

pytestmark = pytest.mark.e2e


def project_of(studio, token: str, image_id: str) -> str | None:
    response = http.get(f"{studio.url}/api/images/{image_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()["project_id"]


def mouse_drag(page, source, target) -> None:
    """Press on `source`, move past the drag threshold and over `target` in steps, release."""
    target.scroll_into_view_if_needed()  # the sidebar scrolls when its list is taller than the window
    source.scroll_into_view_if_needed()
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 20, start["y"] + start["height"] / 2 + 10, steps=4)
    page.locator("[data-testid=drag-ghost]").wait_for()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    assert "is-drop-over" in (target.get_attribute("class") or "")
    page.mouse.up()


def test_select_drag_into_a_project_and_undo(page, studio):
    email = "mover@example.com"
    token = register(studio, email)
    headers = {"Authorization": f"Bearer {token}"}
    images = [generate_image(studio, token, f"storyboard frame {n}") for n in range(3)]
    log_in(page, email)

    # A project from a template, made on the page; a second one through the API.
    page.goto("/projects/new/")
    page.locator("[data-testid=template-choice][data-template=storyboard]").click()
    page.click("[data-testid=create-project]")
    page.wait_for_url(re.compile(r"/projects/[0-9a-f-]{36}/$"))
    storyboard_id = page.url.rstrip("/").rsplit("/", 1)[1]
    rejected = http.post(f"{studio.url}/api/projects", json={"name": "Rejected frames"}, headers=headers).json()

    # Gallery: select the newest with its check, shift-click the oldest (a range of three), drag them all.
    page.goto("/images/")
    tiles = page.locator("#image-grid [data-drag-image]")
    tiles.nth(2).wait_for()
    assert tiles.count() == 3
    tiles.nth(0).hover()
    tiles.nth(0).locator("[data-select-toggle]").click()
    tiles.nth(2).click(modifiers=["Shift"])
    page.locator("[data-testid=selection-bar] [data-selection-count]:text-is('3')").wait_for()
    assert page.locator(".pswp--open").count() == 0  # selecting never opened the viewer
    target = page.locator(f"[data-testid=sidebar-project][data-drop-project='{storyboard_id}']")
    mouse_drag(page, tiles.nth(1), target)
    page.locator("#toast-region [data-toast-message]:text-is('Moved 3 images to Storyboard.')").wait_for()
    assert [project_of(studio, token, image) for image in images] == [storyboard_id] * 3
    assert page.locator("[data-testid=selection-bar]").is_hidden()

    # Project page: drag one image onto the other project; it leaves at once; Undo brings it back.
    page.goto(f"/projects/{storyboard_id}/")
    cells = page.locator("[data-testid=project-image]")
    cells.nth(2).wait_for()
    moved_id = cells.nth(0).get_attribute("data-image-id")
    other = page.locator(f"[data-testid=sidebar-project][data-drop-project='{rejected['id']}']")
    mouse_drag(page, cells.nth(0).locator("[data-drag-image]"), other)
    page.locator("#toast-region [data-toast-message]:text-is('Moved 1 image to Rejected frames.')").wait_for()
    assert page.locator("[data-testid=project-image]:visible").count() == 2
    assert page.locator("[data-testid=image-count]").inner_text() == "2"
    assert project_of(studio, token, moved_id) == rejected["id"]
    page.click("[data-testid=undo-move]")
    page.locator("#toast-region [data-toast-message]:text-is('Move undone.')").wait_for()
    assert page.locator("[data-testid=project-image]:visible").count() == 3
    assert project_of(studio, token, moved_id) == storyboard_id

    # The selection bar moves too: pick one, choose the other project from its menu.
    cells.nth(1).locator("[data-drag-image]").hover()
    cells.nth(1).locator("[data-select-toggle]").click()
    second_id = cells.nth(1).get_attribute("data-image-id")
    page.select_option("[data-testid=selection-move]", rejected["id"])
    page.locator("#toast-region [data-toast-message]:text-is('Moved 1 image to Rejected frames.')").wait_for()
    assert project_of(studio, token, second_id) == rejected["id"]
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_drag_with_a_finger_onto_the_drop_tray(browser, studio):
    email = "finger@example.com"
    token = register(studio, email)
    headers = {"Authorization": f"Bearer {token}"}
    image_id = generate_image(studio, token, "a kite on a windy beach")
    project = http.post(f"{studio.url}/api/projects", json={"name": "Beach day"}, headers=headers).json()

    context = browser.new_context(
        base_url=studio.url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        log_in(page, email)
        page.goto("/images/")
        tile = page.locator(f"[data-drag-image='{image_id}']")
        tile.wait_for()
        box = tile.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        touch = page.context.new_cdp_session(page)
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        # The long press arms the drag (the tile dims); then the finger moves and the drop tray opens.
        page.locator(f"[data-drag-image='{image_id}'].is-dragging").wait_for(timeout=5000)
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + 15, "y": y + 15}]})
        chip = page.locator(f"#drop-tray [data-drop-project='{project['id']}']")
        chip.wait_for()
        end = chip.bounding_box()
        ex, ey = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
        for step in range(1, 9):
            point = {"x": x + (ex - x) * step / 8, "y": y + (ey - y) * step / 8}
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        assert "is-drop-over" in (chip.get_attribute("class") or "")
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.locator("#toast-region [data-toast-message]:text-is('Moved 1 image to Beach day.')").wait_for()
        assert project_of(studio, token, image_id) == project["id"]
        assert page.locator("#drop-tray").is_hidden()
    finally:
        context.close()
