"""Property-based fuzzing (hypothesis) of what clients send: the binary frame codec, the
start and control messages, and the upload decoders. Whatever the input, each answers
with its own client error (FrameError, ProtocolViolation, ClientError), never another
exception; and valid inputs come back as they went in. Bounded: a fixed number of
examples, no deadline (shared CI machines)."""

from __future__ import annotations

import io
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api.stream_protocol import ProtocolViolation, parse_control, parse_start, parse_start_text
from service.errors import ClientError
from service.sources.frame_codec import (
    FrameError,
    encode_depth_payload,
    encode_rgb_payload,
    pack_frame,
    unpack_frame,
)
from service.sources.uploads import Limits, check_clip, decode_upload

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)
START_KEYS = ["type", "width", "height", "modalities", "rgb_encoding", "depth_encoding", "hop", "window", "fps"]


@FUZZ
@given(st.binary(max_size=256), st.sampled_from(["jpeg", "png", "raw"]), st.sampled_from(["png16", "raw"]))
def test_any_bytes_are_a_frame_or_a_frame_error(data, rgb_encoding, depth_encoding):
    for message in (data, b"GF01" + data):
        try:
            unpack_frame(message, 16, 16, rgb_encoding, depth_encoding, True, True)
        except FrameError:
            pass


@FUZZ
@given(st.integers(0, 2**32 - 1), st.integers(8, 40), st.integers(8, 40), st.data())
def test_valid_frames_come_back_as_sent(index, width, height, data):
    pixels = data.draw(st.binary(min_size=height * width * 3, max_size=height * width * 3))
    rgb = np.frombuffer(pixels, np.uint8).reshape(height, width, 3)
    depth = (np.arange(height * width, dtype=np.uint16) * 7).reshape(height, width)
    raw = pack_frame(index, 1.5, encode_rgb_payload(rgb, "raw"), encode_depth_payload(depth, "png16"))
    frame = unpack_frame(raw, width, height, "raw", "png16", True, True)
    assert frame.index == index and np.array_equal(frame.rgb, rgb) and np.array_equal(frame.depth, depth)
    jpeg = pack_frame(index, 1.5, encode_rgb_payload(rgb, "jpeg"), encode_depth_payload(depth, "raw"))
    frame = unpack_frame(jpeg, width, height, "jpeg", "raw", True, True)
    assert frame.rgb.shape == rgb.shape and np.array_equal(frame.depth, depth)


@FUZZ
@given(st.dictionaries(st.sampled_from(START_KEYS), JSON, max_size=9) | JSON)
def test_any_json_is_a_start_or_a_protocol_violation(message):
    if isinstance(message, dict) and "type" in message and message["type"] != "start":
        message = {**message, "type": "start"}
    try:
        start = parse_start(message, ["rgb", "depth"], 16)
    except ProtocolViolation:
        return
    assert 8 <= start.width <= 4096 and 8 <= start.height <= 4096 and 1 <= start.hop <= 256
    assert start.window is None or 16 <= start.window <= 1024


@FUZZ
@given(st.text(max_size=64))
def test_any_text_is_a_control_or_a_protocol_violation(text):
    for parse in (parse_control, lambda t: parse_start_text(t, _Card())):
        try:
            parse(text)
        except ProtocolViolation:
            pass


class _Card:
    modalities = ["rgb", "depth"]
    frames = 16
    labels = ["no_gesture", "push"]


@FUZZ
@given(st.binary(max_size=512), st.sampled_from([".npz", ".bag", ".mp4", ".txt", ""]))
def test_any_upload_is_a_clip_or_a_client_error(data, suffix):
    limits = Limits(max_frames=64, max_pixels=64 * 64, max_decoded_bytes=2**20)
    for payload in (data, b"PK\x03\x04" + data):
        try:
            check_clip(decode_upload({"clip": (payload, suffix)}, limits), limits)
        except ClientError:
            pass


@FUZZ
@given(
    st.integers(1, 8),
    st.integers(8, 24),
    st.sampled_from([None, 30.0, 0.0, -1.0, float("nan"), 1e-300, 1e300]),
    st.sampled_from(["u1", "u2", "f4", "c8", "i8"]),
)
def test_npz_clips_pass_or_get_a_client_error(frames, size, fps, depth_dtype):
    buf = io.BytesIO()
    arrays = {"rgb": np.zeros((frames, size, size, 3), np.uint8), "depth": np.ones((frames, size, size), depth_dtype)}
    if fps is not None:
        arrays["fps"] = np.array(fps)
    np.savez_compressed(buf, **arrays)
    limits = Limits(max_frames=64, max_pixels=64 * 64, max_decoded_bytes=2**20)
    try:
        clip = check_clip(decode_upload({"clip": (buf.getvalue(), ".npz")}, limits), limits)
    except ClientError as exc:
        assert json.dumps(exc.to_json())  # a JSON body that names the problem
        return
    assert clip.frames == frames and (clip.fps is None or 0.1 <= clip.fps <= 1000)
