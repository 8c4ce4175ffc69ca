"""The articulated hand: joint kinematics from the pose, its primitives, its surface colour.

Hand-local coordinates, mm: X to the hand's right (as seen by the camera), Y down towards
the wrist, Z away from the camera; the origin is the palm centre. The fingers flex about
axes parallel to the palm, towards the camera (-Z), so a fist folds them over the palm in
front of it. `tilt` turns the hand about X (positive: the fingers come nearer), `angle`
turns it in the image plane (clockwise on screen). The image is an orthographic projection
at a fixed scale (px per mm) plus the palm-centre position, so it never depends on the
pose's depth, which is added to the depth only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.light import Light, shade
from training.synth.person.identity import PersonIdentity
from training.synth.person.raster import Canvas, capsules, ellipsoid, pixel_grid
from training.synth.randomness import thin_lines, triangle

PALM = 1
KNUCKLES = 2
WRIST = 3
THUMB_BASE = 4
THUMB = 22  # 22 proximal, 23 distal
FINGER = 10  # 10 + 3 * finger + phalanx (0 proximal .. 2 distal), fingers index..little

_FINGER_X = (0.68, 0.23, -0.22, -0.64)  # knuckle positions across the half width, thumb side first
_FINGER_Y = (0.9, 0.96, 0.91, 0.8)  # knuckle heights, fraction of half the palm length
_WIDTH_REL = (1.0, 1.03, 0.96, 0.84)
_PHALANX = (0.47, 0.29, 0.24)
_THUMB_SEG = (0.38, 0.33, 0.29)
# Thumb segment directions (in-plane angle from 'up' towards the thumb side, flexion towards
# the camera), degrees, for an open hand and a fist.
_THUMB_OPEN = ((38.0, 8.0), (48.0, 12.0), (52.0, 14.0))
_THUMB_FIST = ((22.0, 40.0), (-25.0, 55.0), (-80.0, 45.0))


@dataclass(frozen=True)
class HandShape:
    """The hand's configuration for one frame (all that changes its geometry).

    Attributes:
        x, y: palm centre, px; angle: in-plane rotation, rad; z: palm depth, mm.
        openness, curl, spread, tilt: as in HandPose.
        handed: +1 right hand, -1 left hand.
        s: image scale, px per mm.
    """

    x: float
    y: float
    angle: float
    z: float
    openness: float
    curl: float
    spread: float
    tilt: float
    handed: int
    s: float


class _Frame:
    """Maps hand-local mm to (x px, y px, depth mm)."""

    def __init__(self, shape: HandShape) -> None:
        self.shape = shape
        tilt = min(max(shape.tilt, -0.6), 0.6)
        self.ct, self.st = math.cos(tilt), math.sin(tilt)
        self.ca, self.sa = math.cos(shape.angle), math.sin(shape.angle)

    def point(self, p: tuple[float, float, float]) -> tuple[float, float, float]:
        sh = self.shape
        x, y, z = p
        y, z = y * self.ct - z * self.st, y * self.st + z * self.ct
        return (sh.x + sh.s * (x * self.ca - y * self.sa), sh.y + sh.s * (x * self.sa + y * self.ca), sh.z + z)

    def rotation(self) -> list[list[float]]:
        """Image-from-local rotation (rows image x, y, depth)."""
        ca, sa, ct, st = self.ca, self.sa, self.ct, self.st
        return [[ca, -sa * ct, sa * st], [sa, ca * ct, -ca * st], [0.0, st, ct]]


def _direction(psi: float, beta: float) -> tuple[float, float, float]:
    """Unit vector at in-plane angle psi from 'up' (towards +X) flexed by beta towards the camera."""
    cb = math.cos(beta)
    return (math.sin(psi) * cb, -math.cos(psi) * cb, -math.sin(beta))


def _chain(base, dirs, lengths):
    pts = [base]
    for d, length in zip(dirs, lengths):
        p = pts[-1]
        pts.append((p[0] + d[0] * length, p[1] + d[1] * length, p[2] + d[2] * length))
    return pts


def closure(openness: float, curl: float) -> float:
    """How far the fingers are flexed, 0 straight .. 1 a fist."""
    o = min(max(openness, 0.0), 1.0)
    return min(max(1.0 - o + 0.45 * min(max(curl, 0.0), 1.0) * o, 0.0), 1.0)


def draw_hand(canvas: Canvas, person: PersonIdentity, shape: HandShape) -> tuple[tuple[float, float, float], float]:
    """Rasterises the hand (palm, knuckles, fingers, thumb, wrist) into `canvas`.

    Returns:
        The wrist point (x px, y px, depth mm), where the forearm starts, and the wrist
        radius in px.
    """
    fr = _Frame(shape)
    s = shape.s
    mpp = 1.0 / s
    batch: list[tuple] = []

    def cap(a, b, r0: float, r1: float, part: int, relief: float = 1.0) -> None:
        batch.append((a, b, r0, r1, part, relief))

    h = shape.handed
    model = person.hand_model
    w2, l2 = person.palm_width_mm / 2, person.palm_length_mm / 2
    fw = person.finger_width_mm
    c = closure(shape.openness, shape.curl)
    o = min(max(shape.openness, 0.0), 1.0)
    spread = math.radians(1.5 + 9.0 * min(max(shape.spread, 0.0), 1.0)) * (0.25 + 0.75 * (1 - c))
    widen = 1.0
    if model == "mitten":
        spread *= 0.2
        widen = 1.28
    # Wrist first (it lies behind the palm's heel), then the palm, the fingers, the thumb.
    wrist_end = (0.0, l2 + 0.7 * person.wrist_r_mm, 2.0)
    wr = person.wrist_r_mm * s
    cap(fr.point((0.0, 0.45 * l2, 2.0)), fr.point(wrist_end), wr * 1.05, wr, WRIST, 0.7)
    ellipsoid(
        canvas,
        fr.point((0.0, 0.0, 0.0)),
        (w2 * s, l2 * 1.02 * s, person.palm_thick_mm / 2 * s),
        fr.rotation(),
        PALM,
        mpp,
    )
    knuckles = [(h * fx * w2, -fy * l2, 0.0) for fx, fy in zip(_FINGER_X, _FINGER_Y)]
    if model != "capsule":
        cap(fr.point(knuckles[0]), fr.point(knuckles[3]), fw * 0.62 * s, fw * 0.55 * s, KNUCKLES, 0.8)
    for k in range(4):
        ck = min(max(c * (1.0 + 0.08 * (k - 1.5)), 0.0), 1.0)
        mcp = math.radians(82.0 * ck + 4.0)
        pip = mcp + math.radians(100.0 * ck + 7.0)
        dip = pip + math.radians(60.0 * ck + 5.0)
        psi = h * (1.5 - k) * spread
        length = person.finger_len_mm * person.finger_rel[k]
        pts = _chain(knuckles[k], [_direction(psi, a) for a in (mcp, pip, dip)], [length * p for p in _PHALANX])
        r = fw / 2 * _WIDTH_REL[k] * widen * s
        if model == "capsule":
            cap(fr.point(pts[0]), fr.point(pts[3]), r, r * 0.9, FINGER + 3 * k + 2)
            continue
        radii = (r, r * 0.93, r * 0.86, r * 0.8)
        for j in range(3):
            cap(fr.point(pts[j]), fr.point(pts[j + 1]), radii[j], radii[j + 1], FINGER + 3 * k + j)
    base = (h * 0.3 * w2, 0.42 * l2, 1.0)
    dirs = []
    for (po, bo), (pf, bf) in zip(_THUMB_OPEN, _THUMB_FIST):
        dirs.append(_direction(h * math.radians(pf + (po - pf) * o), math.radians(bf + (bo - bf) * o)))
    t_len = person.thumb_rel * person.finger_len_mm
    pts = _chain(base, dirs, [t_len * p for p in _THUMB_SEG])
    r = fw / 2 * 1.08 * widen * s
    if model == "capsule":
        cap(fr.point(pts[1]), fr.point(pts[3]), r, r * 0.9, THUMB + 1)
    else:
        cap(fr.point(pts[1]), fr.point(pts[2]), r, r * 0.92, THUMB)
        cap(fr.point(pts[2]), fr.point(pts[3]), r * 0.92, r * 0.82, THUMB + 1)
    cap(fr.point(pts[0]), fr.point(pts[1]), r * 1.5, r * 1.05, THUMB_BASE, 0.6)
    a, b, r0, r1, parts, relief = (np.array(v) for v in zip(*batch))
    capsules(canvas, a, b, r0, r1, parts, mpp, relief)
    return fr.point(wrist_end), wr


def hand_local(shape: HandShape, sl: tuple[slice, slice], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Hand-local coordinates (mm, X right, Y towards the wrist, tilt undone) of a box's pixels."""
    gx, gy = pixel_grid(size)
    ca, sa = math.cos(shape.angle), math.sin(shape.angle)
    inv = 1.0 / shape.s
    ct = max(math.cos(min(max(shape.tilt, -0.6), 0.6)), 0.5)
    dx = gx[sl] - np.float32(shape.x)
    dy = gy[sl] - np.float32(shape.y)
    u = dx * np.float32(ca * inv) + dy * np.float32(sa * inv)
    v = dy * np.float32(ca * inv / ct) - dx * np.float32(sa * inv / ct)
    return u, v


def _line(dist: np.ndarray, width: float) -> np.ndarray:
    return np.clip(np.float32(1) - np.abs(dist) * np.float32(1 / width), np.float32(0), np.float32(1))


def colour_hand(
    canvas: Canvas, person: PersonIdentity, shape: HandShape, flip: float, light: Light
) -> tuple[np.ndarray, np.ndarray]:
    """Colours the rasterised hand: palm side (light, smooth, creases) swept into back side
    (darker, knuckle wrinkles, nails, hair and veins) by `flip`.

    Returns:
        rgb float32 [H, W, 3] and ir float32 [H, W] (ir never depends on flip).
    """
    n = canvas.size
    rgb = np.zeros((n, n, 3), dtype=np.float32)
    ir = np.ones((n, n), dtype=np.float32)
    sl = canvas.region()
    if sl is None:
        return rgb, ir
    f = np.float32
    part = canvas.part[sl]
    t = canvas.t[sl]
    q = canvas.q[sl]
    u, v = hand_local(shape, sl, n)
    w2, l2 = person.palm_width_mm / 2, person.palm_length_mm / 2
    px_mm = max(1.0 / shape.s, 0.5)  # a line is never thinner than a pixel
    fu, fv, ph = person.skin_freq
    var = f(1) + f(2 * person.skin_var) * (triangle(u * f(fu) + v * f(fv) + f(ph)) - f(0.5))
    across = np.clip((u * f(person.sweep_dir / w2) + f(1)) * f(0.5), f(0), f(1))
    edge = f(-0.3 + 1.6 * min(max(flip, 0.0), 1.0))
    wb = np.clip((edge - across) * f(1 / 0.3) + f(0.5), f(0), f(1))[..., None]
    finger = part >= FINGER
    phalanx = np.where(finger, (part - FINGER) % 3, -1)
    is_palm = (part == PALM) | (part == KNUCKLES)
    model = person.hand_model
    palm_rgb = np.asarray(person.palm_rgb, dtype=np.float32)
    back_rgb = np.asarray(person.back_rgb, dtype=np.float32)
    if person.glove:
        g = np.asarray(person.glove_rgb, dtype=np.float32)
        palm_rgb = np.minimum(g * f(1.2) + f(12), f(255))
        back_rgb = g * f(0.8)
    palm_tex = np.ones_like(u)
    back_tex = np.ones_like(u)
    nail = np.zeros_like(u)
    if model == "articulated":
        hu = u * f(person.handed / w2)  # -1 .. 1 across the palm, thumb side positive
        hv = v * f(1 / l2)
        cs = person.crease_shape
        cw = 1.4 * px_mm
        heart = (hv - f(-0.45 + 0.05 * cs[0]) - f(0.18 + 0.05 * cs[1]) * hu * hu + f(0.12) * hu) * f(l2)
        head = (hv - f(-0.12 + 0.05 * cs[2]) + f(0.28 + 0.06 * cs[3]) * hu) * f(l2)
        life = (hu - f(0.35 + 0.05 * cs[4]) + f(0.5 + 0.1 * cs[5]) * (hv - f(0.55)) * (hv - f(0.55))) * f(w2)
        lines = np.maximum(_line(heart, cw) * (hu < 0.75), _line(head, cw) * (hu > -0.7))
        lines = np.maximum(lines, _line(life, cw) * (hv > -0.3))
        joint = finger & (phalanx > 0) & (t < 0.12) | finger & (phalanx == 0) & (t > 0.92)
        palm_tex = f(1) - f(person.crease) * (lines * is_palm + f(0.8) * joint)
        hair_t = (u * f(math.cos(person.hair_angle)) + v * f(math.sin(person.hair_angle))) * f(1 / max(1.6, px_mm * 2))
        vein = thin_lines((u + f(6) * triangle(v * f(1 / 30))) * f(1 / (0.45 * w2)), 0.12) * (is_palm & (v > -0.6 * l2))
        wrinkle = finger & ((phalanx == 1) & (t < 0.18) | (phalanx == 0) & (t > 0.85))
        knuckle = (part == KNUCKLES) * (f(1) - q)
        back_tex = (f(1) - f(person.hair * 0.7) * thin_lines(hair_t, 0.2) - f(person.hair) * vein) * (
            f(1) - f(person.knuckle) * wrinkle
        ) + f(person.knuckle * 0.5) * knuckle
        if not person.glove:
            nail = ((phalanx == 2) & (t > 0.45) & (q < 0.72)).astype(np.float32) * f(0.85)
    elif person.glove:
        back_tex = f(1) - f(0.15) * (q > 0.85)
    albedo_palm = palm_rgb * (var * palm_tex)[..., None]
    albedo_back = back_rgb * (var * back_tex)[..., None]
    nail_rgb = np.asarray(person.nail_rgb, dtype=np.float32)
    albedo_back = albedo_back + (nail_rgb - albedo_back) * nail[..., None]
    albedo = albedo_palm + (albedo_back - albedo_palm) * wb
    if person.ring >= 0:
        ring = (part == FINGER + 3 * person.ring) & (t > 0.45) & (t < 0.6)
        albedo = np.where(ring[..., None], np.asarray(person.ring_rgb, dtype=np.float32), albedo)
    nx, ny, nz = canvas.nx[sl], canvas.ny[sl], canvas.nz[sl]
    if model == "capsule":  # flat-shaded: the palm's normal everywhere
        fr = _Frame(shape)
        rot = fr.rotation()
        normals = np.empty(nx.shape + (3,), dtype=np.float32)
        normals[...] = np.asarray([-rot[0][2], -rot[1][2], -rot[2][2]], dtype=np.float32)
        ao = f(1)
    else:
        if model == "mitten":  # faceted, low-poly
            nx = np.rint(nx * f(2.5)) * f(0.4)
            ny = np.rint(ny * f(2.5)) * f(0.4)
            nz = -np.sqrt(np.maximum(f(1) - nx * nx - ny * ny, f(0.04)))
            norm = f(1) / np.sqrt(nx * nx + ny * ny + nz * nz)
            nx, ny, nz = nx * norm, ny * norm, nz * norm
        normals = np.stack([nx, ny, nz], axis=-1)
        ao = f(0.72) - f(0.28) * nz
        # Grooves where one finger part meets another (shallow for the mitten).
        groove = np.zeros(part.shape, dtype=bool)
        step = (part[:, 1:] != part[:, :-1]) & (part[:, 1:] >= 0) & (part[:, :-1] >= 0)
        groove[:, 1:] |= step
        step = (part[1:] != part[:-1]) & (part[1:] >= 0) & (part[:-1] >= 0)
        groove[1:] |= step
        ao = ao * np.where(groove, f(0.86 if model == "mitten" else 0.8), f(1))
    lit = shade(normals, light) * (ao if np.isscalar(ao) else ao[..., None])
    rgb[sl] = np.clip(albedo * lit, f(0), f(255))
    if person.glove:
        ir[sl] = f(person.glove_ir)
    return rgb, ir
