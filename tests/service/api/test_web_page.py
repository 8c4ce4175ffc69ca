"""The web page in a real browser: Debian's chromium (headless) driven by Playwright against
a real server with the bundled model and the demo live feed. Screenshots of every view at
1280x800 and at a phone size go to artifacts/screenshots/."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from service.settings import default_model_path
from tests.support.bundled import bundled_clip, bundled_stream
from tests.support.server_utils import ROOT, running_server
from training.synth import CLASS_NAMES

SHOTS = ROOT / "artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server():
    with running_server(default_model_path(), demo_stream="true", demo_seed="3") as url:
        yield url


@pytest.fixture(params=list(SIZES))
def page(request, browser):
    # Playwright's wait_for_function evaluates its predicate inside the page, which the
    # page's content security policy forbids (no eval); the tests that check the page under
    # its real policy are marked `page_csp` and wait with selectors only.
    strict = request.node.get_closest_marker("page_csp") is not None
    context = browser.new_context(viewport=SIZES[request.param], bypass_csp=not strict)
    page = context.new_page()
    page.size_name = request.param
    yield page
    context.close()


def _shot(page, view: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{view}-{page.size_name}.png"), full_page=True)


def _npz_file(tmp_path: Path, label: int) -> Path:
    clip = bundled_clip(label, 4242, frames=80)
    path = tmp_path / f"{CLASS_NAMES[label]}.npz"
    buf = io.BytesIO()
    np.savez(buf, rgb=clip.rgb, depth=clip.depth)
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.page_csp
def test_upload_a_clip_and_see_the_right_label(server, page, tmp_path):
    page.goto(server)
    page.wait_for_selector("#readiness.ready")
    clip = _npz_file(tmp_path, 1)
    api = httpx.post(f"{server}/v1/classify", files={"clip": (clip.name, clip.read_bytes())}, timeout=120)
    assert api.status_code == 200, api.text
    page.set_input_files("#clip-file", str(clip))
    page.click("#upload")
    page.wait_for_selector("#clip-result:not([hidden])", timeout=60_000)
    body = api.json()
    expected = (
        f"{len(body['events'])} gesture" if body["events"] else f"{body['label']} ({body['top'][0]['probability']:.0%}"
    )
    assert page.inner_text("#clip-label").startswith(expected.replace("%", " %"))  # what the API answers
    assert page.locator("#clip-top li").count() == 5
    assert page.locator("#timeline-legend li").count() >= 1  # 80 frames > the 48-frame window
    swatch = page.eval_on_selector("#timeline-legend i", "i => getComputedStyle(i).backgroundColor")
    assert swatch not in ("", "rgba(0, 0, 0, 0)"), swatch  # colours survive the page's CSP
    _shot(page, "clip")


@pytest.mark.page_csp
def test_a_long_clip_is_answered_by_its_events_in_seconds(server, page, tmp_path):
    stream = bundled_stream(2718, [1, 5, 8])
    clip = tmp_path / "three.npz"
    np.savez(clip, rgb=stream.rgb, depth=stream.depth, fps=np.float32(30))
    api = httpx.post(
        f"{server}/v1/classify?playback=true", files={"clip": (clip.name, clip.read_bytes())}, timeout=300
    ).json()
    frames = len(stream.rgb)
    playback = api["playback"]
    assert playback["step"] == -(-frames // 120) and playback["fps"] == pytest.approx(30 / playback["step"])
    assert [f["frame"] for f in playback["frames"]] == list(range(0, frames, playback["step"]))
    assert all(f["image"].startswith("data:image/jpeg;base64,") for f in playback["frames"])
    assert sum(f["guidance"] != f["image"] for f in playback["frames"]) > len(playback["frames"]) // 2
    page.goto(server)
    page.wait_for_selector("#readiness.ready")
    page.set_input_files("#clip-file", str(clip))
    page.click("#upload")
    page.wait_for_selector("#clip-result:not([hidden])", timeout=120_000)
    events = page.locator("#clip-events li").all_inner_texts()
    if api["events"]:
        names = ", ".join(e["label"] for e in api["events"])
        assert page.inner_text("#clip-label").endswith(f": {names}")  # the events are the answer
        assert len(events) == len(api["events"]) and all(" s to " in e for e in events), events
    else:
        assert events == ["none"]
    assert "Shaded bands" in page.inner_text("#timeline-note")
    # the clip plays back with the label of the moment, and the guidance on demand
    page.wait_for_selector("#player:not([hidden])")
    first = page.get_attribute("#player-frame", "src")
    page.wait_for_timeout(500)
    assert page.get_attribute("#player-frame", "src") != first  # it plays
    page.click("#player-play")  # pause
    assert page.inner_text("#player-play") == "Play"
    shown = page.get_attribute("#player-frame", "src")
    assert shown in {f["image"] for f in playback["frames"]}
    assert page.inner_text("#player-time").endswith(" s")
    caption = page.inner_text("#player-label")
    named = any(caption.split(" (")[0].removeprefix("gesture: ") == name for name in CLASS_NAMES)
    assert named or caption == "collecting the first window…", caption
    page.check("#player-frp")
    index = [f["image"] for f in playback["frames"]].index(shown)
    assert page.get_attribute("#player-frame", "src") == playback["frames"][index]["guidance"]
    _shot(page, "clip-long")


@pytest.mark.page_csp
def test_api_errors_are_shown_as_messages(server, page, tmp_path):
    page.goto(server)
    page.wait_for_selector("#readiness.ready")
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    page.set_input_files("#clip-file", str(bad))
    page.click("#upload")
    page.wait_for_selector("#clip-error:not([hidden])", timeout=30_000)
    text = page.inner_text("#clip-error")
    assert "not a readable .npz" in text and "HTTP 422" in text
    page.reload()  # nothing chosen: the page says what to do
    page.wait_for_selector("#readiness.ready")
    page.click("#upload")
    assert "Choose a clip" in page.inner_text("#clip-error")
    _shot(page, "error")


def test_demo_live_stream_shows_events_in_order(server, page):
    page.goto(server + "/#live")
    page.wait_for_selector("#feed-select option", state="attached")
    page.click("#feed-connect")
    page.wait_for_function("document.querySelector('#preview-rgb').src.startsWith('data:image/jpeg')")
    page.wait_for_function("document.querySelectorAll('#live-events li').length >= 3", timeout=120_000)
    sequence = page.inner_text("#live-sequence").split(": ", 1)[1].split(", ")
    events = [li.split(" at ")[0] for li in page.locator("#live-events li").all_inner_texts()]
    assert all(" s (confidence" in li for li in page.locator("#live-events li").all_inner_texts())  # in seconds
    assert all(e in CLASS_NAMES for e in events)
    # The feed loops over `sequence`. How many of its gestures the bundled model gets right
    # online is measured elsewhere (37-50 % of the stream gestures in BENCHMARKS.md; the
    # bundled-model tests hold a floor); here the page must show the feed's events, and some
    # of them are gestures the feed performs.
    assert sequence and all(name in CLASS_NAMES for name in sequence), sequence
    assert _in_cyclic_order(events, sequence) >= 1, (events, sequence)
    assert page.inner_text("#live-label") in CLASS_NAMES
    inked = """() => {
        const c = document.querySelector('#live-timeline');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
    }"""
    assert page.evaluate(inked) > 500  # the rolling timeline draws the feed's windows and events
    assert "webcam gives colour only" in page.inner_text("#live-note") or page.is_disabled("#webcam")
    _shot(page, "live")
    page.click("#feed-stop")


def _demo_status(server: str) -> dict:
    return next(f for f in httpx.get(f"{server}/v1/live").json()["feeds"] if f["name"] == "demo")


def test_the_demo_feed_rests_while_nobody_watches(server):
    deadline = time.monotonic() + 30
    while not _demo_status(server)["paused"] and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # a window already in flight when it paused may still finish
    before = _demo_status(server)
    time.sleep(1.5)
    after = _demo_status(server)
    assert after["subscribers"] == 0 and after["paused"], after
    assert after["frames"] == before["frames"] and after["windows"] == before["windows"]
    with connect(f"{server.replace('http', 'ws')}/v1/live/demo") as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "hello"
        deadline = time.monotonic() + 30
        while _demo_status(server)["frames"] < after["frames"] + 30 and time.monotonic() < deadline:
            ws.recv(timeout=30)
        watched = _demo_status(server)
    assert watched["frames"] >= after["frames"] + 30 and not watched["paused"], watched


def test_status_view_shows_model_and_live_numbers(server, page):
    with _watching_demo(server):  # a watcher keeps the demo feed (and so the model) busy
        _status_view(server, page)


def _status_view(server, page) -> None:
    page.goto(server + "/#status")
    page.wait_for_function("document.querySelector('#model-info').innerText.includes('CPUExecutionProvider')")
    info = page.inner_text("#model-info")
    assert "synth_lite_rgbd.onnx" in info and "rgb + depth" in info and "swipe_left" in info
    page.wait_for_function("document.querySelector('#live-numbers').innerText.includes('windows / s')")
    rate = """() => {
        const dt = [...document.querySelectorAll('#live-numbers dt')].find((d) => d.textContent === 'windows / s');
        return dt && dt.nextElementSibling.textContent !== '–' ? dt.nextElementSibling.textContent : null;
    }"""
    windows_per_s = float(page.wait_for_function(rate, timeout=30_000).json_value())
    assert windows_per_s > 0  # the demo feed keeps the model busy
    numbers = page.inner_text("#live-numbers")
    assert "demo" in numbers  # the live feed is listed with its counters
    _shot(page, "status")


@contextlib.contextmanager
def _watching_demo(server: str):
    """A subscriber of the demo feed, reading its messages on a thread, for the block."""
    done = threading.Event()

    def watch() -> None:
        with connect(f"{server.replace('http', 'ws')}/v1/live/demo") as ws:
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    ws.recv(timeout=0.5)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=10)


def _in_cyclic_order(events: list[str], sequence: list[str]) -> int:
    """How many events follow the cyclic order of `sequence` (longest common subsequence of
    the events and the sequence repeated enough times)."""
    target = sequence * (len(events) // max(1, len(sequence)) + 2)
    prev = [0] * (len(target) + 1)
    for e in events:
        cur = [0] * (len(target) + 1)
        for j, t in enumerate(target, 1):
            cur[j] = prev[j - 1] + 1 if e == t else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]
