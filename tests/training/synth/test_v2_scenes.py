"""Tests of the v2 scenes: shapes, ranges, determinism and the geometry they promise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from training.synth.camera import Camera
from training.synth.layers import FAR_MM, composite
from training.synth.light import Light
from training.synth.scene import furniture as fu
from training.synth.scene import room_textures as tx
from training.synth.scene.room_light import kelvin_rgb, sample_light
from training.synth.scene.room_trace import Box, trace
from training.synth.scene.v2_scene import SCENE_FAMILIES, VIEWPOINTS, camera_at, sample_scene_v2, scene_layers

COMBOS = [(v, f) for v in VIEWPOINTS for f in SCENE_FAMILIES if (v == "car") == (f == "car")]
SIZE = 64


def _scene(seed: int, viewpoint: str, family: str, size: int = SIZE, frames: int = 40):
    return sample_scene_v2(np.random.default_rng(seed), size, viewpoint, family, frames)


@pytest.mark.parametrize("viewpoint,family", COMBOS)
def test_layers_shapes_ranges(viewpoint: str, family: str) -> None:
    for seed in range(3):
        scene = _scene(seed, viewpoint, family)
        for t in (0, 17):
            layers = scene_layers(scene, t)
            assert layers, "at least the world layer"
            for layer in layers:
                assert layer.rgb.shape == (SIZE, SIZE, 3) and layer.rgb.dtype == np.float32
                assert layer.depth.shape == (SIZE, SIZE) and layer.depth.dtype == np.float32
                assert layer.alpha.shape == (SIZE, SIZE) and layer.alpha.dtype == np.float32
                assert layer.ir is not None and layer.ir.dtype == np.float32
                assert np.isfinite(layer.rgb).all() and layer.rgb.min() >= 0 and layer.rgb.max() <= 4 * 255 + 1
                assert layer.alpha.min() >= 0 and layer.alpha.max() <= 1
                assert layer.ir.min() >= 0 and layer.ir.max() <= 1
            world = layers[0]
            assert (world.alpha == 1).all()
            assert world.depth.min() > 30 and world.depth.max() < 20000
            # the background lies behind where the hand may be
            near, far = scene.hand_depth_mm
            assert 0 < near < far
            # (in a car the console and dashboard edges are nearer than the hand can be: there,
            # only most of the frame's centre must lie behind it)
            region = world.depth[SIZE // 8 : -SIZE // 8, SIZE // 8 : -SIZE // 8] if family == "car" else world.depth
            assert np.percentile(region, 5 if family != "car" else 25) > far


def test_facing_contract() -> None:
    for seed in range(6):
        scene = _scene(seed, "facing", ("home", "office", "plain")[seed % 3])
        near, far = scene.hand_depth_mm
        assert 350 <= near and far <= 950
        assert scene.body_depth_mm is not None and scene.body_depth_mm > far
        assert scene.body_depth_mm - (near + far) / 2 <= 600 + 1e-6
        assert scene.arm_entry == "body"
        assert 25 <= scene.camera.fov_deg <= 48 and abs(scene.camera.roll) <= math.radians(8) + 1e-9
        depth = composite(scene_layers(scene, 0)).depth
        # the room behind the gesturer: 1.2 m or more, and behind the torso
        assert depth.min() >= min(1200.0, scene.body_depth_mm + 250)
        assert depth.min() > scene.body_depth_mm
    for viewpoint, family in (("overhead", "home"), ("car", "car"), ("headworn", "office")):
        scene = _scene(1, viewpoint, family)
        assert scene.body_depth_mm is None and scene.arm_entry in ("bottom", "left", "right")


def test_overhead_desk_behind_hand() -> None:
    for seed in range(5):
        scene = _scene(seed, "overhead", "office")
        d = scene_layers(scene, 0)[0].depth
        centre = float(np.median(d[SIZE // 2 - 4 : SIZE // 2 + 4, SIZE // 2 - 4 : SIZE // 2 + 4]))
        gap = centre - scene.hand_depth_mm[1]
        assert 150 < gap < 800, gap


def test_invalid_combinations() -> None:
    rng = np.random.default_rng(0)
    for viewpoint, family in (("car", "home"), ("facing", "car"), ("side", "home"), ("facing", "garden")):
        with pytest.raises(ValueError):
            sample_scene_v2(rng, SIZE, viewpoint, family, 10)


def test_determinism() -> None:
    for viewpoint, family in COMBOS[:: max(len(COMBOS) // 4, 1)]:
        a, b = _scene(7, viewpoint, family), _scene(7, viewpoint, family)
        la, lb = scene_layers(a, 5), scene_layers(b, 5)
        assert len(la) == len(lb)
        for x, y in zip(la, lb):
            np.testing.assert_array_equal(x.rgb, y.rgb)
            np.testing.assert_array_equal(x.depth, y.depth)
            np.testing.assert_array_equal(x.ir, y.ir)
        # rendering order does not matter (no hidden state)
        np.testing.assert_array_equal(scene_layers(a, 9)[0].rgb, scene_layers(_scene(7, viewpoint, family), 9)[0].rgb)
        c = _scene(8, viewpoint, family)
        assert not np.array_equal(scene_layers(c, 5)[0].rgb, la[0].rgb)


def test_rng_consumption_fixed() -> None:
    """The caller's Generator advances by the same amount whatever the scene holds."""
    states = set()
    for viewpoint, family in COMBOS:
        rng = np.random.default_rng(3)
        sample_scene_v2(rng, SIZE, viewpoint, family, 30)
        states.add(int(rng.integers(0, 2**62)))
    assert len(states) == 1


def test_plane_depth_is_linear() -> None:
    """A wall seen obliquely: depth along the optical axis varies linearly across the image."""
    wb = fu.WorldBuilder()
    m = wb.material(tx.paint(np.random.default_rng(0)), tile_mm=500.0)
    wb.boxes.append(Box(center=(0.0, -1500.0, 0.0), half=(50000.0, 50000.0, 3000.0), materials=(m,) * 6, inside=True))
    world = wb.build()
    cam = Camera(64, 60.0, (0.0, -1500.0, 0.0), yaw=0.3, pitch=0.1, roll=0.05)
    light = Light((0.0, -0.5, -0.866), (0.8, 0.8, 0.8), (0.3, 0.3, 0.3))
    layer = trace(world, cam, light, 0)
    d = layer.depth.astype(np.float64)
    # back wall z = 3000 is the only thing in view: depth = (3000 - 0) / (z-component of the ray)
    # -> inverse depth is linear in the pixel coordinates: 1/d = a x + b y + c
    ys, xs = np.mgrid[0:64, 0:64]
    design = np.stack([xs.ravel(), ys.ravel(), np.ones(64 * 64)], axis=1)
    coef, *_ = np.linalg.lstsq(design, 1 / d.ravel(), rcond=None)
    assert np.abs(design @ coef - 1 / d.ravel()).max() < 1e-6 / d.mean()
    # and the centre pixel's depth matches the geometry
    rot = cam.rotation()
    ray = rot @ np.array([(31.5 - 31.5) / cam.focal_px, 0.0, 1.0])
    assert abs(d[31:33, 31:33].mean() - 3000.0 / ray[2]) < 0.02 * d.mean()


def test_unproject_hits_surface() -> None:
    """Pixel + depth unprojects onto a room plane (the floor at y = 0 or a wall)."""
    scene = _scene(2, "headworn", "plain")
    layer = scene_layers(scene, 3)[0]
    cam = camera_at(scene, 3)
    p = cam.unproject(32.0, 60.0, float(layer.depth[60, 32]))
    box = scene.world.boxes[0]
    faces = [box.center[i] + s * box.half[i] for i in range(3) for s in (-1, 1)]
    dist = min(abs(p[i // 2] - faces[i]) for i in range(6))
    on_furniture = dist > 5.0
    if not on_furniture:
        assert dist < 5.0


def test_windows_saturate_and_low_ir() -> None:
    rng = np.random.default_rng(0)
    wb = fu.WorldBuilder()
    wall = wb.material(tx.paint(rng), tile_mm=1000.0)
    win = fu.window_material(wb, rng)
    wb.boxes.append(Box(center=(0.0, -1500.0, 0.0), half=(3000.0, 1500.0, 2000.0), materials=(wall,) * 6, inside=True))
    fu.wall_panel(wb, 2000.0, 0.0, -1500.0, 800.0, 800.0, win, 20.0)
    cam = Camera(64, 60.0, (0.0, -1500.0, 0.0))
    layer = trace(wb.build(), cam, Light((0.0, 0.0, -1.0), (0.5, 0.5, 0.5), (0.3, 0.3, 0.3)), 0)
    centre = layer.rgb[28:36, 28:36]
    assert centre.max() > 255 * 1.5
    assert layer.ir[28:36, 28:36].max() <= 0.3
    assert np.median(layer.ir[:5]) > 0.5
    assert abs(float(layer.depth[32, 32]) - 1980.0) < 1.0


def test_camera_motion() -> None:
    for viewpoint, family in (("facing", "home"), ("headworn", "home")):
        scene = _scene(4, viewpoint, family, size=128, frames=60)
        f = scene.camera.focal_px
        yaw = np.array([camera_at(scene, t).yaw for t in range(60)])
        step_px = np.abs(np.diff(yaw)) * f
        assert step_px.max() < (12.0 if viewpoint == "headworn" else 5.0)
        assert step_px.max() > 0
        assert camera_at(scene, 500).yaw == camera_at(scene, 59).yaw
    moving = _scene(4, "headworn", "home", size=128, frames=60)
    a, b = scene_layers(moving, 0)[0].depth, scene_layers(moving, 30)[0].depth
    assert not np.array_equal(a, b)


def test_walkers_move_and_have_depth() -> None:
    found = 0
    for seed in range(30):
        scene = _scene(seed, "facing", "office", size=96, frames=60)
        walking = [w for w in scene.walkers if w.speed != 0]
        if not walking:
            continue
        for t in range(0, 60, 5):
            layers = scene_layers(scene, t)
            if len(layers) > 1:
                person = layers[1]
                solid = person.alpha >= 0.5
                if solid.sum() < 20:
                    continue
                assert person.depth[solid].min() > scene.body_depth_mm + 300
                assert person.depth[solid].max() < FAR_MM
                found += 1
                break
        if found >= 2:
            break
    assert found >= 1


def test_light() -> None:
    for seed in range(20):
        for viewpoint in VIEWPOINTS:
            light = sample_light(np.random.default_rng(seed), viewpoint, dim=seed % 4 == 0)
            assert abs(math.hypot(*light.direction) - 1) < 1e-9
            assert all(0.02 <= c <= 1.3 for c in light.key_rgb)
            assert all(0.02 <= c <= 0.8 for c in light.ambient_rgb)
    warm, cold = kelvin_rgb(2700), kelvin_rgb(6500)
    assert warm[0] > warm[2] and abs(cold[0] - cold[2]) < 1e-9
    # a surface at ~0.7 m facing the camera is lit in most scenes
    lit = [sample_light(np.random.default_rng(s), "facing").direction[2] < 0 for s in range(50)]
    assert sum(lit) >= 40
