"""The Teach view in a real browser (Debian's chromium, headless, driven by Playwright)
against a real server whose camera is a RealSense recording and which needs an API key:
name gestures, record takes with a countdown, review and delete one, adapt with a progress
bar, then serve the adapted model. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.service.api.test_web_page import SHOTS
from tests.support.bundled import bundled_stream
from tests.support.server_utils import running_server

KEY = "page-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory, staged_tiny):
    from tests.support.recordings import write_recording

    stream = bundled_stream(909, [2, 5])
    camera = write_recording(tmp_path_factory.mktemp("camera") / "camera.db3", stream.rgb, stream.depth)
    teach_dir = tmp_path_factory.mktemp("teach")
    # adapt at the server's own priority: at niceness 10 the other test worker starves it
    with running_server(
        staged_tiny, camera_recording=camera, teach_dir=teach_dir, api_key=KEY, teach_adapt_nice=0
    ) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser):
    # bypass_csp: wait_for_function evaluates in the page, which the page's policy forbids
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def _record(page, label: str) -> None:
    page.fill("#teach-label", label)
    page.click("#teach-record")
    page.wait_for_function("document.querySelector('#teach-prompt').textContent.startsWith('saved ')", timeout=60_000)


@pytest.mark.timeout(1500)  # may build the shared trained tiny model first, then adapts and exports
def test_teach_record_review_adapt_and_serve_in_the_browser(server, page):
    page.goto(f"{server}/#teach")
    page.fill("#api-key", KEY)
    page.dispatch_event("#api-key", "change")
    page.click("#tab-teach")
    page.wait_for_selector("#teach-camera[src^='data:image/jpeg']", timeout=30_000)  # the camera shows

    page.fill("#teach-seconds", "0.5")
    page.fill("#teach-countdown", "1")
    page.fill("#teach-label", "next")
    page.click("#teach-record")
    page.wait_for_function("document.querySelector('#teach-prompt').textContent === 'perform next in 1…'")
    page.wait_for_function("document.querySelector('#teach-prompt').textContent.startsWith('saved next_0001')")
    for label in ("next", "back", "back", "back"):
        _record(page, label)
    page.wait_for_function("document.querySelectorAll('#teach-takes li').length === 5")
    page.wait_for_function("[...document.querySelectorAll('#teach-takes img')].every((i) => i.naturalWidth > 0)")
    assert "5 takes of 2 gestures (next: 2, back: 3)" in page.inner_text("#teach-counts")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "teach-takes-desktop.png"), full_page=True)

    page.click("button[aria-label='Delete take back_0003']")
    page.wait_for_function("document.querySelectorAll('#teach-takes li').length === 4")
    assert "(next: 2, back: 2)" in page.inner_text("#teach-counts")

    page.fill("#teach-minutes", "5")
    page.click("#teach-adapt")
    page.wait_for_selector("#teach-progress:not([hidden])")
    page.wait_for_function("document.querySelector('#teach-stage').textContent.startsWith('adapting ')", timeout=30_000)
    running = page.inner_text("#teach-stage")
    assert "of at most 5:00" in running, running
    stages, deadline = set(), time.monotonic() + 600  # the export alone takes minutes on a busy machine
    while time.monotonic() < deadline:  # the run's progress, as the page polls it
        job = httpx.get(f"{server}/v1/teach/adapt", headers={"X-API-Key": KEY}).json()
        if job["state"] != "running":
            break
        stages.add((job["stage"], job["total"]))
        time.sleep(0.5)
    assert job["state"] == "done", job
    assert any(total > 0 for _, total in stages) and ("exporting the model and its stages", 0) in stages, stages
    page.wait_for_function("document.querySelector('#teach-stage').textContent.startsWith('wrote ')")
    assert "no takes held out" in page.inner_text("#teach-stage")  # two takes each: none to hold out
    page.screenshot(path=str(SHOTS / "teach-adapted-desktop.png"), full_page=True)

    model = page.input_value("#teach-models")
    assert model.startswith("adapted-") and model.endswith(".onnx")
    page.click("#teach-use")
    page.wait_for_function("document.querySelector('#teach-serving').textContent.startsWith('Serving adapted-')")
    assert page.inner_text("#teach-serving").endswith("next, back.")
    served = httpx.get(f"{server}/v1/models", headers={"X-API-Key": KEY}).json()["models"][0]
    assert served["name"] == model and served["labels"] == ["next", "back"]
    assert httpx.post(f"{server}/v1/models/switch", json={"name": model}).status_code == 401  # the key guards it
