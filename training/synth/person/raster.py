"""Ray-cast primitives (tapered capsules, ellipsoids) into a small z-buffer with analytic
anti-aliased coverage, surface normals and per-primitive surface coordinates.

Primitives are given in image space: x, y in pixels of the frame (integers are pixel
centres), depth in mm along the optical axis, radii in px with a mm-per-px factor for the
depth relief. Only basic arithmetic and np.sqrt run per pixel, so a primitive renders the
same pixels on every CPU. Each primitive touches only its bounding box.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from training.synth.layers import FAR_MM

_FRINGE = np.float32(1e6)
"""Added to the sorting key of pixels a primitive covers less than half, so that a solid
surface behind wins over a near primitive's anti-aliased fringe."""


@functools.lru_cache(maxsize=8)
def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates x, y, float32 [size, size] each (read-only)."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    xs.flags.writeable = False
    ys.flags.writeable = False
    return xs, ys


@functools.lru_cache(maxsize=8)
def _blank(size: int) -> tuple[np.ndarray, np.ndarray]:
    buf = np.zeros((9, size, size), dtype=np.float32)
    buf[:2] = FAR_MM
    return buf, np.full((size, size), -1, dtype=np.int16)


class Canvas:
    """A z-buffer of one element (the hand, the arm, the body) on a size x size grid.

    Attributes:
        depth: float32 [H, W] mm (FAR_MM where empty).
        alpha: float32 [H, W] coverage 0..1 (union of the primitives: the largest).
        nx, ny, nz: float32 [H, W] unit normal in camera coordinates (nz < 0 faces the camera).
        part: int16 [H, W] id of the front primitive (-1 where empty).
        t: float32 [H, W] position along the front capsule's axis 0..1 (0 for ellipsoids).
        q: float32 [H, W] distance from the axis / centre relative to the radius, 0..1.
        shift: float32 [H, W] how much of a depth change of the element's anchor (the
            wrist) this pixel follows (see `shifted_depth`).
        box: [y0, y1, x0, x1] bounds of everything drawn (empty when y0 >= y1).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        buf, part = _blank(size)
        self.buf = buf.copy()  # one allocation for all float planes
        self.depth, self.key, self.alpha, self.nx, self.ny, self.nz, self.t, self.q, self.shift = self.buf
        self.part = part.copy()
        self.box = [size, 0, size, 0]

    def clip(self, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice] | None:
        """Pixel slices of the box [x0, x1] x [y0, y1] inside the frame, None if empty."""
        n = self.size
        if not (x1 >= -1 and y1 >= -1 and x0 <= n and y0 <= n):  # also rejects NaN
            return None
        ix0, ix1 = max(int(np.floor(x0)), 0), min(int(np.ceil(x1)) + 1, n)
        iy0, iy1 = max(int(np.floor(y0)), 0), min(int(np.ceil(y1)) + 1, n)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        b = self.box
        self.box = [min(b[0], iy0), max(b[1], iy1), min(b[2], ix0), max(b[3], ix1)]
        return slice(iy0, iy1), slice(ix0, ix1)

    def region(self) -> tuple[slice, slice] | None:
        """Slices of everything drawn so far, None if nothing."""
        y0, y1, x0, x1 = self.box
        if y0 >= y1 or x0 >= x1:
            return None
        return slice(y0, y1), slice(x0, x1)

    def merge(
        self,
        sl: tuple[slice, slice],
        alpha: np.ndarray,
        depth: np.ndarray,
        normal: tuple[np.ndarray, np.ndarray, np.ndarray],
        part: int | np.ndarray,
        t: np.ndarray | float,
        q: np.ndarray,
        shift: np.ndarray | float = 1.0,
        key: np.ndarray | None = None,
        cover: np.ndarray | None = None,
    ) -> None:
        """Writes one primitive's box where it is in front of what is there.

        `cover` is the coverage of the surface that `depth` describes (by default `alpha`),
        `key` its sorting key (by default from depth and cover); `alpha` is added to the
        union coverage.
        """
        cover = alpha if cover is None else cover
        if key is None:
            key = depth + np.where(cover < 0.5, _FRINGE, np.float32(0))
        win = (cover > 0) & (key < self.key[sl])
        np.copyto(self.key[sl], key, where=win)
        np.copyto(self.depth[sl], depth, where=win)
        np.copyto(self.nx[sl], normal[0], where=win)
        np.copyto(self.ny[sl], normal[1], where=win)
        np.copyto(self.nz[sl], normal[2], where=win)
        np.copyto(self.part[sl], np.int16(part) if np.isscalar(part) else part, where=win)
        np.copyto(self.t[sl], np.float32(t) if np.isscalar(t) else t, where=win)
        np.copyto(self.q[sl], q, where=win)
        np.copyto(self.shift[sl], np.float32(shift) if np.isscalar(shift) else shift, where=win)
        np.maximum(self.alpha[sl], alpha, out=self.alpha[sl])


def capsule(
    canvas: Canvas,
    p0: tuple[float, float, float],
    p1: tuple[float, float, float],
    r0: float,
    r1: float,
    part: int,
    mm_per_px: float,
    relief: float = 1.0,
    shift: tuple[float, float] = (1.0, 1.0),
) -> None:
    """Draws a capsule whose radius runs linearly from r0 at p0 to r1 at p1.

    Args:
        canvas: the z-buffer to draw into.
        p0, p1: axis ends (x px, y px, depth mm).
        r0, r1: radii at the ends, px.
        part: id written to `canvas.part`.
        mm_per_px: converts the radius to the depth relief, mm per px.
        relief: scales the depth relief (1 = round cross-section, < 1 flattened).
        shift: the `Canvas.shift` weights at p0 and p1 (linear in between).
    """
    x0, y0, z0 = (float(v) for v in p0)
    x1, y1, z1 = (float(v) for v in p1)
    rm = max(r0, r1) + 1.0
    sl = canvas.clip(min(x0, x1) - rm, max(x0, x1) + rm, min(y0, y1) - rm, max(y0, y1) + rm)
    if sl is None:
        return
    gx, gy = pixel_grid(canvas.size)
    dx = gx[sl] - np.float32(x0)
    dy = gy[sl] - np.float32(y0)
    ex, ey = x1 - x0, y1 - y0
    l2 = ex * ex + ey * ey
    if l2 > 1e-9:
        t = np.clip(dx * np.float32(ex / l2) + dy * np.float32(ey / l2), np.float32(0), np.float32(1))
    else:
        t = np.zeros_like(dx)
    px = dx - t * np.float32(ex)
    py = dy - t * np.float32(ey)
    d = np.sqrt(px * px + py * py)
    r = np.float32(max(r0, 1e-3)) + t * np.float32(r1 - r0)
    r = np.maximum(r, np.float32(1e-3))
    alpha = np.clip(np.float32(0.5) + r - d, np.float32(0), np.float32(1))
    if max(r0, r1) < 0.5:  # thinner than a pixel: partial coverage at most
        alpha = alpha * np.float32(2 * max(r0, r1))
    q = np.minimum(d / r, np.float32(1))
    h = np.sqrt(np.float32(1) - q * q)
    inv = q / np.maximum(d, np.float32(1e-6))
    depth = np.float32(z0) + t * np.float32(z1 - z0) - r * h * np.float32(mm_per_px * relief)
    w = np.float32(shift[0]) + t * np.float32(shift[1] - shift[0]) if shift[0] != shift[1] else shift[0]
    canvas.merge(sl, alpha, depth, (px * inv, py * inv, -h), part, t, q, w)


def _capsules_box(
    canvas: Canvas, p0: np.ndarray, p1: np.ndarray, r0: np.ndarray, r1: np.ndarray
) -> tuple[slice, slice] | None:
    """Pixel slices of the box holding all P capsules (clipped to the frame), None if empty.

    Args:
        p0, p1: float64 [P, 3] axis ends; r0, r1: float64 [P] radii, px.
    """
    rm = np.maximum(r0, r1) + 1.0
    lo_x = np.minimum(p0[:, 0], p1[:, 0]) - rm
    hi_x = np.maximum(p0[:, 0], p1[:, 0]) + rm
    lo_y = np.minimum(p0[:, 1], p1[:, 1]) - rm
    hi_y = np.maximum(p0[:, 1], p1[:, 1]) + rm
    return canvas.clip(float(lo_x.min()), float(hi_x.max()), float(lo_y.min()), float(hi_y.max()))


def _column(values: np.ndarray | float, count: int) -> np.ndarray:
    """A per-capsule value (float [P] or a scalar) as float32 [P, 1, 1], to broadcast over a box."""
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (count,)).astype(np.float32)[:, None, None]


@dataclass(frozen=True)
class _CapsuleStack:
    """Every capsule's surface over the common box, float32 [P, h, w] each.

    Attributes:
        alpha: coverage 0..1; depth: front surface depth, mm.
        nx, ny, h: the normal's x, y and minus its z (h = -nz).
        t: position along the axis 0..1; q: distance from the axis relative to the radius.
        shift: `Canvas.shift` weight; key: sorting key (FAR_MM where uncovered).
    """

    alpha: np.ndarray
    depth: np.ndarray
    nx: np.ndarray
    ny: np.ndarray
    h: np.ndarray
    t: np.ndarray
    q: np.ndarray
    shift: np.ndarray
    key: np.ndarray


def _axis_offsets(
    size: int, sl: tuple[slice, slice], p0: np.ndarray, p1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pixel's position t 0..1 along each capsule's axis and its offset (px, py) from the
    axis, px; float32 [P, h, w] each. p0, p1: float64 [P, 3] axis ends."""
    f = np.float32
    npp = len(p0)
    gx, gy = pixel_grid(size)
    ex64, ey64 = p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1]
    l2 = ex64 * ex64 + ey64 * ey64
    safe = np.where(l2 > 1e-9, l2, 1.0)
    kx = _column(np.where(l2 > 1e-9, ex64 / safe, 0.0), npp)
    ky = _column(np.where(l2 > 1e-9, ey64 / safe, 0.0), npp)
    ex, ey = _column(ex64, npp), _column(ey64, npp)
    dx = gx[sl][None] - _column(p0[:, 0], npp)  # [P, h, w]
    dy = gy[sl][None] - _column(p0[:, 1], npp)
    t = np.clip(dx * kx + dy * ky, f(0), f(1))
    return t, dx - t * ex, dy - t * ey


def _capsule_stack(
    canvas: Canvas,
    sl: tuple[slice, slice],
    ends: tuple[np.ndarray, np.ndarray],
    radii: tuple[np.ndarray, np.ndarray],
    mm_per_px: float,
    relief: np.ndarray | float,
    shifts: tuple[np.ndarray | float, np.ndarray | float],
) -> _CapsuleStack:
    """Rasterises P capsules separately over the box `sl` (see `capsules` for the arguments;
    `ends` = (p0, p1), `radii` = (r0, r1) clamped to >= 1e-3, `shifts` = (shift0, shift1))."""
    f = np.float32
    p0, p1 = ends
    r0, r1 = radii
    npp = len(p0)
    t, px, py = _axis_offsets(canvas.size, sl, p0, p1)
    d = np.sqrt(px * px + py * py)
    ra = _column(r0, npp)
    r = ra + t * (_column(r1, npp) - ra)
    alpha = np.clip(f(0.5) + r - d, f(0), f(1)) * np.minimum(f(2) * _column(np.maximum(r0, r1), npp), f(1))
    q = np.minimum(d / r, f(1))
    h = np.sqrt(f(1) - q * q)
    inv = q / np.maximum(d, f(1e-6))
    za = _column(p0[:, 2], npp)
    depth = za + t * (_column(p1[:, 2], npp) - za) - r * h * (_column(relief, npp) * f(mm_per_px))
    sa = _column(shifts[0], npp)
    shift = sa + t * (_column(shifts[1], npp) - sa)
    key = depth + np.where(alpha < 0.5, _FRINGE, f(0))
    key = np.where(alpha > 0, key, FAR_MM)
    return _CapsuleStack(alpha, depth, px * inv, py * inv, h, t, q, shift, key)


def _merge_front(canvas: Canvas, sl: tuple[slice, slice], stack: _CapsuleStack, parts: np.ndarray) -> None:
    """Merges the nearest capsule of the stack at each pixel (the first of equals) into `canvas`."""
    best = np.argmin(stack.key, axis=0)[None]  # [1, h, w], the first of equals

    def pick(a: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, best, axis=0)[0]

    win_part = np.asarray(parts, dtype=np.int16)[best[0]]
    canvas.merge(
        sl,
        stack.alpha.max(axis=0),
        pick(stack.depth),
        (pick(stack.nx), pick(stack.ny), -pick(stack.h)),
        win_part,
        pick(stack.t),
        pick(stack.q),
        pick(stack.shift),
        key=pick(stack.key),
        cover=pick(stack.alpha),
    )


def capsules(
    canvas: Canvas,
    p0: np.ndarray,
    p1: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    parts: np.ndarray,
    mm_per_px: float,
    relief: np.ndarray | float = 1.0,
    shift0: np.ndarray | float = 1.0,
    shift1: np.ndarray | float = 1.0,
) -> None:
    """Draws P capsules at once over their common box (as `capsule`, vectorised; the
    earlier of two equally near capsules wins, as with sequential calls).

    Args:
        canvas: the z-buffer.
        p0, p1: float64 [P, 3] axis ends (x px, y px, depth mm).
        r0, r1: float [P] radii at the ends, px.
        parts: int [P] part ids.
        mm_per_px: depth relief scale.
        relief, shift0, shift1: float [P] or scalars (see `capsule`).
    """
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    r0 = np.maximum(np.asarray(r0, dtype=np.float64), 1e-3)
    r1 = np.maximum(np.asarray(r1, dtype=np.float64), 1e-3)
    sl = _capsules_box(canvas, p0, p1, r0, r1)
    if sl is None:
        return
    stack = _capsule_stack(canvas, sl, (p0, p1), (r0, r1), mm_per_px, relief, (shift0, shift1))
    _merge_front(canvas, sl, stack, parts)


def matmul3(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """3 x 3 matrix product in plain Python floats (no BLAS: the same bits on every CPU)."""
    return [[a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j] for j in range(3)] for i in range(3)]


def transpose3(a: list[list[float]]) -> list[list[float]]:
    """Transpose of a 3 x 3 matrix (lists)."""
    return [[a[j][i] for j in range(3)] for i in range(3)]


def ellipsoid(
    canvas: Canvas,
    centre: tuple[float, float, float],
    axes_px: tuple[float, float, float],
    rotation: list[list[float]],
    part: int,
    mm_per_px: float,
) -> None:
    """Draws an ellipsoid (front surface seen along the optical axis, orthographically).

    Args:
        canvas: the z-buffer.
        centre: (x px, y px, depth mm).
        axes_px: semi-axes along the ellipsoid's own x, y, z, px (depth converted to px).
        rotation: 3 x 3 image-from-ellipsoid rotation (rows: image x, y, depth).
        part: id written to `canvas.part`.
        mm_per_px: converts depth offsets in px back to mm.
    """
    inv_d = [[0.0] * 3 for _ in range(3)]
    for i in range(3):
        inv_d[i][i] = 1.0 / (axes_px[i] * axes_px[i])
    m = matmul3(matmul3(rotation, inv_d), transpose3(rotation))
    a = m[2][2]
    q00 = m[0][0] - m[0][2] * m[0][2] / a
    q01 = m[0][1] - m[0][2] * m[1][2] / a
    q11 = m[1][1] - m[1][2] * m[1][2] / a
    det = q00 * q11 - q01 * q01
    ext_x = math.sqrt(q11 / det) + 1.0
    ext_y = math.sqrt(q00 / det) + 1.0
    cx, cy, cz = (float(v) for v in centre)
    sl = canvas.clip(cx - ext_x, cx + ext_x, cy - ext_y, cy + ext_y)
    if sl is None:
        return
    gx, gy = pixel_grid(canvas.size)
    u = gx[sl] - np.float32(cx)
    v = gy[sl] - np.float32(cy)
    f = np.float32
    b = u * f(m[0][2]) + v * f(m[1][2])
    gu = u * f(q00) + v * f(q01)
    gv = u * f(q01) + v * f(q11)
    q = u * gu + v * gv
    disc = np.maximum(f(1) - q, f(0)) * f(a)
    w = (-b - np.sqrt(disc)) * f(1 / a)
    sq = np.sqrt(q)
    sd = (q - sq) / (np.sqrt(gu * gu + gv * gv) + f(1e-6))
    alpha = np.clip(f(0.5) - sd, f(0), f(1))
    nx = u * f(m[0][0]) + v * f(m[0][1]) + w * f(m[0][2])
    ny = u * f(m[1][0]) + v * f(m[1][1]) + w * f(m[1][2])
    nz = u * f(m[2][0]) + v * f(m[2][1]) + w * f(a)
    norm = f(1) / np.maximum(np.sqrt(nx * nx + ny * ny + nz * nz), f(1e-12))
    depth = f(cz) + w * f(mm_per_px)
    canvas.merge(sl, alpha, depth, (nx * norm, ny * norm, nz * norm), part, 0.0, np.minimum(sq, f(1)))


def shifted_depth(canvas: Canvas, dz: float) -> np.ndarray:
    """The canvas's depth after its anchor moved by dz mm in depth, float32 [H, W].

    Elements are rasterised at a nominal depth so that their image (coverage, colour,
    front-to-back order) cannot depend on the actual depth; the depth change is added
    afterwards, weighted per pixel by `Canvas.shift`.
    """
    if dz == 0:
        return canvas.depth.copy()
    moved = canvas.depth + canvas.shift * np.float32(dz)
    return np.where(canvas.alpha > 0, moved, FAR_MM).astype(np.float32)
