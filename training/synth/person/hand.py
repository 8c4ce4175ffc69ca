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


Point = tuple[float, float, float]
_Cap = tuple[Point, Point, float, float, int, float]
"""One capsule of the hand: axis ends (x px, y px, depth mm), radii px, part id, relief."""


@dataclass(frozen=True)
class _HandDims:
    """The hand's sizes and flexion for one frame.

    Attributes:
        w2, l2: half the palm's width and length, mm.
        fw: finger width, mm.
        closure: how far the fingers are flexed, 0 straight .. 1 a fist.
        openness: the pose's openness clipped to 0..1.
        spread: angle between neighbouring fingers, rad.
        widen: finger width factor (wider for the mitten).
    """

    w2: float
    l2: float
    fw: float
    closure: float
    openness: float
    spread: float
    widen: float


def _hand_dims(person: PersonIdentity, shape: HandShape) -> _HandDims:
    """The hand's sizes (mm) and flexion from the person and the frame's shape."""
    c = closure(shape.openness, shape.curl)
    o = min(max(shape.openness, 0.0), 1.0)
    spread = math.radians(1.5 + 9.0 * min(max(shape.spread, 0.0), 1.0)) * (0.25 + 0.75 * (1 - c))
    widen = 1.0
    if person.hand_model == "mitten":
        spread *= 0.2
        widen = 1.28
    w2, l2 = person.palm_width_mm / 2, person.palm_length_mm / 2
    return _HandDims(w2, l2, person.finger_width_mm, c, o, spread, widen)


def _cap(a: Point, b: Point, r0: float, r1: float, part: int, relief: float = 1.0) -> _Cap:
    """A capsule record for `capsules` (see `_Cap`)."""
    return (a, b, r0, r1, part, relief)


def _draw_palm(canvas: Canvas, fr: _Frame, person: PersonIdentity, dims: _HandDims) -> None:
    """Rasterises the palm, an ellipsoid about the palm centre, into `canvas`."""
    s = fr.shape.s
    ellipsoid(
        canvas,
        fr.point((0.0, 0.0, 0.0)),
        (dims.w2 * s, dims.l2 * 1.02 * s, person.palm_thick_mm / 2 * s),
        fr.rotation(),
        PALM,
        1.0 / s,
    )


def _finger_joints(person: PersonIdentity, dims: _HandDims, knuckle: Point, k: int, h: int) -> list[Point]:
    """Knuckle, two inner joints and tip of finger k (0 index .. 3 little), hand-local mm."""
    ck = min(max(dims.closure * (1.0 + 0.08 * (k - 1.5)), 0.0), 1.0)
    mcp = math.radians(82.0 * ck + 4.0)
    pip = mcp + math.radians(100.0 * ck + 7.0)
    dip = pip + math.radians(60.0 * ck + 5.0)
    psi = h * (1.5 - k) * dims.spread
    length = person.finger_len_mm * person.finger_rel[k]
    return _chain(knuckle, [_direction(psi, a) for a in (mcp, pip, dip)], [length * p for p in _PHALANX])


def _finger_caps(fr: _Frame, person: PersonIdentity, dims: _HandDims, knuckles: list[Point]) -> list[_Cap]:
    """The fingers' capsules: three phalanges each, or one capsule per finger ('capsule')."""
    s = fr.shape.s
    caps: list[_Cap] = []
    for k in range(4):
        pts = _finger_joints(person, dims, knuckles[k], k, fr.shape.handed)
        r = dims.fw / 2 * _WIDTH_REL[k] * dims.widen * s
        if person.hand_model == "capsule":
            caps.append(_cap(fr.point(pts[0]), fr.point(pts[3]), r, r * 0.9, FINGER + 3 * k + 2))
            continue
        radii = (r, r * 0.93, r * 0.86, r * 0.8)
        for j in range(3):
            caps.append(_cap(fr.point(pts[j]), fr.point(pts[j + 1]), radii[j], radii[j + 1], FINGER + 3 * k + j))
    return caps


def _thumb_joints(person: PersonIdentity, dims: _HandDims, h: int) -> list[Point]:
    """Base, two joints and tip of the thumb, hand-local mm (between open and fist poses)."""
    o = dims.openness
    base = (h * 0.3 * dims.w2, 0.42 * dims.l2, 1.0)
    dirs = []
    for (po, bo), (pf, bf) in zip(_THUMB_OPEN, _THUMB_FIST):
        dirs.append(_direction(h * math.radians(pf + (po - pf) * o), math.radians(bf + (bo - bf) * o)))
    t_len = person.thumb_rel * person.finger_len_mm
    return _chain(base, dirs, [t_len * p for p in _THUMB_SEG])


def _thumb_caps(fr: _Frame, person: PersonIdentity, dims: _HandDims) -> list[_Cap]:
    """The thumb's capsules: two segments (one for 'capsule'), then its base over the palm."""
    pts = _thumb_joints(person, dims, fr.shape.handed)
    r = dims.fw / 2 * 1.08 * dims.widen * fr.shape.s
    if person.hand_model == "capsule":
        caps = [_cap(fr.point(pts[1]), fr.point(pts[3]), r, r * 0.9, THUMB + 1)]
    else:
        caps = [
            _cap(fr.point(pts[1]), fr.point(pts[2]), r, r * 0.92, THUMB),
            _cap(fr.point(pts[2]), fr.point(pts[3]), r * 0.92, r * 0.82, THUMB + 1),
        ]
    caps.append(_cap(fr.point(pts[0]), fr.point(pts[1]), r * 1.5, r * 1.05, THUMB_BASE, 0.6))
    return caps


def draw_hand(canvas: Canvas, person: PersonIdentity, shape: HandShape) -> tuple[Point, float]:
    """Rasterises the hand (palm, knuckles, fingers, thumb, wrist) into `canvas`.

    Returns:
        The wrist point (x px, y px, depth mm), where the forearm starts, and the wrist
        radius in px.
    """
    fr = _Frame(shape)
    s = shape.s
    dims = _hand_dims(person, shape)
    # Wrist first (it lies behind the palm's heel), then the palm, the fingers, the thumb.
    wrist_end = (0.0, dims.l2 + 0.7 * person.wrist_r_mm, 2.0)
    wr = person.wrist_r_mm * s
    batch = [_cap(fr.point((0.0, 0.45 * dims.l2, 2.0)), fr.point(wrist_end), wr * 1.05, wr, WRIST, 0.7)]
    _draw_palm(canvas, fr, person, dims)
    h = shape.handed
    knuckles = [(h * fx * dims.w2, -fy * dims.l2, 0.0) for fx, fy in zip(_FINGER_X, _FINGER_Y)]
    if person.hand_model != "capsule":
        fw = dims.fw
        batch.append(_cap(fr.point(knuckles[0]), fr.point(knuckles[3]), fw * 0.62 * s, fw * 0.55 * s, KNUCKLES, 0.8))
    batch += _finger_caps(fr, person, dims, knuckles)
    batch += _thumb_caps(fr, person, dims)
    a, b, r0, r1, parts, relief = (np.array(v) for v in zip(*batch))
    capsules(canvas, a, b, r0, r1, parts, 1.0 / s, relief)
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


@dataclass(frozen=True)
class _Surface:
    """Per-pixel surface coordinates of the rasterised hand over its box, each [h, w].

    Attributes:
        part: int16 primitive id; t, q: float32 as in Canvas.
        u, v: float32 hand-local coordinates, mm (see `hand_local`).
        finger: bool, a finger phalanx; phalanx: 0 proximal .. 2 distal, -1 elsewhere.
        is_palm: bool, the palm or the knuckles.
        w2, l2: half the palm's width and length, mm.
        px_mm: mm per px, at least 0.5 (a line is never thinner than a pixel).
    """

    part: np.ndarray
    t: np.ndarray
    q: np.ndarray
    u: np.ndarray
    v: np.ndarray
    finger: np.ndarray
    phalanx: np.ndarray
    is_palm: np.ndarray
    w2: float
    l2: float
    px_mm: float


def _surface(canvas: Canvas, person: PersonIdentity, shape: HandShape, sl: tuple[slice, slice]) -> _Surface:
    """The hand's surface coordinates over the box `sl` of `canvas`."""
    part = canvas.part[sl]
    u, v = hand_local(shape, sl, canvas.size)
    finger = part >= FINGER
    return _Surface(
        part=part,
        t=canvas.t[sl],
        q=canvas.q[sl],
        u=u,
        v=v,
        finger=finger,
        phalanx=np.where(finger, (part - FINGER) % 3, -1),
        is_palm=(part == PALM) | (part == KNUCKLES),
        w2=person.palm_width_mm / 2,
        l2=person.palm_length_mm / 2,
        px_mm=max(1.0 / shape.s, 0.5),
    )


def _skin_variation(person: PersonIdentity, sf: _Surface) -> np.ndarray:
    """Low-frequency albedo factor of the skin, float32 [h, w] around 1."""
    f = np.float32
    fu, fv, ph = person.skin_freq
    return f(1) + f(2 * person.skin_var) * (triangle(sf.u * f(fu) + sf.v * f(fv) + f(ph)) - f(0.5))


def _back_weight(person: PersonIdentity, sf: _Surface, flip: float) -> np.ndarray:
    """How much of the back side shows, float32 [h, w, 1] 0..1: a flip sweeps across the hand."""
    f = np.float32
    across = np.clip((sf.u * f(person.sweep_dir / sf.w2) + f(1)) * f(0.5), f(0), f(1))
    edge = f(-0.3 + 1.6 * min(max(flip, 0.0), 1.0))
    return np.clip((edge - across) * f(1 / 0.3) + f(0.5), f(0), f(1))[..., None]


def _side_colours(person: PersonIdentity) -> tuple[np.ndarray, np.ndarray]:
    """Base colours of the palm and the back side, float32 [3] RGB 0..255 each (gloves too)."""
    f = np.float32
    palm_rgb = np.asarray(person.palm_rgb, dtype=np.float32)
    back_rgb = np.asarray(person.back_rgb, dtype=np.float32)
    if person.glove:
        g = np.asarray(person.glove_rgb, dtype=np.float32)
        palm_rgb = np.minimum(g * f(1.2) + f(12), f(255))
        back_rgb = g * f(0.8)
    return palm_rgb, back_rgb


def _palm_creases(person: PersonIdentity, sf: _Surface) -> np.ndarray:
    """The palm-side texture: heart, head and life lines and finger joint creases, float32 [h, w]."""
    f = np.float32
    w2, l2 = sf.w2, sf.l2
    hu = sf.u * f(person.handed / w2)  # -1 .. 1 across the palm, thumb side positive
    hv = sf.v * f(1 / l2)
    cs = person.crease_shape
    cw = 1.4 * sf.px_mm
    heart = (hv - f(-0.45 + 0.05 * cs[0]) - f(0.18 + 0.05 * cs[1]) * hu * hu + f(0.12) * hu) * f(l2)
    head = (hv - f(-0.12 + 0.05 * cs[2]) + f(0.28 + 0.06 * cs[3]) * hu) * f(l2)
    life = (hu - f(0.35 + 0.05 * cs[4]) + f(0.5 + 0.1 * cs[5]) * (hv - f(0.55)) * (hv - f(0.55))) * f(w2)
    lines = np.maximum(_line(heart, cw) * (hu < 0.75), _line(head, cw) * (hu > -0.7))
    lines = np.maximum(lines, _line(life, cw) * (hv > -0.3))
    finger, phalanx, t = sf.finger, sf.phalanx, sf.t
    joint = finger & (phalanx > 0) & (t < 0.12) | finger & (phalanx == 0) & (t > 0.92)
    return f(1) - f(person.crease) * (lines * sf.is_palm + f(0.8) * joint)


def _back_texture(person: PersonIdentity, sf: _Surface) -> np.ndarray:
    """The back-side texture: hair, veins, knuckle wrinkles and highlights, float32 [h, w]."""
    f = np.float32
    u, v, w2, l2 = sf.u, sf.v, sf.w2, sf.l2
    hair_t = (u * f(math.cos(person.hair_angle)) + v * f(math.sin(person.hair_angle))) * f(1 / max(1.6, sf.px_mm * 2))
    vein = thin_lines((u + f(6) * triangle(v * f(1 / 30))) * f(1 / (0.45 * w2)), 0.12) * (sf.is_palm & (v > -0.6 * l2))
    finger, phalanx, t = sf.finger, sf.phalanx, sf.t
    wrinkle = finger & ((phalanx == 1) & (t < 0.18) | (phalanx == 0) & (t > 0.85))
    knuckle = (sf.part == KNUCKLES) * (f(1) - sf.q)
    return (f(1) - f(person.hair * 0.7) * thin_lines(hair_t, 0.2) - f(person.hair) * vein) * (
        f(1) - f(person.knuckle) * wrinkle
    ) + f(person.knuckle * 0.5) * knuckle


def _textures(person: PersonIdentity, sf: _Surface) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Palm-side texture, back-side texture and nail weight, float32 [h, w] each."""
    f = np.float32
    palm_tex = np.ones_like(sf.u)
    back_tex = np.ones_like(sf.u)
    nail = np.zeros_like(sf.u)
    if person.hand_model == "articulated":
        palm_tex = _palm_creases(person, sf)
        back_tex = _back_texture(person, sf)
        if not person.glove:
            nail = ((sf.phalanx == 2) & (sf.t > 0.45) & (sf.q < 0.72)).astype(np.float32) * f(0.85)
    elif person.glove:
        back_tex = f(1) - f(0.15) * (sf.q > 0.85)
    return palm_tex, back_tex, nail


def _albedo(person: PersonIdentity, sf: _Surface, flip: float) -> np.ndarray:
    """The hand's albedo, float32 [h, w, 3] RGB 0..255: palm side swept into back side by
    `flip`, nails, a ring."""
    var = _skin_variation(person, sf)
    wb = _back_weight(person, sf, flip)
    palm_rgb, back_rgb = _side_colours(person)
    palm_tex, back_tex, nail = _textures(person, sf)
    albedo_palm = palm_rgb * (var * palm_tex)[..., None]
    albedo_back = back_rgb * (var * back_tex)[..., None]
    nail_rgb = np.asarray(person.nail_rgb, dtype=np.float32)
    albedo_back = albedo_back + (nail_rgb - albedo_back) * nail[..., None]
    albedo = albedo_palm + (albedo_back - albedo_palm) * wb
    if person.ring >= 0:
        ring = (sf.part == FINGER + 3 * person.ring) & (sf.t > 0.45) & (sf.t < 0.6)
        albedo = np.where(ring[..., None], np.asarray(person.ring_rgb, dtype=np.float32), albedo)
    return albedo


def _facet(nx: np.ndarray, ny: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Faceted (low-poly) unit normals from the smooth ones' x and y, float32 [h, w] each."""
    f = np.float32
    nx = np.rint(nx * f(2.5)) * f(0.4)
    ny = np.rint(ny * f(2.5)) * f(0.4)
    nz = -np.sqrt(np.maximum(f(1) - nx * nx - ny * ny, f(0.04)))
    norm = f(1) / np.sqrt(nx * nx + ny * ny + nz * nz)
    return nx * norm, ny * norm, nz * norm


def _grooves(part: np.ndarray) -> np.ndarray:
    """bool [h, w]: pixels where one hand part meets another (right of or below the seam)."""
    groove = np.zeros(part.shape, dtype=bool)
    step = (part[:, 1:] != part[:, :-1]) & (part[:, 1:] >= 0) & (part[:, :-1] >= 0)
    groove[:, 1:] |= step
    step = (part[1:] != part[:-1]) & (part[1:] >= 0) & (part[:-1] >= 0)
    groove[1:] |= step
    return groove


def _normals(
    canvas: Canvas, shape: HandShape, model: str, sl: tuple[slice, slice]
) -> tuple[np.ndarray, np.ndarray | np.float32]:
    """Shading normals float32 [h, w, 3] and ambient occlusion (float32 [h, w] or a scalar).

    'capsule' is flat-shaded (the palm's normal everywhere), 'mitten' faceted; both
    'mitten' and 'articulated' darken the grooves between parts (shallow for the mitten).
    """
    f = np.float32
    nx, ny, nz = canvas.nx[sl], canvas.ny[sl], canvas.nz[sl]
    if model == "capsule":
        rot = _Frame(shape).rotation()
        normals = np.empty(nx.shape + (3,), dtype=np.float32)
        normals[...] = np.asarray([-rot[0][2], -rot[1][2], -rot[2][2]], dtype=np.float32)
        return normals, f(1)
    if model == "mitten":
        nx, ny, nz = _facet(nx, ny)
    normals = np.stack([nx, ny, nz], axis=-1)
    ao = f(0.72) - f(0.28) * nz
    ao = ao * np.where(_grooves(canvas.part[sl]), f(0.86 if model == "mitten" else 0.8), f(1))
    return normals, ao


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
    albedo = _albedo(person, _surface(canvas, person, shape, sl), flip)
    normals, ao = _normals(canvas, shape, person.hand_model, sl)
    lit = shade(normals, light) * (ao if np.isscalar(ao) else ao[..., None])
    rgb[sl] = np.clip(albedo * lit, f(0), f(255))
    if person.glove:
        ir[sl] = f(person.glove_ir)
    return rgb, ir
