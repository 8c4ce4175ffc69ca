"""The arm (forearm, upper arm, sleeve, watch) and the body behind the hand (torso,
shoulders, neck, head with hair), rasterised and coloured."""

from __future__ import annotations

import math

import numpy as np

from training.synth.light import Light, shade
from training.synth.person.identity import PersonIdentity
from training.synth.person.raster import Canvas, capsule, ellipsoid, pixel_grid
from training.synth.randomness import thin_lines

FORE_SKIN = 40
FORE_SLEEVE = 41
WATCH = 42
UPPER_SKIN = 43
UPPER_SLEEVE = 44
TORSO = 50
SHOULDERS = 51
NECK = 52
HEAD = 53
HAIR = 54

_IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

Point = tuple[float, float, float]


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def draw_arm(
    canvas: Canvas,
    person: PersonIdentity,
    wrist: Point,
    elbow: Point,
    shoulder: Point,
    radii_px: tuple[float, float, float],
    mm_per_px: float,
    watch: bool,
    shift: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> None:
    """Rasterises a forearm (wrist to elbow) and upper arm (elbow to shoulder), in skin or
    sleeve as the person wears it.

    Args:
        canvas: the arm's z-buffer.
        person: the gesturer (sleeve, watch).
        wrist, elbow, shoulder: (x px, y px, depth mm).
        radii_px: arm radius at the wrist, elbow and shoulder, px.
        mm_per_px: depth relief scale.
        watch: draw the watch (the gesturing arm only).
        shift: `Canvas.shift` weights at the wrist, elbow and shoulder (how far each follows
            a depth change of the wrist).
    """
    rw, re, rs = radii_px
    sw, se, ss = shift

    def at(a: float, b: float, k: float) -> float:
        return a + (b - a) * k

    if person.sleeve == "long":
        cut = person.sleeve_end
        mid = _lerp(wrist, elbow, cut)
        rm = rw + (re - rw) * cut
        sm = at(sw, se, cut)
        capsule(canvas, wrist, mid, rw, rm, FORE_SKIN, mm_per_px, 0.8, (sw, sm))
        capsule(canvas, mid, elbow, rm * 1.14, re * 1.12, FORE_SLEEVE, mm_per_px, 0.8, (sm, se))
    else:
        capsule(canvas, wrist, elbow, rw, re, FORE_SKIN, mm_per_px, 0.8, (sw, se))
    if watch and (person.sleeve != "long" or person.sleeve_end > 0.16):
        band = 18.0 / max(person.forearm_mm, 1.0)
        a, b = _lerp(wrist, elbow, 0.05), _lerp(wrist, elbow, 0.05 + band)
        capsule(canvas, a, b, rw * 1.12, rw * 1.12, WATCH, mm_per_px, 0.8, (sw, at(sw, se, 0.05 + band)))
    upper = UPPER_SKIN if person.sleeve == "bare" else UPPER_SLEEVE
    if person.sleeve == "short":
        mid = _lerp(elbow, shoulder, 0.45)
        sm = at(se, ss, 0.45)
        capsule(canvas, elbow, mid, re, re * 1.05, UPPER_SKIN, mm_per_px, 0.8, (se, sm))
        capsule(canvas, mid, shoulder, re * 1.2, rs * 1.1, UPPER_SLEEVE, mm_per_px, 0.8, (sm, ss))
    else:
        r0 = re * (1.12 if upper == UPPER_SLEEVE else 1.0)
        capsule(canvas, elbow, shoulder, r0, rs, upper, mm_per_px, 0.8, (se, ss))


def _fabric(person: PersonIdentity, pattern: str, a: np.ndarray, b: np.ndarray, period_scale: float) -> np.ndarray:
    """Mixing weight 0..1 of the pattern colour for texture coordinates a, b (mm)."""
    f = np.float32
    inv = f(1 / (person.sleeve_period_mm * period_scale))
    if pattern == "stripes":
        return thin_lines(a * inv, 0.22)
    if pattern == "checks":
        return np.maximum(thin_lines(a * inv, 0.15), thin_lines(b * inv, 0.15))
    return np.zeros_like(a)


def colour_arm(
    canvas: Canvas, person: PersonIdentity, light: Light, flip: float, arm_mm: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Colours a rasterised arm. Returns rgb float32 [H, W, 3] and ir float32 [H, W].

    Args:
        arm_mm: forearm and upper arm lengths in mm (the sleeve pattern's scale).
        flip: the hand's flip (turns the watch face into view), rgb only.
    """
    n = canvas.size
    rgb = np.zeros((n, n, 3), dtype=np.float32)
    ir = np.ones((n, n), dtype=np.float32)
    sl = canvas.region()
    if sl is None:
        return rgb, ir
    f = np.float32
    part, t, q = canvas.part[sl], canvas.t[sl], canvas.q[sl]
    skin = np.asarray(person.skin_rgb, dtype=np.float32) * f(0.95)
    if person.glove:
        skin = skin * f(1)
    sleeve = np.asarray(person.sleeve_rgb, dtype=np.float32)
    sleeve2 = np.asarray(person.sleeve_rgb2, dtype=np.float32)
    along = t * np.where(part == FORE_SLEEVE, f(arm_mm[0]), f(arm_mm[1]))
    mix = _fabric(person, person.sleeve_pattern, along, q * f(40), 1.0)[..., None]
    cloth = sleeve + (sleeve2 - sleeve) * mix
    cuff = (part == FORE_SLEEVE) & (t < 0.1)
    cloth = np.where(cuff[..., None], np.asarray(person.cuff_rgb, dtype=np.float32), cloth)
    hair = f(1) - f(0.5 * person.hair) * thin_lines(q * f(6) + t * f(9), 0.2)
    albedo = np.where(((part == FORE_SKIN) | (part == UPPER_SKIN))[..., None], skin * hair[..., None], cloth)
    watch = part == WATCH
    strap = np.asarray(person.watch_rgb, dtype=np.float32)
    face = np.asarray(person.watch_face_rgb, dtype=np.float32)
    shown = f(min(max(flip, 0.0), 1.0)) * (q < 0.6)
    watch_rgb = strap + (face - strap) * shown[..., None]
    albedo = np.where(watch[..., None], watch_rgb, albedo)
    normals = np.stack([canvas.nx[sl], canvas.ny[sl], canvas.nz[sl]], axis=-1)
    ao = f(0.75) - f(0.25) * canvas.nz[sl]
    rgb[sl] = np.clip(albedo * shade(normals, light) * ao[..., None], f(0), f(255))
    cloth_px = (part == FORE_SLEEVE) | (part == UPPER_SLEEVE)
    ir[sl] = np.where(cloth_px, f(person.sleeve_ir), np.where(watch, f(0.6), f(1)))
    return rgb, ir


def body_points(person: PersonIdentity, x: float, y: float, depth: float, s: float) -> dict[str, Point]:
    """Key points of the body for a shoulder-line centre (x, y) px and torso depth (mm).

    The person's right shoulder is on the image left (they face the camera).
    """
    half = 0.42 * person.shoulder_mm * s
    drop = 30.0 * s
    return {
        "right_shoulder": (x - half, y + drop, depth + 35.0),
        "left_shoulder": (x + half, y + drop, depth + 35.0),
    }


def draw_body(
    canvas: Canvas,
    person: PersonIdentity,
    x: float,
    y: float,
    depth: float,
    s: float,
    hanging: tuple[bool, bool],
) -> None:
    """Rasterises torso, shoulders, neck, head and hair; plus hanging arms.

    Args:
        x, y: centre of the shoulder line, px; depth: the torso front's depth, mm.
        s: px per mm at the body.
        hanging: (right, left) whether that arm hangs down at the side (not otherwise drawn).
    """
    mpp = 1.0 / s
    sw, th, hw = person.shoulder_mm, person.torso_mm, person.head_mm
    ellipsoid(
        canvas, (x, y + 0.55 * th * s, depth + 110.0), (0.44 * sw * s, 0.62 * th * s, 110.0 * s), _IDENTITY, TORSO, mpp
    )
    half = 0.36 * sw * s
    capsule(
        canvas,
        (x - half, y + 40 * s, depth + 70.0),
        (x + half, y + 40 * s, depth + 70.0),
        62 * s,
        62 * s,
        SHOULDERS,
        mpp,
        0.9,
    )
    capsule(
        canvas, (x, y + 10 * s, depth + 60.0), (x, y - 70 * s, depth + 60.0), 0.34 * hw * s, 0.3 * hw * s, NECK, mpp
    )
    hh = 1.3 * hw
    hy = y - (70.0 + 0.42 * hh) * s
    ellipsoid(canvas, (x, hy, depth + 40.0), (0.5 * hw * s, 0.5 * hh * s, 0.6 * hw * s), _IDENTITY, HEAD, mpp)
    if person.hair_style != "bald":
        ellipsoid(
            canvas,
            (x, hy - 0.1 * hh * s, depth + 52.0),
            (0.54 * hw * s, 0.46 * hh * s, 0.6 * hw * s),
            _IDENTITY,
            HAIR,
            mpp,
        )
        if person.hair_style == "long":
            ellipsoid(
                canvas,
                (x, hy + 0.3 * hh * s, depth + 90.0),
                (0.62 * hw * s, 0.75 * hh * s, 0.35 * hw * s),
                _IDENTITY,
                HAIR,
                mpp,
            )
    pts = body_points(person, x, y, depth, s)
    re = person.elbow_r_mm * s
    for side, key in ((1, "right_shoulder"), (-1, "left_shoulder")):
        if not hanging[0 if side == 1 else 1]:
            continue
        sh = pts[key]
        elbow = (sh[0] - side * 0.08 * person.upper_arm_mm * s, sh[1] + 0.95 * person.upper_arm_mm * s, sh[2] + 10)
        wrist = (elbow[0] + side * 0.05 * person.forearm_mm * s, elbow[1] + 0.9 * person.forearm_mm * s, sh[2] - 30)
        draw_arm(canvas, person, wrist, elbow, sh, (person.wrist_r_mm * s, re, re * 1.1), mpp, False)


def colour_body(
    canvas: Canvas, person: PersonIdentity, light: Light, x: float, y: float, s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Colours the rasterised body (clothes with a pattern, skin, a face, hair).

    Returns:
        rgb float32 [H, W, 3] and ir float32 [H, W].
    """
    n = canvas.size
    rgb = np.zeros((n, n, 3), dtype=np.float32)
    ir = np.ones((n, n), dtype=np.float32)
    sl = canvas.region()
    if sl is None:
        return rgb, ir
    f = np.float32
    gx, gy = pixel_grid(n)
    bx = (gx[sl] - f(x)) * f(1 / s)
    by = (gy[sl] - f(y)) * f(1 / s)
    part = canvas.part[sl]
    clothes = np.asarray(person.clothes_rgb, dtype=np.float32)
    clothes2 = np.asarray(person.clothes_rgb2, dtype=np.float32)
    scale = person.clothes_period_mm / person.sleeve_period_mm
    mix = _fabric(person, person.clothes_pattern, by, bx, scale)[..., None]
    albedo = clothes + (clothes2 - clothes) * mix
    skin = np.asarray(person.skin_rgb, dtype=np.float32)
    hw = person.head_mm
    hh = 1.3 * hw
    hu = bx * f(2 / hw)
    hv = (by + f(70.0 + 0.42 * hh)) * f(2 / hh)
    eyes = ((np.abs(hu) - f(0.36)) ** 2 + (hv + f(0.05)) ** 2 * f(2.5)) < f(0.016)
    brows = (np.abs(hv + f(0.2)) < f(0.05)) & (np.abs(hu) > f(0.18)) & (np.abs(hu) < f(0.56))
    mouth = (np.abs(hv - f(0.5)) < f(0.045)) & (np.abs(hu) < f(0.26))
    face = f(1) - f(0.45) * eyes - f(0.3) * brows - f(0.25) * mouth
    head_rgb = skin[None, None, :] * face[..., None]
    hair_rgb = np.asarray(person.hair_rgb, dtype=np.float32)
    strands = f(1) - f(0.15) * thin_lines(bx * f(0.25), 0.25)
    arms = _colour_hanging(canvas, person, sl, albedo)
    albedo = np.where(((part == NECK) | (part == HEAD))[..., None], head_rgb, arms)
    albedo = np.where((part == HAIR)[..., None], hair_rgb * strands[..., None], albedo)
    normals = np.stack([canvas.nx[sl], canvas.ny[sl], canvas.nz[sl]], axis=-1)
    ao = f(0.8) - f(0.2) * canvas.nz[sl]
    rgb[sl] = np.clip(albedo * shade(normals, light) * ao[..., None], f(0), f(255))
    cloth = (part == TORSO) | (part == SHOULDERS) | (part == FORE_SLEEVE) | (part == UPPER_SLEEVE)
    ir[sl] = np.where(cloth, f(person.sleeve_ir), np.where(part == HAIR, f(0.5), f(1)))
    return rgb, ir


def _colour_hanging(canvas: Canvas, person: PersonIdentity, sl: tuple[slice, slice], clothes: np.ndarray) -> np.ndarray:
    """Albedo of hanging arm parts (sleeve colour or skin), the torso's elsewhere."""
    part = canvas.part[sl]
    sleeve = np.asarray(person.sleeve_rgb, dtype=np.float32)
    skin = np.asarray(person.skin_rgb, dtype=np.float32) * np.float32(0.95)
    out = np.where(((part == FORE_SLEEVE) | (part == UPPER_SLEEVE))[..., None], sleeve, clothes)
    return np.where(((part == FORE_SKIN) | (part == UPPER_SKIN) | (part == WATCH))[..., None], skin, out)


def sway(amplitude: float, period: float, phase: float, t: int) -> tuple[float, float]:
    """The body's slow sway at frame t, px (x, y)."""
    a = 2 * math.pi * t / period + phase
    return amplitude * math.sin(a), 0.3 * amplitude * math.sin(1.41 * a + 1.0)
