"""Ray casting of v2 scenes built from boxes and vertical cylinders, with textured materials.

A `World` is a room (a box seen from inside), furniture and wall decals (boxes, each turned
about the vertical by a yaw), and round things (vertical cylinders with a top cap). Every
frame casts one ray per pixel through the frame's camera; a ray's parameter along
`rays`-style directions (camera-z 1) is the pixel's depth along the optical axis, so depth
is exact and planes vary linearly across the image. Only basic arithmetic, np.sqrt,
comparisons and table look-ups run per pixel (the same pixels on every CPU); each
primitive is traced only inside its projected bounding rectangle.

Textures are looked up from a per-recording atlas with three pre-blurred levels chosen by
the pixel's footprint (a cheap mip-map, so far tiles do not shimmer when the camera shakes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from training.synth.camera import Camera
from training.synth.layers import Layer
from training.synth.light import Light, shade
from training.synth.scene.room_textures import TILE

NEAR_MM = 30.0
_LEVELS = 3


@dataclass(frozen=True)
class Material:
    """How a surface looks.

    Attributes:
        texture: index of its tile in the world's atlas.
        tile_mm: size of one texture tile on the surface, mm (None: stretched once over the face).
        emission: 0 for a lit surface; else a light source (window, screen, lamp) whose
            radiance is the texture times this gain (1 .. 4; above 1 saturates the camera).
        ir: how well the depth sensor sees it (0 glass, screens, black or shiny .. 1 matte).
        scroll: texels per frame the texture scrolls by (screen content), 0 for still.
    """

    texture: int
    tile_mm: float | None = 500.0
    emission: float = 0.0
    ir: float = 1.0
    scroll: float = 0.0


@dataclass(frozen=True)
class Box:
    """A box turned by `yaw` about the vertical (world y) axis.

    Attributes:
        center: (x, y, z) world mm.
        half: half extents along its own x, y, z, mm.
        yaw: radians (positive turns its +z towards world +x, as the camera's yaw).
        materials: material index of the faces -x, +x, -y (top), +y (bottom), -z, +z.
        inside: True for the room: seen from inside, normals point inwards.
    """

    center: tuple[float, float, float]
    half: tuple[float, float, float]
    materials: tuple[int, int, int, int, int, int]
    yaw: float = 0.0
    inside: bool = False


@dataclass(frozen=True)
class Cylinder:
    """A vertical cylinder with a top cap (a mug, a pot, a bin, a lamp post).

    Attributes:
        x, z: axis position, world mm.
        radius: mm.
        y_top, y_bottom: world y of the cap and of the base (y_top < y_bottom: y is down).
        side, top: material indices.
    """

    x: float
    z: float
    radius: float
    y_top: float
    y_bottom: float
    side: int
    top: int


@dataclass(frozen=True, eq=False)
class World:
    """A static scene to ray cast.

    Attributes:
        boxes: boxes; boxes[0] is the room (or car cabin) and must have inside=True.
        cylinders: cylinders.
        materials: the materials the primitives name.
        atlas: float32 [3, K, T, T, 3] texture tiles (K textures, 3 blur levels), 0..255.
        lamps: (x, y, z, strength, radius) world mm: pools of light where light falls off
            with distance from a lamp (strength 0..2, radius the distance of half strength).
    """

    boxes: tuple[Box, ...]
    cylinders: tuple[Cylinder, ...]
    materials: tuple[Material, ...]
    atlas: np.ndarray
    lamps: tuple[tuple[float, float, float, float, float], ...] = ()
    _tables: dict = field(default_factory=dict, repr=False)


def build_atlas(tiles: list[np.ndarray]) -> np.ndarray:
    """Stacks texture tiles and adds two blurred levels (periodic 2x2 and 4x4 box blurs).

    Args:
        tiles: K float32 [T, T, 3] tiles.

    Returns:
        float32 [3, K, T, T, 3].
    """
    base = np.stack([np.clip(t, 0, 255) for t in tiles]).astype(np.float32)
    levels = [base]
    cur = base
    for _ in range(_LEVELS - 1):
        step = 2 ** (len(levels) - 1)
        cur = (cur + np.roll(cur, step, axis=1)) * np.float32(0.5)
        cur = (cur + np.roll(cur, step, axis=2)) * np.float32(0.5)
        levels.append(cur.astype(np.float32))
    return np.stack(levels).astype(np.float32)


def rotation(camera: Camera) -> tuple[tuple[float, float, float], ...]:
    """World-from-camera rotation of `camera` as rows of Python floats (no BLAS involved)."""
    cy, sy = math.cos(camera.yaw), math.sin(camera.yaw)
    cp, sp = math.cos(camera.pitch), math.sin(camera.pitch)
    cr, sr = math.cos(camera.roll), math.sin(camera.roll)
    yaw = ((cy, 0.0, sy), (0.0, 1.0, 0.0), (-sy, 0.0, cy))
    pitch = ((1.0, 0.0, 0.0), (0.0, cp, sp), (0.0, -sp, cp))
    roll = ((cr, -sr, 0.0), (sr, cr, 0.0), (0.0, 0.0, 1.0))

    def mul(a, b):
        return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))

    return mul(mul(yaw, pitch), roll)


def project_point(camera: Camera, rot, point) -> tuple[float, float, float]:
    """One world point -> (x px, y px, depth mm), in Python floats."""
    rel = [point[i] - camera.position[i] for i in range(3)]
    cam = [sum(rot[k][j] * rel[k] for k in range(3)) for j in range(3)]
    f, c = camera.focal_px, (camera.size - 1) / 2
    z = cam[2] if abs(cam[2]) > 1e-6 else 1e-6
    return cam[0] / z * f + c, cam[1] / z * f + c, cam[2]


def _window(camera: Camera, rot, corners) -> tuple[int, int, int, int] | None:
    """Pixel rectangle (y0, y1, x0, x1) that holds the projection of `corners`, or None."""
    pts = [project_point(camera, rot, p) for p in corners]
    n = camera.size
    if any(z < NEAR_MM for _, _, z in pts):
        if all(z < NEAR_MM for _, _, z in pts):
            return None
        return 0, n, 0, n
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = max(int(math.floor(min(xs))) - 2, 0), min(int(math.ceil(max(xs))) + 3, n)
    y0, y1 = max(int(math.floor(min(ys))) - 2, 0), min(int(math.ceil(max(ys))) + 3, n)
    if x0 >= x1 or y0 >= y1:
        return None
    return y0, y1, x0, x1


def _box_corners(b: Box):
    cs, sn = math.cos(b.yaw), math.sin(b.yaw)
    out = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            for sz in (-1, 1):
                lx, ly, lz = sx * b.half[0], sy * b.half[1], sz * b.half[2]
                out.append((b.center[0] + cs * lx + sn * lz, b.center[1] + ly, b.center[2] - sn * lx + cs * lz))
    return out


def _tables(world: World) -> dict:
    """Per-(box, face) and per-material look-up tables, built once per world."""
    if world._tables:
        return world._tables
    nb = len(world.boxes)
    t = world._tables
    t["center"] = np.array([b.center for b in world.boxes], np.float32)
    t["half"] = np.array([b.half for b in world.boxes], np.float32)
    t["cos"] = np.array([math.cos(b.yaw) for b in world.boxes], np.float32)
    t["sin"] = np.array([math.sin(b.yaw) for b in world.boxes], np.float32)
    t["sign"] = np.array([-1.0 if b.inside else 1.0 for b in world.boxes], np.float32)
    mat = np.zeros((nb, 6), np.int64)
    off = np.zeros((nb, 6, 2), np.float32)
    scale = np.zeros((nb, 6, 2), np.float32)
    for i, b in enumerate(world.boxes):
        for f in range(6):
            axis = f // 2
            ua, va = (2, 1) if axis == 0 else ((0, 2) if axis == 1 else (0, 1))
            m = world.materials[b.materials[f]]
            mat[i, f] = b.materials[f]
            for k, a in enumerate((ua, va)):
                off[i, f, k] = b.half[a]
                scale[i, f, k] = TILE / (2 * b.half[a]) if m.tile_mm is None else TILE / m.tile_mm
    t["mat"], t["off"], t["scale"] = mat, off, scale
    mats = world.materials
    t["tex"] = np.array([m.texture for m in mats], np.int64)
    t["emission"] = np.array([m.emission for m in mats], np.float32)
    t["ir"] = np.array([m.ir for m in mats], np.float32)
    t["scroll"] = np.array([m.scroll for m in mats], np.float32)
    t["tile"] = np.array([TILE / (m.tile_mm or 1000.0) for m in mats], np.float32)
    return t


def _cylinder_corners(cy: Cylinder):
    """The 8 corners of the cylinder's bounding box, world mm."""
    r = cy.radius
    return [(cy.x + sx * r, yy, cy.z + sz * r) for sx in (-1, 1) for sz in (-1, 1) for yy in (cy.y_top, cy.y_bottom)]


def _ray_directions(camera: Camera, rot) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """World directions of the pixels' rays (camera-z 1) and their reciprocals.

    Returns:
        (d, inv): world x, y, z components, three float32 [H, W] arrays each; in `inv`,
        components nearer 0 than 1e-9 count as 1e-9.
    """
    n = camera.size
    f32 = np.float32
    c = (n - 1) / 2
    coords = (np.arange(n, dtype=np.float32) - f32(c)) * f32(1 / camera.focal_px)
    gu, gv = coords[None, :], coords[:, None]
    d = [f32(rot[i][0]) * gu + f32(rot[i][1]) * gv + f32(rot[i][2]) for i in range(3)]  # world dirs [H, W]
    d = [np.broadcast_to(x, (n, n)).astype(np.float32) for x in d]
    safe = [np.where(np.abs(x) < f32(1e-9), f32(1e-9), x) for x in d]
    inv = [f32(1) / x for x in safe]
    return d, inv


def _box_slabs(b: Box, origin, d, inv, ys: slice, xs: slice) -> tuple[np.ndarray, np.ndarray]:
    """Slab test of the rays in the window (ys, xs) against box `b`, in the box's own frame.

    Args:
        b: the box.
        origin: (x, y, z) of the rays' origin (the camera), world mm.
        d, inv: the rays' world directions and their reciprocals (`_ray_directions`).
        ys, xs: the pixel window.

    Returns:
        (tmin, tmax): float32 [h, w] ray parameters where the rays enter and leave the box
        (no hit where tmin > tmax).
    """
    f32 = np.float32
    o = origin
    cs, sn = math.cos(b.yaw), math.sin(b.yaw)
    rx, ry, rz = o[0] - b.center[0], o[1] - b.center[1], o[2] - b.center[2]
    lo = (f32(cs * rx - sn * rz), f32(ry), f32(sn * rx + cs * rz))
    if b.yaw == 0.0:
        li = [inv[0][ys, xs], inv[1][ys, xs], inv[2][ys, xs]]
    else:
        dx, dz = d[0][ys, xs], d[2][ys, xs]
        lx, lz = f32(cs) * dx - f32(sn) * dz, f32(sn) * dx + f32(cs) * dz
        lx = np.where(np.abs(lx) < f32(1e-9), f32(1e-9), lx)
        lz = np.where(np.abs(lz) < f32(1e-9), f32(1e-9), lz)
        li = [f32(1) / lx, inv[1][ys, xs], f32(1) / lz]
    tmin, tmax = None, None
    for a in range(3):
        t1 = (f32(-b.half[a]) - lo[a]) * li[a]
        t2 = (f32(b.half[a]) - lo[a]) * li[a]
        lo_t, hi_t = np.minimum(t1, t2), np.maximum(t1, t2)
        tmin = lo_t if tmin is None else np.maximum(tmin, lo_t)
        tmax = hi_t if tmax is None else np.minimum(tmax, hi_t)
    return tmin, tmax


def _trace_boxes(world: World, camera: Camera, rot, d, inv, best: np.ndarray, pid: np.ndarray) -> None:
    """Ray casts the world's boxes, in place.

    Args:
        world, camera, rot: the scene, the frame's camera and its rotation (`rotation`).
        d, inv: the rays' world directions and their reciprocals (`_ray_directions`).
        best: float32 [H, W] ray parameter (= depth, mm) of the nearest hit so far; lowered.
        pid: int64 [H, W] primitive index of that hit; set to the box index where a box is nearer.
    """
    n = camera.size
    near = np.float32(NEAR_MM)
    for k, b in enumerate(world.boxes):
        win = (0, n, 0, n) if b.inside else _window(camera, rot, _box_corners(b))
        if win is None:
            continue
        ys, xs = slice(win[0], win[1]), slice(win[2], win[3])
        tmin, tmax = _box_slabs(b, camera.position, d, inv, ys, xs)
        cur = best[ys, xs]
        if b.inside:
            hit = (tmax > near) & (tmax < cur)
            tt = tmax
        else:
            hit = (tmin <= tmax) & (tmin > near) & (tmin < cur)
            tt = tmin
        best[ys, xs] = np.where(hit, tt, cur)
        pid[ys, xs] = np.where(hit, k, pid[ys, xs])


def _cylinder_hit(cy: Cylinder, origin, d, inv, ys: slice, xs: slice) -> tuple[np.ndarray, np.ndarray]:
    """Intersects the rays in the window (ys, xs) with cylinder `cy` (its side and top cap).

    Args:
        cy: the cylinder.
        origin: (x, y, z) of the rays' origin (the camera), world mm.
        d, inv: the rays' world directions and their reciprocals (`_ray_directions`).
        ys, xs: the pixel window.

    Returns:
        (t_hit, on_cap): float32 [h, w] ray parameter of the nearest hit (inf where none) and
        bool [h, w], True where that hit is on the cap.
    """
    f32 = np.float32
    o = origin
    near = f32(NEAR_MM)
    r = cy.radius
    dx, dy, dz = d[0][ys, xs], d[1][ys, xs], d[2][ys, xs]
    ox, oy, oz = f32(o[0] - cy.x), f32(o[1]), f32(o[2] - cy.z)
    qa = dx * dx + dz * dz
    qb = ox * dx + oz * dz
    qc = ox * ox + oz * oz - f32(r * r)
    disc = qb * qb - qa * qc
    ts = (-qb - np.sqrt(np.maximum(disc, f32(0)))) / np.maximum(qa, f32(1e-12))
    ysd = oy + ts * dy
    side = (disc >= 0) & (ts > near) & (ysd >= f32(cy.y_top)) & (ysd <= f32(cy.y_bottom))
    tc = (f32(cy.y_top) - oy) * inv[1][ys, xs]
    px, pz = ox + tc * dx, oz + tc * dz
    cap = (tc > near) & (px * px + pz * pz <= f32(r * r))
    t_hit = np.where(side, ts, np.inf).astype(np.float32)
    t_hit = np.where(cap & (tc < t_hit), tc, t_hit)
    return t_hit, cap & (tc <= t_hit)


def _trace_cylinders(world: World, camera: Camera, rot, d, inv, best: np.ndarray, pid: np.ndarray) -> list:
    """Ray casts the world's cylinders, in place (as `_trace_boxes`; pid = boxes + index).

    Returns:
        (k, ys, xs, on_cap) of every cylinder k in view: its pixel window and bool [h, w],
        True where its hit there is on the cap.
    """
    cyl_hits = []
    nb = len(world.boxes)
    for k, cy in enumerate(world.cylinders):
        win = _window(camera, rot, _cylinder_corners(cy))
        if win is None:
            continue
        ys, xs = slice(win[0], win[1]), slice(win[2], win[3])
        t_hit, on_cap = _cylinder_hit(cy, camera.position, d, inv, ys, xs)
        cur = best[ys, xs]
        hit = t_hit < cur
        best[ys, xs] = np.where(hit, t_hit, cur)
        pid[ys, xs] = np.where(hit, nb + k, pid[ys, xs])
        cyl_hits.append((k, ys, xs, on_cap))
    return cyl_hits


def _box_surface(tab: dict, pid: np.ndarray, nb: int, p: list[np.ndarray]):
    """Normals, texture coordinates and materials of the hits, as if every pixel hit a box
    (the face from the dominant local coordinate; pixels of cylinders get the last box's).

    Args:
        tab: the world's tables (`_tables`).
        pid: int64 [H, W] primitive index of each pixel's hit.
        nb: number of boxes.
        p: world hit points, three float32 [H, W] arrays, mm.

    Returns:
        (nw, tu, tv, mat): world normals (three float32 [H, W]), texture coordinates
        (float32 [H, W], texels) and material indices (int64 [H, W]).
    """
    f32 = np.float32
    bid = np.minimum(pid, nb - 1)
    cx, cz = tab["cos"][bid], tab["sin"][bid]
    ctr, half = tab["center"][bid], tab["half"][bid]
    qx, qy, qz = p[0] - ctr[..., 0], p[1] - ctr[..., 1], p[2] - ctr[..., 2]
    lx, ly, lz = cx * qx - cz * qz, qy, cz * qx + cx * qz
    ax_, ay_, az_ = np.abs(lx / half[..., 0]), np.abs(ly / half[..., 1]), np.abs(lz / half[..., 2])
    axis = np.where((ax_ >= ay_) & (ax_ >= az_), 0, np.where(ay_ >= az_, 1, 2))
    lcoord = np.where(axis == 0, lx, np.where(axis == 1, ly, lz))
    pos = lcoord > 0
    face = axis * 2 + pos
    sgn = np.where(pos, f32(1), f32(-1)) * tab["sign"][bid]
    nlx = np.where(axis == 0, sgn, f32(0))
    nly = np.where(axis == 1, sgn, f32(0))
    nlz = np.where(axis == 2, sgn, f32(0))
    nw = [cx * nlx + cz * nlz, nly, cx * nlz - cz * nlx]
    ul = np.where(axis == 0, lz, lx)
    vl = np.where(axis == 1, lz, ly)
    off, scale = tab["off"][bid, face], tab["scale"][bid, face]
    tu = (ul + off[..., 0]) * scale[..., 0]
    tv = (vl + off[..., 1]) * scale[..., 1]
    mat = tab["mat"][bid, face]
    return nw, tu, tv, mat


def _cylinder_surface(world: World, tab: dict, pid: np.ndarray, p: list[np.ndarray], cyl_hits: list, surface) -> None:
    """Writes the normals, texture coordinates and materials of cylinder hits, in place.

    Args:
        world, tab: the scene and its tables (`_tables`).
        pid: int64 [H, W] primitive index of each pixel's hit.
        p: world hit points, three float32 [H, W] arrays, mm.
        cyl_hits: what `_trace_cylinders` returned.
        surface: (nw, tu, tv, mat) as `_box_surface` returned; overwritten where a cylinder is hit.
    """
    f32 = np.float32
    nw, tu, tv, mat = surface
    nb = len(world.boxes)
    for k, ys, xs, capmask in cyl_hits:
        cy = world.cylinders[k]
        m = pid[ys, xs] == nb + k
        if not m.any():
            continue
        qx, qz = p[0][ys, xs] - f32(cy.x), p[2][ys, xs] - f32(cy.z)
        inv_r = f32(1 / cy.radius)
        nx = np.where(capmask, f32(0), qx * inv_r)
        ny = np.where(capmask, f32(-1), f32(0))
        nz = np.where(capmask, f32(0), qz * inv_r)
        sc = tab["tile"][cy.side]
        for arr, val in (
            (nw[0], nx),
            (nw[1], ny),
            (nw[2], nz),
            (tu, np.where(capmask, qx, qx - qz) * sc),
            (tv, np.where(capmask, qz, p[1][ys, xs]) * sc),
            (mat, np.where(capmask, cy.top, cy.side)),
        ):
            sub = arr[ys, xs]
            sub[m] = val[m]


def _albedo(world: World, tab: dict, camera: Camera, depth: np.ndarray, mat, tu, tv, frame: int) -> np.ndarray:
    """Texture look-up, the blur level from the footprint of a pixel in texels.

    Args:
        world, tab, camera: the scene, its tables (`_tables`) and the frame's camera.
        depth: float32 [H, W] depth of the hits, mm.
        mat, tu, tv: material indices and texture coordinates [H, W] (texels).
        frame: frame index (screens scroll with it).

    Returns:
        float32 [H, W, 3] albedo, 0..255.
    """
    f32 = np.float32
    footprint = depth * f32(1 / camera.focal_px) * tab["tile"][mat]
    level = (footprint > 1.5).astype(np.int64) + (footprint > 3.5) + (footprint > 7)
    level = np.minimum(level, _LEVELS - 1)
    tv = tv + tab["scroll"][mat] * f32(frame)
    iu = np.floor(tu).astype(np.int64) & (TILE - 1)
    iv = np.floor(tv).astype(np.int64) & (TILE - 1)
    return world.atlas[level, tab["tex"][mat], iv, iu]  # [H, W, 3]


def _lamp_gain(world: World, p: list[np.ndarray], n: int) -> np.ndarray:
    """float32 [H, W] light gain (>= 1) of the world's lamp pools at the hit points `p` (mm)."""
    f32 = np.float32
    gain = np.ones((n, n), np.float32)
    for lx_, ly_, lz_, strength, radius in world.lamps:
        ex, ey, ez = p[0] - f32(lx_), p[1] - f32(ly_), p[2] - f32(lz_)
        rr = f32(radius * radius)
        gain = gain + f32(strength) * rr / (rr + ex * ex + ey * ey + ez * ez)
    return gain


def _shade_hits(world: World, tab: dict, rot, light: Light, nw, p, albedo, mat) -> tuple[np.ndarray, np.ndarray]:
    """Colour and IR reliability of the hits: Lambert + ambient and lamp pools, or emission.

    Args:
        world, tab: the scene and its tables (`_tables`).
        rot: world-from-camera rotation (`rotation`).
        light: the scene light (direction in camera coordinates).
        nw: world normals, three float32 [H, W].
        p: world hit points, three float32 [H, W], mm.
        albedo: float32 [H, W, 3], 0..255.
        mat: int64 [H, W] material indices.

    Returns:
        (rgb, ir): [H, W, 3] colour 0..255 and [H, W] IR reliability 0..1.
    """
    f32 = np.float32
    n = mat.shape[0]
    ncam = np.stack([rot[0][j] * nw[0] + rot[1][j] * nw[1] + rot[2][j] * nw[2] for j in range(3)], axis=-1)
    light_mul = shade(ncam.astype(np.float32), light)
    if world.lamps:
        light_mul = light_mul * _lamp_gain(world, p, n)[..., None]
    emission = tab["emission"][mat]
    lit = emission <= 0
    rgb = np.where(lit[..., None], albedo * light_mul, albedo * emission[..., None])
    lum = (albedo[..., 0] + albedo[..., 1] + albedo[..., 2]) * f32(1 / 3)
    ir = tab["ir"][mat] * np.clip((lum - f32(8)) * f32(1 / 50), f32(0.1), f32(1))
    return rgb, ir


def trace(world: World, camera: Camera, light: Light, frame: int) -> Layer:
    """Renders `world` as seen by `camera` in frame `frame` (screens scroll with it).

    Args:
        world: the scene.
        camera: the frame's camera.
        light: the scene light (direction in camera coordinates).
        frame: frame index (for moving textures).

    Returns:
        A Layer [H, W] covering every pixel (alpha 1), depth = camera-z of the hit, mm.
    """
    n = camera.size
    f32 = np.float32
    tab = _tables(world)
    rot = rotation(camera)
    d, inv = _ray_directions(camera, rot)
    best = np.full((n, n), np.inf, np.float32)
    pid = np.zeros((n, n), np.int64)
    _trace_boxes(world, camera, rot, d, inv, best, pid)
    cyl_hits = _trace_cylinders(world, camera, rot, d, inv, best, pid)

    depth = np.where(np.isfinite(best), best, f32(1e6)).astype(np.float32)
    o = camera.position
    p = [f32(o[i]) + depth * d[i] for i in range(3)]  # world hit points
    nw, tu, tv, mat = _box_surface(tab, pid, len(world.boxes), p)
    _cylinder_surface(world, tab, pid, p, cyl_hits, (nw, tu, tv, mat))
    albedo = _albedo(world, tab, camera, depth, mat, tu, tv, frame)
    rgb, ir = _shade_hits(world, tab, rot, light, nw, p, albedo, mat)
    return Layer(
        rgb=rgb.astype(np.float32),
        depth=depth,
        alpha=np.ones((n, n), np.float32),
        ir=ir.astype(np.float32),
    )
