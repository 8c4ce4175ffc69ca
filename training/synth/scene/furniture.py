"""Builders of v2 scene content: a `WorldBuilder` that collects materials and primitives, and
furniture made of boxes and cylinders (tables, shelves, sofas, cabinets, screens, windows,
posters, doors, lamps, desk objects).

World coordinates as in camera.py: x right, y down (the floor is y = 0, heights are negative
y), z forward, mm. Every builder draws a fixed number of values from its Generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from training.synth.randomness import uniform
from training.synth.scene import room_textures as tx
from training.synth.scene.room_trace import Box, Cylinder, Material, World, build_atlas


@dataclass
class WorldBuilder:
    """Collects textures, materials and primitives, then freezes them into a `World`."""

    tiles: list[np.ndarray] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    cylinders: list[Cylinder] = field(default_factory=list)
    lamps: list[tuple[float, float, float, float, float]] = field(default_factory=list)

    def material(self, tile: np.ndarray, **kwargs) -> int:
        """Adds a texture tile and a material using it; returns the material index."""
        self.tiles.append(tile.astype(np.float32))
        self.materials.append(Material(texture=len(self.tiles) - 1, **kwargs))
        return len(self.materials) - 1

    def box(self, lo: tuple[float, float, float], hi: tuple[float, float, float], mats, yaw: float = 0.0) -> None:
        """Adds the box spanning `lo`..`hi` (before its yaw about its centre); `mats` is one
        material index or six (faces -x, +x, -y top, +y bottom, -z, +z)."""
        mats = (mats,) * 6 if isinstance(mats, int) else tuple(mats)
        centre = tuple((a + b) / 2 for a, b in zip(lo, hi))
        half = tuple(max(abs(b - a) / 2, 1.0) for a, b in zip(lo, hi))
        self.boxes.append(Box(center=centre, half=half, materials=mats, yaw=yaw))

    def build(self) -> World:
        """The frozen world (the room must have been added first)."""
        return World(
            boxes=tuple(self.boxes),
            cylinders=tuple(self.cylinders),
            materials=tuple(self.materials),
            atlas=build_atlas(self.tiles),
            lamps=tuple(self.lamps),
        )


def table(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, width: float, depth: float) -> float:
    """A table or desk centred at (x, z) on the floor: a top and four legs. Returns its top y."""
    height = uniform(rng, (680.0, 780.0))
    top = wb.material(tx.wood(rng) if rng.integers(0, 2) else tx.paint(rng, 40, 240), tile_mm=uniform(rng, (400, 1200)))
    leg = wb.material(tx.paint(rng, 20, 200))
    thick = uniform(rng, (20.0, 45.0))
    wb.box((x - width / 2, -height, z - depth / 2), (x + width / 2, -height + thick, z + depth / 2), top)
    s = uniform(rng, (25.0, 50.0))
    for sx in (-1, 1):
        for sz in (-1, 1):
            cx, cz = x + sx * (width / 2 - s - 10), z + sz * (depth / 2 - s - 10)
            wb.box((cx - s / 2, -height + thick, cz - s / 2), (cx + s / 2, 0.0, cz + s / 2), leg)
    return -height


def shelf(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, width: float, yaw: float = 0.0) -> None:
    """A bookcase (books on its front face) standing with its back at z + depth/2."""
    height = uniform(rng, (900.0, 2100.0))
    depth = uniform(rng, (280.0, 420.0))
    spacing = uniform(rng, (280.0, 400.0))
    side = wb.material(tx.wood(rng) if rng.integers(0, 2) else tx.paint(rng, 40, 240))
    front = wb.material(tx.books(rng), tile_mm=spacing)
    mats = (side, side, side, side, front, side)
    wb.box((x - width / 2, -height, z - depth / 2), (x + width / 2, 0.0, z + depth / 2), mats, yaw)


def cabinet(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, width: float, yaw: float = 0.0) -> float:
    """A cabinet or sideboard; returns its top y."""
    height = uniform(rng, (450.0, 1300.0))
    depth = uniform(rng, (350.0, 600.0))
    body = wb.material(tx.wood(rng) if rng.integers(0, 2) else tx.paint(rng, 30, 240), tile_mm=uniform(rng, (300, 900)))
    front = wb.material(tx.door(rng), tile_mm=None)
    wb.box(
        (x - width / 2, -height, z - depth / 2), (x + width / 2, 0.0, z + depth / 2), (body,) * 4 + (front, body), yaw
    )
    return -height


def sofa(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, width: float) -> None:
    """A sofa facing -z (towards the camera) with its back at z + depth/2."""
    fab = wb.material(tx.fabric(rng, 30, 210), tile_mm=uniform(rng, (150, 500)))
    depth, seat, back, arm = uniform(rng, (750, 950)), uniform(rng, (380, 480)), uniform(rng, (750, 950)), 180.0
    z0, z1 = z - depth / 2, z + depth / 2
    wb.box((x - width / 2 + arm, -seat, z0), (x + width / 2 - arm, 0, z1 - 200), fab)
    wb.box((x - width / 2, -back, z1 - 200), (x + width / 2, 0, z1), fab)
    wb.box((x - width / 2, -seat - 180, z0), (x - width / 2 + arm, 0, z1 - 200), fab)
    wb.box((x + width / 2 - arm, -seat - 180, z0), (x + width / 2, 0, z1 - 200), fab)


def wall_panel(
    wb: WorldBuilder, wall_z: float, x: float, y: float, w: float, h: float, mat: int, thick: float = 15.0
) -> None:
    """A thin box flat on the back wall (z = wall_z) centred at (x, y): poster, window, door, TV."""
    wb.box((x - w / 2, y - h / 2, wall_z - thick), (x + w / 2, y + h / 2, wall_z), mat)


def side_panel(
    wb: WorldBuilder, wall_x: float, z: float, y: float, w: float, h: float, mat: int, thick: float = 15.0
) -> None:
    """A thin box flat on a side wall (x = wall_x) centred at (z, y)."""
    inward = -thick if wall_x > 0 else thick
    lo, hi = sorted((wall_x, wall_x + inward))
    wb.box((lo, y - h / 2, z - w / 2), (hi, y + h / 2, z + w / 2), mat)


def window_material(wb: WorldBuilder, rng: np.random.Generator, gain: tuple[float, float] = (2.0, 4.0)) -> int:
    """Glass with the bright outdoors behind it (radiance above the camera's white)."""
    return wb.material(tx.outdoors(rng), tile_mm=None, emission=uniform(rng, gain), ir=0.1)


def screen_material(wb: WorldBuilder, rng: np.random.Generator) -> int:
    """A lit screen whose content scrolls (or sits still)."""
    scroll = float(rng.choice([0.0, 0.0, 0.3, 1.0, 3.0]))
    return wb.material(tx.screen(rng), tile_mm=None, emission=uniform(rng, (0.6, 1.3)), ir=0.15, scroll=scroll)


def tv(wb: WorldBuilder, rng: np.random.Generator, wall_z: float, x: float, y: float, w: float) -> None:
    """A flat TV or monitor on a wall: black bezel, screen."""
    bezel = wb.material(tx.plastic(rng, 5, 35), ir=0.2)
    scr = screen_material(wb, rng)
    h = w * 0.57
    wall_panel(wb, wall_z, x, y, w, h, bezel, 40.0)
    wall_panel(wb, wall_z - 40.0, x, y, w - 30, h - 30, scr, 2.0)


def desk_monitor(wb: WorldBuilder, rng: np.random.Generator, x: float, top_y: float, z: float, yaw: float) -> None:
    """A monitor on a stand on a desk top at `top_y`, screen facing -z."""
    w = uniform(rng, (450.0, 700.0))
    h = w * 0.6
    bezel = wb.material(tx.plastic(rng, 5, 60), ir=0.2)
    scr = screen_material(wb, rng)
    mats = (bezel,) * 4 + (scr, bezel)
    lift = uniform(rng, (80.0, 160.0))
    wb.box((x - w / 2, top_y - lift - h, z - 25), (x + w / 2, top_y - lift, z + 25), mats, yaw)
    wb.box((x - 30, top_y - lift, z), (x + 30, top_y, z + 40), bezel, yaw)
    wb.box((x - 120, top_y - 10, z - 80), (x + 120, top_y, z + 120), bezel, yaw)


def floor_lamp(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float) -> None:
    """A floor lamp: a pole and a glowing shade, with a pool of light around it."""
    pole = wb.material(tx.plastic(rng, 20, 160), ir=0.3)
    glow = wb.material(tx.paint(rng, 200, 255, 0.1), tile_mm=300.0, emission=uniform(rng, (1.5, 3.0)), ir=0.5)
    h = uniform(rng, (1300.0, 1800.0))
    r = uniform(rng, (120.0, 230.0))
    wb.cylinders.append(Cylinder(x, z, 15.0, -h, 0.0, pole, pole))
    wb.cylinders.append(Cylinder(x, z, r, -h - 300.0, -h + 20.0, glow, glow))
    wb.lamps.append((x, -h, z, uniform(rng, (0.4, 1.5)), uniform(rng, (600.0, 1500.0))))


def ceiling_lamp(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, ceiling_y: float) -> None:
    """A ceiling light (a glowing panel or disc) with its pool of light."""
    glow = wb.material(tx.paint(rng, 220, 255, 0.05), tile_mm=300.0, emission=uniform(rng, (1.8, 3.5)), ir=0.5)
    if rng.integers(0, 2):
        w, d = uniform(rng, (300.0, 1200.0)), uniform(rng, (200.0, 600.0))
        wb.box((x - w / 2, ceiling_y, z - d / 2), (x + w / 2, ceiling_y + 30.0, z + d / 2), glow)
    else:
        r = uniform(rng, (100.0, 250.0))
        wb.cylinders.append(Cylinder(x, z, r, ceiling_y + 120.0, ceiling_y, glow, glow))
    wb.lamps.append((x, ceiling_y + 300.0, z, uniform(rng, (0.3, 1.2)), uniform(rng, (900.0, 2000.0))))


def plant(wb: WorldBuilder, rng: np.random.Generator, x: float, z: float, floor_y: float = 0.0) -> None:
    """A potted plant: a pot and a stack of leafy blobs (short wide cylinders of foliage)."""
    pot = wb.material(tx.paint(rng, 40, 220, 0.4), tile_mm=300.0)
    leaf = wb.material(
        tx.fabric(rng, 40, 120) * np.array([0.55, 1.0, 0.45], np.float32), tile_mm=uniform(rng, (60, 200))
    )
    r = uniform(rng, (90.0, 220.0))
    h = r * uniform(rng, (1.0, 1.8))
    wb.cylinders.append(Cylinder(x, z, r, floor_y - h, floor_y, pot, pot))
    y = floor_y - h
    for _ in range(4):
        rr = r * uniform(rng, (0.8, 2.2))
        hh = rr * uniform(rng, (0.5, 1.2))
        ox, oz = rng.uniform(-0.4, 0.4, size=2) * r
        wb.cylinders.append(Cylinder(x + ox, z + oz, rr, y - hh, y + 40.0, leaf, leaf))
        y -= hh * 0.8


def desk_objects(
    wb: WorldBuilder,
    rng: np.random.Generator,
    top_y: float,
    xr: tuple[float, float],
    zr: tuple[float, float],
    count: int,
) -> None:
    """`count` objects lying on a desk top at `top_y` within x in `xr`, z in `zr`: keyboards,
    mugs, papers, phones, books, pens."""
    kinds = rng.integers(0, 6, size=count)
    for kind in kinds:
        x, z = uniform(rng, xr), uniform(rng, zr)
        yaw = uniform(rng, (-0.6, 0.6))
        if kind == 0:  # keyboard
            keys = wb.material(tx.keyboard(rng), tile_mm=None, ir=0.6)
            body = wb.material(tx.plastic(rng, 15, 200))
            wb.box((x - 220, top_y - 22, z - 70), (x + 220, top_y, z + 70), (body, body, keys, body, body, body), yaw)
        elif kind == 1:  # mug
            m = wb.material(tx.paint(rng, 20, 245, 0.5), tile_mm=200.0, ir=0.8)
            coffee = wb.material(tx.paint(rng, 20, 60, 0.3), tile_mm=200.0, ir=0.3)
            wb.cylinders.append(
                Cylinder(x, z, uniform(rng, (35.0, 50.0)), top_y - uniform(rng, (80, 110)), top_y, m, coffee)
            )
        elif kind == 2:  # papers
            paper = wb.material(tx.paint(rng, 225, 250, 0.02), tile_mm=None)
            wb.box((x - 105, top_y - 2, z - 148), (x + 105, top_y, z + 148), paper, yaw)
        elif kind == 3:  # phone
            glass = wb.material(tx.plastic(rng, 5, 30), ir=0.1)
            wb.box((x - 37, top_y - 9, z - 75), (x + 37, top_y, z + 75), glass, yaw)
        elif kind == 4:  # book
            cover = wb.material(tx.picture(rng), tile_mm=None)
            wb.box((x - 110, top_y - 30, z - 150), (x + 110, top_y, z + 150), cover, yaw)
        else:  # pen or cable-like stick
            pen = wb.material(tx.plastic(rng, 10, 220))
            wb.box((x - 70, top_y - 10, z - 5), (x + 70, top_y, z + 5), pen, yaw)
