"""Static worlds of the v2 viewpoints: a furnished room (home, office or a plain studio), a
desk seen from above, and a car cabin. World: floor y = 0 (y down), camera near x = 0,
looking along +z (the camera pose itself comes from `viewpoints.py`)."""

from __future__ import annotations

import numpy as np

from training.synth.randomness import uniform
from training.synth.scene import furniture as fu
from training.synth.scene import room_textures as tx
from training.synth.scene.room_trace import Box, World


def _room_materials(wb: fu.WorldBuilder, rng: np.random.Generator, family: str) -> tuple[int, int, int, int]:
    """(wall, second wall, floor, ceiling) materials for a family."""
    if family == "plain":
        wall = wb.material(tx.paint(rng, 40, 235, 0.15), tile_mm=3000.0)
        wall2 = wall if rng.integers(0, 3) else wb.material(tx.paint(rng, 30, 235, 0.2), tile_mm=3000.0)
        floor = wb.material(
            tx.paint(rng, 30, 180, 0.15) if rng.integers(0, 2) else tx.fabric(rng, 40, 140), tile_mm=800.0
        )
        ceil = wb.material(tx.paint(rng, 180, 240, 0.03), tile_mm=2000.0)
        return wall, wall2, floor, ceil
    if family == "office":
        wall = wb.material(tx.paint(rng, 150, 240, 0.1), tile_mm=2000.0)
        wall2 = wb.material(tx.paint(rng, 80, 240, 0.3), tile_mm=2000.0) if rng.integers(0, 2) else wall
        floor = wb.material(
            tx.fabric(rng, 40, 150) if rng.integers(0, 2) else tx.tiles(rng), tile_mm=uniform(rng, (300, 1200))
        )
        ceil = wb.material(tx.tiles(rng), tile_mm=uniform(rng, (1200, 2400)))
        return wall, wall2, floor, ceil
    wallpaper = bool(rng.integers(0, 2))
    wall = wb.material(
        tx.wallpaper(rng) if wallpaper else tx.paint(rng, 70, 240, 0.35), tile_mm=uniform(rng, (300, 1500))
    )
    wall2 = wb.material(tx.paint(rng, 70, 240, 0.35), tile_mm=2000.0) if rng.integers(0, 2) else wall
    kind = int(rng.integers(0, 3))
    floor_tile = (tx.wood, tx.tiles, lambda r: tx.fabric(r, 30, 200))[kind](rng)
    floor = wb.material(floor_tile, tile_mm=uniform(rng, (500, 1500)))
    ceil = wb.material(tx.paint(rng, 190, 245, 0.05), tile_mm=2000.0)
    return wall, wall2, floor, ceil


def _room_shell(
    wb: fu.WorldBuilder, rng: np.random.Generator, family: str, back_z: float
) -> tuple[float, float, float, float]:
    """Draws the room's materials and extent and adds the room box (seen from inside).

    Args:
        wb: the world being built.
        rng: the recording's scene Generator.
        family: 'home', 'office' or 'plain'.
        back_z: world z of the back wall, mm.

    Returns:
        (left, right, behind, ceiling): world x of the side walls, z of the wall behind the
        camera and y of the ceiling (negative), mm.
    """
    wall, wall2, floor, ceil = _room_materials(wb, rng, family)
    left, right = -uniform(rng, (1200.0, 3500.0)), uniform(rng, (1200.0, 3500.0))
    behind = -uniform(rng, (400.0, 2500.0))
    ceiling = -uniform(rng, (2400.0, 3200.0))
    side_l, side_r = (wall2, wall) if rng.integers(0, 2) else (wall, wall2)
    room_mats = (side_l, side_r, ceil, floor, wall, wall)
    wb.boxes.append(
        Box(
            center=((left + right) / 2, ceiling / 2, (behind + back_z) / 2),
            half=((right - left) / 2, -ceiling / 2, (back_z - behind) / 2),
            materials=room_mats,
            inside=True,
        )
    )
    return left, right, behind, ceiling


def _back_wall_item(
    wb: fu.WorldBuilder, rng: np.random.Generator, family: str, kind: int, cx: float, w: float, wz: float
) -> None:
    """Adds one item of kind 0..8 (shelf, cabinet, sofa, table, window, TV, poster, plant,
    door; kind 2 outside homes is a door too) centred at x = `cx`, `w` wide, against the
    back wall at z = `wz` (mm)."""
    if kind == 0:
        fu.shelf(wb, rng, cx, wz - 200, w)
    elif kind == 1:
        fu.cabinet(wb, rng, cx, wz - 260, w)
    elif kind == 2 and family == "home":
        fu.sofa(wb, rng, cx, wz - 450, max(w, 1400))
    elif kind == 3:
        top = fu.table(wb, rng, cx, wz - 450, w, uniform(rng, (600, 900)))
        if family == "office" or rng.integers(0, 2):
            fu.desk_monitor(wb, rng, cx, top, wz - 300, 0.0)
    elif kind == 4:
        win = fu.window_material(wb, rng)
        fu.wall_panel(wb, wz, cx, -uniform(rng, (1100, 1700)), w, uniform(rng, (800, 1500)), win, 20.0)
    elif kind == 5:
        fu.tv(wb, rng, wz, cx, -uniform(rng, (1000, 1700)), min(w, uniform(rng, (700, 1400))))
    elif kind == 6:
        poster = wb.material(tx.picture(rng), tile_mm=None)
        fu.wall_panel(wb, wz, cx, -uniform(rng, (1200, 1900)), min(w, 900), uniform(rng, (400, 1000)), poster, 10.0)
    elif kind == 7:
        fu.plant(wb, rng, cx, wz - 300)
    else:
        door = wb.material(tx.door(rng), tile_mm=None)
        fu.wall_panel(wb, wz, cx, -1025.0, 900.0, 2050.0, door, 40.0)


def _back_wall_items(
    wb: fu.WorldBuilder, rng: np.random.Generator, family: str, left: float, right: float, back_z: float
) -> None:
    """Adds a family-dependent number of items along the back wall (z = `back_z`), left to
    right from x = `left` until one would pass x = `right` (mm)."""
    busy = {"plain": (0, 2), "office": (3, 7), "home": (3, 8)}[family]
    n_items = int(rng.integers(busy[0], busy[1] + 1))
    x = left + uniform(rng, (0.0, 600.0))
    for _ in range(n_items):
        kind = int(rng.integers(0, 9))
        w = uniform(rng, (500.0, 1800.0))
        if x + w > right:
            break
        _back_wall_item(wb, rng, family, kind, x + w / 2, w, back_z)
        x += w + uniform(rng, (50.0, 700.0))


def _side_wall_items(
    wb: fu.WorldBuilder,
    rng: np.random.Generator,
    family: str,
    side_xs: tuple[float, float],
    back_z: float,
    min_clear_z: float,
) -> None:
    """Adds a window, a shelf or a poster to each side wall (x in `side_xs`, mm; a plain room
    mostly gets none), at a z between `min_clear_z` (at least 300) and `back_z` - 300 (mm)."""
    for side_x in side_xs:
        if family == "plain" and rng.integers(0, 3):
            continue
        z = uniform(rng, (max(min_clear_z, 300.0), back_z - 300))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            win = fu.window_material(wb, rng)
            fu.side_panel(
                wb,
                side_x,
                z,
                -uniform(rng, (1100, 1700)),
                uniform(rng, (700, 1800)),
                uniform(rng, (800, 1500)),
                win,
                20.0,
            )
        elif kind == 1:
            inward = 1.0 if side_x < 0 else -1.0
            fu.shelf(wb, rng, side_x + inward * 200, z, uniform(rng, (500, 1200)), yaw=inward * np.pi / 2)
        else:
            poster = wb.material(tx.picture(rng), tile_mm=None)
            fu.side_panel(
                wb, side_x, z, -uniform(rng, (1200, 1800)), uniform(rng, (400, 900)), uniform(rng, (400, 900)), poster
            )


def _room_lamps(
    wb: fu.WorldBuilder,
    rng: np.random.Generator,
    family: str,
    extent: tuple[float, float, float, float],
    back_z: float,
) -> None:
    """Adds 0..2 lamps (floor lamps in homes, else ceiling lamps) inside the room.

    Args:
        wb: the world being built.
        rng: the recording's scene Generator.
        family: 'home', 'office' or 'plain'.
        extent: (left, right, behind, ceiling) as `_room_shell` returned, mm.
        back_z: world z of the back wall, mm.
    """
    left, right, behind, ceiling = extent
    for _ in range(int(rng.integers(0, 3))):
        lx = uniform(rng, (left + 300, right - 300))
        if rng.integers(0, 2) and family == "home":
            fu.floor_lamp(wb, rng, lx, back_z - uniform(rng, (300, 900)))
        else:
            fu.ceiling_lamp(wb, rng, lx, uniform(rng, (max(behind + 300, 0.0), back_z - 300)), ceiling)


def _near_desk(wb: fu.WorldBuilder, rng: np.random.Generator) -> None:
    """Adds a desk or table with 1..5 objects on it 500..1100 mm in front of the camera."""
    dz = uniform(rng, (500.0, 1100.0))
    top = fu.table(wb, rng, uniform(rng, (-300, 300)), dz + 400, uniform(rng, (900, 1800)), 800.0)
    fu.desk_objects(wb, rng, top, (-500.0, 500.0), (dz + 100, dz + 700), int(rng.integers(1, 6)))


def room(
    rng: np.random.Generator, family: str, back_z: float, min_clear_z: float, desk: bool = False
) -> tuple[World, float]:
    """A furnished room around the camera at x = 0, z = 0.

    Args:
        rng: the recording's scene Generator.
        family: 'home', 'office' or 'plain'.
        back_z: world z of the back wall, mm.
        min_clear_z: nothing but the walls stands nearer than this z in the middle of the
            view (where the gesturer stands), mm.
        desk: put a desk or table just in front of the camera (head-worn views).

    Returns:
        The world and the room's ceiling y (negative, mm).
    """
    wb = fu.WorldBuilder()
    extent = _room_shell(wb, rng, family, back_z)
    left, right, _, ceiling = extent
    _back_wall_items(wb, rng, family, left, right, back_z)
    _side_wall_items(wb, rng, family, (left, right), back_z, min_clear_z)
    _room_lamps(wb, rng, family, extent, back_z)
    if desk:
        _near_desk(wb, rng)
    return wb.build(), ceiling


def desk_room(rng: np.random.Generator, family: str, top_y: float) -> World:
    """A desk under an overhead camera (the desk top's centre near x = 0, z = 0) in a room.

    Args:
        rng: the recording's scene Generator.
        family: 'home', 'office' or 'plain'.
        top_y: world y of the desk top (negative), mm.
    """
    wb = fu.WorldBuilder()
    wall, wall2, floor, ceil = _room_materials(wb, rng, family)
    half_w = uniform(rng, (1800.0, 3500.0))
    wb.boxes.append(
        Box(
            center=(uniform(rng, (-500, 500)), -1500.0, uniform(rng, (0, 1500))),
            half=(half_w, 1500.0, uniform(rng, (2000.0, 3500.0))),
            materials=(wall, wall2, ceil, floor, wall, wall),
            inside=True,
        )
    )
    if family == "plain":
        top = wb.material(tx.paint(rng, 30, 240, 0.2), tile_mm=1500.0)
    else:
        top = wb.material(
            tx.wood(rng) if rng.integers(0, 2) else tx.paint(rng, 40, 240, 0.3), tile_mm=uniform(rng, (400, 1500))
        )
    legs = wb.material(tx.plastic(rng, 20, 200))
    w, d = uniform(rng, (900.0, 1800.0)), uniform(rng, (600.0, 900.0))
    x0, z0 = -w / 2 + uniform(rng, (-200, 200)), -uniform(rng, (250.0, 550.0))
    wb.box((x0, top_y, z0), (x0 + w, top_y + 30.0, z0 + d), (legs, legs, top, legs, legs, legs))
    for lx in (x0 + 40, x0 + w - 80):
        wb.box((lx, top_y + 30, z0 + 40), (lx + 40, 0.0, z0 + d - 40), legs)
    if family == "plain" and rng.integers(0, 2):
        count = int(rng.integers(0, 2))
    else:
        count = int(rng.integers(2, 8))
    fu.desk_objects(wb, rng, top_y, (x0 + 150, x0 + w - 150), (z0 + 100, z0 + d - 100), count)
    if rng.integers(0, 2):
        fu.ceiling_lamp(wb, rng, uniform(rng, (-800, 800)), uniform(rng, (-500, 800)), -2900.0)
    return wb.build()


def car_cabin(rng: np.random.Generator, night: bool) -> World:
    """A car interior, left-hand drive (the driver at x < 0), the front at +z.

    The cabin box spans x -750..750, y -1250 (roof lining)..0, z -1900..900 (windscreen).
    """
    wb = fu.WorldBuilder()
    lining = wb.material(
        tx.fabric(rng, 90, 210) if not night else tx.fabric(rng, 40, 110), tile_mm=uniform(rng, (80, 300))
    )
    plastic = wb.material(tx.plastic(rng, 15, 110), tile_mm=400.0, ir=0.5)
    carpet = wb.material(tx.fabric(rng, 15, 60), tile_mm=300.0)
    gain = (0.05, 0.25) if night else (1.5, 4.0)
    glass_side = fu.window_material(wb, rng, gain)
    glass_front = fu.window_material(wb, rng, gain)
    glass_rear = fu.window_material(wb, rng, gain)
    wb.boxes.append(
        Box(
            center=(0.0, -625.0, -500.0),
            half=(750.0, 625.0, 1400.0),
            materials=(plastic, plastic, lining, carpet, plastic, plastic),
            inside=True,
        )
    )
    # windows: side glass above the belt line, windscreen and rear window
    for sx in (-750.0, 750.0):
        fu.side_panel(wb, sx, uniform(rng, (-300, 100)), -1000.0, 1300.0, 380.0, glass_side, 10.0)
        fu.side_panel(wb, sx, -1300.0, -1000.0, 700.0, 330.0, glass_side, 10.0)
    wb.box((-650.0, -1150.0, 880.0), (650.0, -750.0, 900.0), glass_front)
    wb.box((-600.0, -1150.0, -1900.0), (600.0, -830.0, -1880.0), glass_rear)
    # seats: driver and passenger (back + headrest), rear bench
    seat = wb.material(tx.fabric(rng, 15, 120), tile_mm=uniform(rng, (100, 400)))
    for sx in (-370.0, 370.0):
        lean = uniform(rng, (-0.1, 0.1))
        wb.box((sx - 250, -1000.0, -650.0), (sx + 250, -350.0, -520.0), seat, lean)
        wb.box((sx - 130, -1230.0, -640.0), (sx + 130, -1010.0, -540.0), seat)
        wb.box((sx - 260, -450.0, -520.0), (sx + 260, -300.0, -20.0), seat)
    wb.box((-700.0, -950.0, -1750.0), (700.0, -300.0, -1500.0), seat)
    # dashboard, centre console, sun visors, pillars, mirror
    wb.box((-750.0, -800.0, 500.0), (750.0, -350.0, 880.0), plastic)
    wb.box((-130.0, -450.0, -500.0), (130.0, -200.0, 500.0), plastic)
    wb.box((-40.0, -1180.0, 760.0), (40.0, -1120.0, 800.0), plastic)
    wb.box((-110.0, -1120.0, 740.0), (110.0, -1060.0, 780.0), plastic)
    for sx in (-1.0, 1.0):
        wb.box((sx * 650 - 150, -1240.0, 560.0), (sx * 650 + 150, -1215.0, 840.0), lining)
        wb.box((sx * 740 - 20, -1250.0, -250.0), (sx * 740 + 20, -700.0, -120.0), lining)
    if night:
        wb.lamps.append(
            (uniform(rng, (-600, 600)), -1100.0, uniform(rng, (-800, 600)), uniform(rng, (0.0, 1.0)), 400.0)
        )
    return wb.build()
