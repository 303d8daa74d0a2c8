"""The interview's body map as data: a human figure seen from the back and the front, and the
regions a person taps to say where it hurts (findings of the `location` group) or where the
pain spreads (the `spread` group).

Coordinates are SVG user units in one viewBox (`VIEWBOX`) holding both views side by side: the
back view on the left, centred on x = `VIEW_CENTRE["back"]`, the front view on the right. In the
back view the person's left is on the viewer's left; in the front view it is on the viewer's
right, as when facing someone. The figure outline and detail lines are in figure coordinates
(x = 0 on the midline, y = 0 at `FIGURE_TOP`), drawn translated to each view's centre; region
shapes are absolute, so a region's x can be compared with its view's centre directly.

Several regions may stand for one finding (both thighs for `rad_thigh`); findings that cannot be
tapped sensibly are listed in `UNDRAWN` and are answered by the form's checkboxes only; the
both-legs finding is derived from a left-leg and a right-leg region (`DERIVED`).

The Jinja macro in templates/body_map.html cannot import Python, so this module writes the data
it needs into a generated block of that template; run `python -m lumbar.web.body_map` after
changing the drawing (a test fails while the block is stale).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lumbar.web.words import word

View = Literal["back", "front"]
Side = Literal["left", "right", "centre"]
Limb = Literal["leg", "arm"]
Point = tuple[float, float]

VIEWS: tuple[View, ...] = ("back", "front")
VIEWBOX = (0.0, 0.0, 360.0, 560.0)
VIEW_CENTRE: Mapping[View, float] = {"back": 90.0, "front": 270.0}
FIGURE_TOP = 28.0
CAPTION_Y = 17.0
SIDE_WORD_Y = 550.0


@dataclass(frozen=True)
class Region:
    """One tappable area of the map.

    `side` is the person's own side (not the viewer's); `shape` is SVG path data in absolute
    viewBox units using only the commands M, L, Q, C and Z; `limb` marks arm and leg regions
    for the derived findings.
    """

    id: str
    view: View
    finding: str
    side: Side
    shape: str
    limb: Limb | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the shape's points, control points included."""
        return path_bounds(self.shape)

    @property
    def centre(self) -> Point:
        """The centroid of the polygon through the shape's points: inside for these shapes."""
        return path_centroid(self.shape)


@dataclass(frozen=True)
class DerivedRule:
    """A finding ticked when selected regions of `limb` cover every one of `sides`."""

    limb: Limb
    sides: tuple[Side, ...]


DERIVED: Mapping[str, DerivedRule] = {"rad_both_legs": DerivedRule("leg", ("left", "right"))}

UNDRAWN: Mapping[str, str] = {
    "rad_both_legs": "derived: ticked when a left-leg and a right-leg region are chosen",
    "rad_back_to_abdomen": "pain passing through the body from back to front has no one place",
    "shoulder_tip_pain": "the tip of the shoulder lies outside the back-and-belly map",
}


def path_bounds(shape: str) -> tuple[float, float, float, float]:
    """The bounding box of absolute path data's coordinates (control points included)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape)]
    xs, ys = numbers[0::2], numbers[1::2]
    return (min(xs), min(ys), max(xs), max(ys))


def path_centroid(shape: str) -> Point:
    """The area centroid of the polygon through a path's coordinates, in order."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape)]
    points = list(zip(numbers[0::2], numbers[1::2], strict=False))
    area = cx = cy = 0.0
    for (xa, ya), (xb, yb) in zip(points, [*points[1:], points[0]], strict=True):
        cross = xa * yb - xb * ya
        area += cross
        cx += (xa + xb) * cross
        cy += (ya + yb) * cross
    if abs(area) < 1e-9:
        x0, y0, x1, y1 = path_bounds(shape)
        return ((x0 + x1) / 2, (y0 + y1) / 2)
    return (cx / (3 * area), cy / (3 * area))


# --- drawing helpers -----------------------------------------------------------------------------


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _round(value: float) -> float:
    return float(_num(value))


def _pt(p: Point) -> str:
    return f"{_num(p[0])} {_num(p[1])}"


def _bezier(points: Sequence[Point], closed: bool) -> list[tuple[Point, Point, Point]]:
    """Catmull-Rom through `points` as cubic Bézier segments (c1, c2, end)."""
    n = len(points)
    count = n if closed else n - 1
    segments = []
    for i in range(count):
        p0 = points[(i - 1) % n] if closed or i > 0 else points[0]
        p1 = points[i]
        p2 = points[(i + 1) % n]
        p3 = points[(i + 2) % n] if closed or i + 2 < n else points[-1]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        segments.append((c1, c2, p2))
    return segments


def _smooth(pieces: Sequence[Sequence[Point]]) -> str:
    """A closed path, smooth through each piece; pieces meet at corners or by a straight line."""
    out = [f"M{_pt(pieces[0][0])}"]
    here = pieces[0][0]
    for piece in pieces:
        if piece[0] != here:
            out.append(f"L{_pt(piece[0])}")
        out += [f"C{_pt(c1)} {_pt(c2)} {_pt(end)}" for c1, c2, end in _bezier(piece, closed=False)]
        here = piece[-1]
    return "".join(out) + "Z"


def _closed_smooth(points: Sequence[Point]) -> str:
    parts = [f"M{_pt(points[0])}"]
    parts += [f"C{_pt(c1)} {_pt(c2)} {_pt(end)}" for c1, c2, end in _bezier(points, closed=True)]
    return "".join(parts) + "Z"


def _sample(points: Sequence[Point], steps: int = 12) -> list[Point]:
    """Dense points along the open Catmull-Rom curve through `points`."""
    out = [points[0]]
    start = points[0]
    for c1, c2, end in _bezier(points, closed=False):
        for k in range(1, steps + 1):
            t = k / steps
            u = 1 - t
            out.append(
                (
                    u**3 * start[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * end[0],
                    u**3 * start[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * end[1],
                )
            )
        start = end
    return out


def _x_at(curve: Sequence[Point], y: float) -> float:
    """x of a curve that runs monotonically in y, at height y (clamped at its ends)."""
    ordered = sorted(curve, key=lambda p: p[1])
    if y <= ordered[0][1]:
        return ordered[0][0]
    for (xa, ya), (xb, yb) in itertools.pairwise(ordered):
        if ya <= y <= yb:
            return xa if yb == ya else xa + (xb - xa) * (y - ya) / (yb - ya)
    return ordered[-1][0]


def _steps(y0: float, y1: float, step: float = 3.0) -> list[float]:
    count = max(1, math.ceil(abs(y1 - y0) / step))
    return [y0 + (y1 - y0) * k / count for k in range(count + 1)]


def _mirror(points: Iterable[Point]) -> list[Point]:
    return [(-x, y) for x, y in points]


def _offset(centre: Sequence[Point], widths: Sequence[float]) -> tuple[list[Point], list[Point]]:
    """The two edges of a strip of half-width `widths[i]` around a centre line."""
    left, right = [], []
    for i, (x, y) in enumerate(centre):
        ax, ay = centre[max(i - 1, 0)]
        bx, by = centre[min(i + 1, len(centre) - 1)]
        length = math.hypot(bx - ax, by - ay)
        nx, ny = -(by - ay) / length, (bx - ax) / length
        left.append((x + nx * widths[i], y + ny * widths[i]))
        right.append((x - nx * widths[i], y - ny * widths[i]))
    return left, right


def _rounded(points: Sequence[Point], radius: float = 3.0, min_turn: float = 25.0) -> str:
    """A closed polygon with its corners (turns over `min_turn` degrees) rounded, as path data."""
    n = len(points)
    out: list[str] = []
    for i in range(n):
        prev, here, nxt = points[i - 1], points[i], points[(i + 1) % n]
        d_in = math.hypot(here[0] - prev[0], here[1] - prev[1])
        d_out = math.hypot(nxt[0] - here[0], nxt[1] - here[1])
        turn = 0.0
        if d_in and d_out:
            dot = (here[0] - prev[0]) * (nxt[0] - here[0]) + (here[1] - prev[1]) * (
                nxt[1] - here[1]
            )
            turn = math.degrees(math.acos(max(-1.0, min(1.0, dot / (d_in * d_out)))))
        if turn < min_turn:
            out.append(f"L{_pt(here)}")
            continue
        r_in = min(radius, d_in / 2) / d_in
        r_out = min(radius, d_out / 2) / d_out
        a = (here[0] + (prev[0] - here[0]) * r_in, here[1] + (prev[1] - here[1]) * r_in)
        b = (here[0] + (nxt[0] - here[0]) * r_out, here[1] + (nxt[1] - here[1]) * r_out)
        out.append(f"L{_pt(a)}Q{_pt(here)} {_pt(b)}")
    return "M" + "".join(out)[1:] + "Z"


# --- the figure (figure coordinates: x = 0 on the midline, right half drawn, then mirrored) -----

# Eight heads tall: chin 1 head below the crown, nipples 2, navel 3, crotch 4, knees about 5.7.
_HEAD = [
    (0.0, 0.0),
    (14.0, 2.5),
    (21.5, 12.0),
    (23.0, 26.0),
    (21.5, 40.0),
    (17.5, 51.0),
    (10.0, 59.5),
    (0.0, 62.5),
]
_EAR: Point = (22.0, 32.0)

# Neck, shoulder, the side of the trunk, the outside of the leg: y only increases.
_OUTER = [
    (11.5, 52.0),
    (12.0, 66.0),
    (16.0, 74.0),
    (30.0, 80.0),
    (45.0, 85.0),
    (54.0, 91.0),
    (57.5, 102.0),
    (55.0, 117.0),
    (46.5, 128.0),
    (43.5, 142.0),
    (42.5, 158.0),
    (40.5, 172.0),
    (38.5, 186.0),
    (39.5, 200.0),
    (43.0, 216.0),
    (46.5, 234.0),
    (48.0, 250.0),
    (47.5, 266.0),
    (46.0, 284.0),
    (43.5, 306.0),
    (40.0, 328.0),
    (36.5, 348.0),
    (34.5, 362.0),
    (35.5, 378.0),
    (36.5, 394.0),
    (34.5, 414.0),
    (29.5, 436.0),
    (25.0, 456.0),
    (23.5, 468.0),
    (25.0, 480.0),
    (28.5, 490.0),
]
_SOLE = [(28.5, 496.5), (22.0, 499.0), (10.0, 498.5)]
# The inside of the leg, from the foot up to the crotch: y only decreases.
_INNER = [
    (8.0, 492.0),
    (9.0, 479.0),
    (11.0, 466.0),
    (10.5, 448.0),
    (11.0, 426.0),
    (13.0, 404.0),
    (12.5, 386.0),
    (10.5, 368.0),
    (9.0, 352.0),
    (7.5, 328.0),
    (5.5, 300.0),
    (3.0, 276.0),
    (0.0, 268.0),
]
# The arm hangs a little away from the body, palm forward; centre line and half-widths.
_ARM_LINE = [
    (49.0, 98.0),
    (53.5, 112.0),
    (57.5, 140.0),
    (60.0, 168.0),
    (62.0, 190.0),
    (64.5, 214.0),
    (67.0, 240.0),
    (68.5, 258.0),
    (70.0, 274.0),
    (70.5, 292.0),
]
_ARM_WIDTH = [9.0, 12.5, 10.5, 9.0, 8.0, 8.8, 7.4, 5.6, 7.4, 6.6]
_ARM_TIP = (70.0, 306.0)


def _torso_outline() -> str:
    """Neck, trunk and legs: down the right side, round the legs, up the left side."""
    left_outer, left_inner, left_sole = _mirror(_OUTER), _mirror(_INNER), _mirror(_SOLE)
    return _smooth(
        [
            _OUTER,
            [_OUTER[-1], *_SOLE, _INNER[0]],
            [*_INNER[:-1], *reversed(left_inner[:-1])],
            [left_inner[0], *reversed(left_sole), left_outer[-1]],
            list(reversed(left_outer)),
        ]
    )


def _arm_outline(sign: int) -> str:
    outer, inner = _offset(_ARM_LINE, _ARM_WIDTH)
    # `outer` lies on the +normal side; for a right arm (+x) that is the inner side.
    edge_a, edge_b = (outer, inner) if outer[3][0] > inner[3][0] else (inner, outer)
    points = [*edge_a, _ARM_TIP, *reversed(edge_b)]
    if sign < 0:
        points = _mirror(points)
    return _closed_smooth(points)


def _head_outline() -> str:
    right = _HEAD[1:-1]
    return _closed_smooth([_HEAD[0], *right, _HEAD[-1], *reversed(_mirror(right))])


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> str:
    return (
        f"M{_pt((cx - rx, cy))}A{_num(rx)} {_num(ry)} 0 1 0 {_pt((cx + rx, cy))}"
        f"A{_num(rx)} {_num(ry)} 0 1 0 {_pt((cx - rx, cy))}Z"
    )


OUTLINE: tuple[str, ...] = (
    _ellipse(_EAR[0], _EAR[1], 3.2, 7.0),
    _ellipse(-_EAR[0], _EAR[1], 3.2, 7.0),
    _head_outline(),
    _torso_outline(),
    _arm_outline(+1),
    _arm_outline(-1),
)

_OUTER_CURVE = _sample([*_OUTER, _SOLE[0]], 12)
_INNER_CURVE = _sample(_INNER, 12)


def _outer_x(y: float) -> float:
    return _x_at(_OUTER_CURVE, y)


def _inner_x(y: float) -> float:
    return _x_at(_INNER_CURVE, y)


def _line(points: Sequence[Point]) -> str:
    return f"M{_pt(points[0])}" + "".join(f"L{_pt(p)}" for p in points[1:])


def _curve(points: Sequence[Point]) -> str:
    out = f"M{_pt(points[0])}"
    for c1, c2, end in _bezier(points, closed=False):
        out += f"C{_pt(c1)} {_pt(c2)} {_pt(end)}"
    return out


def _both(points: Sequence[Point]) -> list[str]:
    """A smooth line and its mirror image."""
    return [_curve(points), _curve(_mirror(points))]


_SCAPULA: list[Point] = [(12.0, 94.0), (33.0, 90.0), (37.0, 98.0), (22.0, 131.0), (13.0, 110.0)]

# Quiet anatomical landmarks: they tell the back from the front at a glance.
DETAILS: Mapping[View, tuple[str, ...]] = {
    "back": (
        _line([(0.0, 78.0), (0.0, 246.0)]),  # spine
        _closed_smooth(_SCAPULA),  # shoulder blades
        _closed_smooth(_mirror(_SCAPULA)),
        _curve([(0.0, 252.0), (0.0, 274.0)]),  # cleft of the buttocks
        *_both([(3.0, 282.0), (20.0, 288.0), (38.0, 284.0)]),  # gluteal folds
        *_both([(16.0, 366.0), (23.0, 368.0), (30.0, 366.0)]),  # backs of the knees
        *_both([(58.0, 190.0), (62.0, 192.0), (66.0, 190.0)]),  # elbows
    ),
    "front": (
        *_both([(7.0, 84.0), (20.0, 87.5), (38.0, 87.0), (48.0, 90.0)]),  # collarbones
        _line([(0.0, 96.0), (0.0, 142.0)]),  # breastbone
        *_both([(0.0, 144.0), (14.0, 156.0), (28.0, 172.0), (36.0, 186.0)]),  # rib margins
        *_both([(40.0, 234.0), (24.0, 248.0), (9.0, 262.0)]),  # groin creases
        _ellipse(22.5, 360.0, 5.0, 6.5),  # kneecaps
        _ellipse(-22.5, 360.0, 5.0, 6.5),
    ),
}
NAVEL: Point = (0.0, 196.0)


# --- regions -------------------------------------------------------------------------------------

_INSET = 3.0  # regions stay inside the outline so it stays visible
_B = 1.5  # half the gap between neighbouring regions


def _sign(view: View, side: Side) -> int:
    """+1 when the person's `side` is on the viewer's right in `view`."""
    if side == "centre":
        return 1
    return (1 if side == "right" else -1) * (1 if view == "back" else -1)


def _place(view: View, points: Iterable[Point], sign: int = 1) -> list[Point]:
    cx = VIEW_CENTRE[view]
    return [(cx + sign * x, FIGURE_TOP + y) for x, y in points]


def _lateral(y0: float, y1: float, inner: float) -> list[Point]:
    """From `inner` out to the side of the body, between heights y0 and y1 (right half)."""
    edge = [(_outer_x(y) - _INSET, y) for y in _steps(y0, y1)]
    return [(inner, y0), *edge, (inner, y1)]


def _across(y0: float, y1: float) -> list[Point]:
    """A band across the whole trunk between heights y0 and y1."""
    right = [(_outer_x(y) - _INSET, y) for y in _steps(y0, y1)]
    return [*right, *reversed(_mirror(right))]


def _leg(y0: float, y1: float) -> list[Point]:
    """One leg (right half) between heights y0 and y1."""
    outer = [(_outer_x(y) - _INSET, y) for y in _steps(y0, y1)]
    inner = [(_inner_x(y) + _INSET, y) for y in _steps(y1, y0)]
    return [*outer, *inner]


def _strip(centre: Sequence[Point], half: float) -> list[Point]:
    """A band of half-width `half` along a smooth centre line."""
    line = _sample(centre, 6)
    a, b = _offset(line, [half] * len(line))
    return [*a, *reversed(b)]


def _arm() -> list[Point]:
    """The right arm from the shoulder cap to the fingertips, inside the outline."""
    line = _ARM_LINE[1:]
    widths = [w - _INSET for w in _ARM_WIDTH[1:]]
    a, b = _offset(line, widths)
    tip = (_ARM_TIP[0], _ARM_TIP[1] - _INSET)
    return [(line[0][0] - 4.0, line[0][1] - 8.0), *a, tip, *reversed(b)]


def _region(
    rid: str,
    view: View,
    finding: str,
    side: Side,
    points: Sequence[Point],
    limb: Limb | None = None,
) -> Region:
    """A region from figure-coordinate points of the right half (mirrored for `side`)."""
    return Region(rid, view, finding, side, _rounded(_place(view, points, _sign(view, side))), limb)


def _sided(
    name: str,
    view: View,
    finding: str,
    points: Sequence[Point],
    limb: Limb | None = None,
) -> tuple[Region, Region]:
    """The same area on the person's left and right."""
    return (
        _region(f"{view}_{name}_left", view, finding, "left", points, limb),
        _region(f"{view}_{name}_right", view, finding, "right", points, limb),
    )


_SPINE = 11.0  # half-width of the central column on the back


def _build_regions() -> tuple[Region, ...]:
    regions: list[Region] = []
    add = regions.append
    # Back view, location: a central column over the spine, the sides from the shoulder blade
    # down to the buttocks.
    add(
        _region(
            "back_mid_back",
            "back",
            "loc_mid_back",
            "centre",
            [(-_SPINE, 96.0), (_SPINE, 96.0), (_SPINE, 176.0 - _B), (-_SPINE, 176.0 - _B)],
        )
    )
    add(
        _region(
            "back_below_scapula_left",
            "back",
            "loc_below_left_scapula",
            "left",
            _lateral(136.0, 164.0 - _B, _SPINE + 2 * _B),
        )
    )
    add(_region("back_flank_left", "back", "loc_flank_left", "left", _flank()))
    add(_region("back_flank_right", "back", "loc_flank_right", "right", _flank()))
    add(
        _region(
            "back_lower_back_left",
            "back",
            "loc_lower_back_left",
            "left",
            _lateral(194.0 + _B, 223.0 - _B, _SPINE + 2 * _B),
        )
    )
    add(
        _region(
            "back_lower_back_centre",
            "back",
            "loc_lower_back_central",
            "centre",
            [
                (-_SPINE, 176.0 + _B),
                (_SPINE, 176.0 + _B),
                (_SPINE, 223.0 - _B),
                (-_SPINE, 223.0 - _B),
            ],
        )
    )
    add(
        _region(
            "back_lower_back_right",
            "back",
            "loc_lower_back_right",
            "right",
            _lateral(194.0 + _B, 223.0 - _B, _SPINE + 2 * _B),
        )
    )
    add(_region("back_sacrum", "back", "loc_sacrum_buttock", "centre", _SACRUM))
    regions.extend(_sided("buttock", "back", "loc_sacrum_buttock", _buttock()))
    add(_region("back_coccyx", "back", "loc_coccyx", "centre", _COCCYX))
    # Back view, spread.
    regions.extend(_sided("rib", "back", "rad_along_rib", _strip(_RIB_BACK, 6.5)))
    add(_region("back_girdle", "back", "rad_girdle", "centre", _across(_GIRDLE[0], _GIRDLE[1])))
    add(_region("back_arm_left", "back", "rad_arm_jaw_neck", "left", _arm(), "arm"))
    regions.extend(_sided("thigh", "back", "rad_thigh", _leg(292.0, 356.0), "leg"))
    regions.extend(_sided("lower_leg", "back", "rad_leg_below_knee", _leg(378.0, 492.0), "leg"))
    # Front view, location.
    add(_region("front_chest", "front", "loc_chest", "centre", _chest()))
    regions.extend(_front_upper_belly())
    add(_region("front_abdomen", "front", "loc_abdomen", "centre", _abdomen()))
    # Front view, spread.
    add(_region("front_neck_jaw", "front", "rad_arm_jaw_neck", "centre", _neck_jaw()))
    add(_region("front_arm_left", "front", "rad_arm_jaw_neck", "left", _arm(), "arm"))
    regions.extend(_sided("rib", "front", "rad_along_rib", _strip(_RIB_FRONT, 6.5)))
    add(_region("front_girdle", "front", "rad_girdle", "centre", _across(_GIRDLE[0], _GIRDLE[1])))
    regions.extend(_sided("groin", "front", "rad_groin", _strip(_GROIN, 7.5)))
    regions.extend(_sided("thigh", "front", "rad_thigh", _leg(282.0, 346.0), "leg"))
    regions.extend(_sided("lower_leg", "front", "rad_leg_below_knee", _leg(378.0, 492.0), "leg"))
    # Tab order: view by view, top to bottom, then the viewer's left to right.
    return tuple(
        sorted(regions, key=lambda r: (VIEWS.index(r.view), round(r.bounds[1]), r.bounds[0]))
    )


def _flank() -> list[Point]:
    return _lateral(164.0 + _B, 194.0 - _B, _SPINE + 2 * _B)


_SACRUM: list[Point] = [(-19.0, 226.0), (19.0, 226.0), (8.5, 250.0), (-8.5, 250.0)]
_COCCYX: list[Point] = [(-10.0, 253.0), (10.0, 253.0), (6.5, 275.0), (-6.5, 275.0)]


def _buttock() -> list[Point]:
    top = 226.0
    outer = [(_outer_x(y) - _INSET, y) for y in _steps(top, 281.0)]
    fold = [(36.0, 285.5), (20.0, 287.0), (7.5, 283.5)]
    inner = [(5.5, 279.5), (6.5 + 2 * _B, 276.5), (10.0 + 2 * _B, 253.0), (22.0 + _B, top)]
    return [*outer, *fold, *inner]


_RIB_BACK: list[Point] = [(7.0, 130.0), (21.0, 133.0), (31.0, 138.5), (37.0, 145.0)]
_RIB_FRONT: list[Point] = [(37.0, 144.0), (29.0, 149.5), (18.0, 153.0), (8.0, 154.0)]
_GIRDLE = (163.0, 187.0)
_GROIN: list[Point] = [(40.0, 240.0), (26.0, 252.0), (12.0, 266.0)]


def _neck_jaw() -> list[Point]:
    """The lower face along the jaw, and the front of the neck (right half, then mirrored)."""
    right = [(17.0, 44.0), (16.0, 50.0), (12.5, 55.5), (9.5, 59.0), (8.8, 66.0), (9.0, 82.0)]
    return [*reversed(_mirror(right)), *right]


def _chest() -> list[Point]:
    right = [(min(38.0, _outer_x(y) - _INSET), y) for y in _steps(94.0, 138.0)]
    return [*reversed(_mirror(right)), *right]


def _front_upper_belly() -> list[Region]:
    """Below the breastbone between the rib margins, and under the ribs on either side."""
    top, bottom = 142.0, 178.0
    epigastrium = [(-6.0, top), (6.0, top), (20.0, bottom), (-20.0, bottom)]
    edge = [(_outer_x(y) - _INSET, y) for y in _steps(top, bottom)]
    under_ribs = [(7.0 + 2 * _B, top), *edge, (21.0 + 2 * _B, bottom)]
    return [
        _region("front_epigastrium", "front", "loc_epigastrium", "centre", epigastrium),
        _region("front_below_ribs_left", "front", "loc_left_hypochondrium", "left", under_ribs),
        _region("front_below_ribs_right", "front", "loc_right_hypochondrium", "right", under_ribs),
    ]


def _abdomen() -> list[Point]:
    right = [(_outer_x(y) - _INSET, y) for y in _steps(182.0, 236.0)]
    crease = [(24.0, 248.0), (10.0, 260.0), (0.0, 262.0)]
    half = [*right, *crease]
    return [*reversed(_mirror(half[:-1])), *half]


REGIONS: tuple[Region, ...] = _build_regions()


# --- queries -------------------------------------------------------------------------------------


def regions_for(findings: Collection[str]) -> tuple[Region, ...]:
    """The regions of the question's findings, in drawing (and tab) order."""
    wanted = set(findings)
    return tuple(region for region in REGIONS if region.finding in wanted)


def drawn_findings() -> frozenset[str]:
    return frozenset(region.finding for region in REGIONS)


def derive_findings(
    selected_regions: Collection[str], findings: Collection[str] | None = None
) -> set[str]:
    """The findings a set of tapped region ids stands for, with the derived ones.

    `findings`, when given, limits the result to the question's findings. Raises KeyError for
    an unknown region id.
    """
    by_id = {region.id: region for region in REGIONS}
    chosen = [by_id[rid] for rid in selected_regions]
    result = {region.finding for region in chosen}
    for finding, rule in DERIVED.items():
        if all(any(r.limb == rule.limb and r.side == side for r in chosen) for side in rule.sides):
            result.add(finding)
    if findings is not None:
        result &= set(findings)
    return result


def qualifiers(region: Region) -> tuple[str, ...]:
    """Words (keys of the macro's `sides`) that tell this region from others of its finding.

    The side, when the finding has regions on more than one side (its label does not say
    which); the view, when it has regions in both views.
    """
    siblings = [r for r in REGIONS if r.finding == region.finding]
    words: list[str] = []
    if region.side != "centre" and len({r.side for r in siblings}) > 1:
        words.append(region.side)
    if len({r.view for r in siblings}) > 1:
        words.append(region.view)
    return tuple(words)


def _path_points(shape: str) -> list[Point]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape)]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def _inside(points: Sequence[Point], x: float, y: float) -> bool:
    inside = False
    for (xa, ya), (xb, yb) in zip(points, [*points[1:], points[0]], strict=True):
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            inside = not inside
    return inside


def _edge_distance(points: Sequence[Point], x: float, y: float) -> float:
    best = math.inf
    for (xa, ya), (xb, yb) in zip(points, [*points[1:], points[0]], strict=True):
        dx, dy = xb - xa, yb - ya
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - xa) * dx + (y - ya) * dy) / length))
        best = min(best, math.hypot(x - xa - t * dx, y - ya - t * dy))
    return best


def mark_point(region: Region, room: float = 7.0) -> tuple[float, float, float]:
    """Where a region's check mark goes, and the distance from there to the region's edge.

    The inside point with the most room up to `room`, nearest the centroid among equals: a grid
    search, then a finer one around the best point.
    """
    points = _path_points(region.shape)
    x0, y0, x1, y1 = region.bounds
    cx, cy = region.centre
    best = (cx, cy, 0.0)
    best_key = (0.0, 0.0)

    def search(xs: Iterable[float], ys: Iterable[float]) -> None:
        nonlocal best, best_key
        for y in ys:
            for x in xs:
                if not _inside(points, x, y):
                    continue
                distance = _edge_distance(points, x, y)
                key = (min(distance, room), -math.hypot(x - cx, y - cy))
                if key > best_key:
                    best, best_key = (x, y, distance), key

    search(
        [x0 + 2.0 * k for k in range(int((x1 - x0) / 2) + 1)],
        [y0 + 2.0 * k for k in range(int((y1 - y0) / 2) + 1)],
    )
    bx, by, _ = best
    search([bx + 0.5 * k for k in range(-4, 5)], [by + 0.5 * k for k in range(-4, 5)])
    return best


def _tick(region: Region) -> str:
    """A check mark inside the region, shown when it is selected; smaller in narrow regions."""
    x, y, room = mark_point(region)
    scale = max(0.55, min(1.0, (room - 1.0) / 6.0))
    points = [(-5.0, 0.0), (-1.5, 3.5), (5.5, -4.0)]
    return _line([(x + scale * dx, y + scale * dy) for dx, dy in points])


MAP_WORDS = (
    "left",
    "right",
    "front",
    "back",
    "title_location",
    "title_spread",
    "chosen",
    "removed",
)


def words_for(lang: str) -> dict[str, str]:
    """The macro's `sides` words in `lang`, from web/text.yaml (`web_body_map_*`)."""
    return {key: word(f"web_body_map_{key}", lang) for key in MAP_WORDS}


# --- the template's generated data block ---------------------------------------------------------

TEMPLATE = Path(__file__).with_name("templates") / "body_map.html"
_BEGIN = "{#- BEGIN GENERATED by `python -m lumbar.web.body_map`: do not edit -#}"
_END = "{#- END GENERATED -#}"


def template_data() -> str:
    """The Jinja block that defines the map data the macro draws."""
    views = []
    for view in VIEWS:
        sign = -1 if view == "back" else 1  # where the person's left is, seen by the viewer
        views.append(
            {
                "name": view,
                "transform": f"translate({_num(VIEW_CENTRE[view])} {_num(FIGURE_TOP)})",
                "details": list(DETAILS[view]),
                "navel": [NAVEL[0], NAVEL[1]] if view == "front" else None,
                "caption_x": VIEW_CENTRE[view],
                "left_x": VIEW_CENTRE[view] + sign * 40.0,
                "right_x": VIEW_CENTRE[view] - sign * 40.0,
            }
        )
    regions = [
        {
            "id": r.id,
            "view": r.view,
            "finding": r.finding,
            "side": r.side,
            "limb": r.limb,
            "d": r.shape,
            "box": [_round(v) for v in r.bounds],
            "tick": _tick(r),
            "qualifiers": list(qualifiers(r)),
        }
        for r in REGIONS
    ]
    derived = {fid: {"limb": rule.limb, "sides": list(rule.sides)} for fid, rule in DERIVED.items()}
    data = {
        "viewbox": " ".join(_num(v) for v in VIEWBOX),
        "caption_y": CAPTION_Y,
        "side_word_y": SIDE_WORD_Y,
        "outline": list(OUTLINE),
        "views": views,
        "regions": regions,
        "derived": derived,
    }
    lines = [_BEGIN]
    for key, value in data.items():
        text = json.dumps(value, ensure_ascii=True, indent=None, separators=(", ", ": "))
        text = text.replace("null", "none")
        lines.append(f"{{%- set bm_{key} = {text} -%}}")
    lines.append(_END)
    return "\n".join(lines)


def write_template_data(path: Path = TEMPLATE) -> bool:
    """Rewrite the generated block of the template; True when it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(_BEGIN), text.index(_END) + len(_END)
    updated = text[:start] + template_data() + text[end:]
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


def template_data_is_current(path: Path = TEMPLATE) -> bool:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(_BEGIN), text.index(_END) + len(_END)
    return text[start:end] == template_data()


if __name__ == "__main__":  # pragma: no cover
    changed = write_template_data()
    sys.stdout.write(f"{TEMPLATE}: {'updated' if changed else 'already current'}\n")
