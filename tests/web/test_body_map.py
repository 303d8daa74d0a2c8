"""The interview's body map: its regions against the knowledge base and anatomy, the derived
both-legs rule, and the Jinja macro's markup in every language."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

import pytest
from jinja2 import Environment, PackageLoader

from lumbar.engine.interview import next_question
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import LANGUAGES
from lumbar.web import body_map
from lumbar.web.body_map import (
    DERIVED,
    OUTLINE,
    REGIONS,
    UNDRAWN,
    VIEW_CENTRE,
    Region,
    derive_findings,
    drawn_findings,
    mark_point,
    regions_for,
    template_data_is_current,
    words_for,
)

GROUPS = ("location", "spread")
BY_ID = {region.id: region for region in REGIONS}
SVG_NS = "{http://www.w3.org/2000/svg}"
STATIC = Path(body_map.__file__).with_name("static")
Point = tuple[float, float]


def group_findings(kb: KnowledgeBase, group: str) -> list[str]:
    return [fid for fid, finding in kb.findings.items() if finding.data.group == group]


# --- the map against the knowledge base -------------------------------------------------------


def test_every_location_and_spread_finding_is_drawn_or_deliberately_not(kb: KnowledgeBase) -> None:
    wanted = {fid for group in GROUPS for fid in group_findings(kb, group)}
    drawn = drawn_findings()
    assert drawn.isdisjoint(UNDRAWN), "a finding is both drawn and listed as undrawn"
    assert wanted == drawn | set(UNDRAWN), (
        f"not on the map and not in UNDRAWN: {sorted(wanted - drawn - set(UNDRAWN))}; "
        f"not a location or spread finding: {sorted((drawn | set(UNDRAWN)) - wanted)}"
    )
    assert set(DERIVED) <= set(UNDRAWN)


def test_location_regions_are_location_findings(kb: KnowledgeBase) -> None:
    location = set(group_findings(kb, "location"))
    for region in REGIONS:
        if region.finding in location:
            assert not region.limb, region.id  # only spread regions are arms and legs


def test_region_ids_are_unique_and_plain() -> None:
    ids = [region.id for region in REGIONS]
    assert len(ids) == len(set(ids))
    for region in REGIONS:
        assert re.fullmatch(r"[a-z][a-z_]*", region.id), region.id
        assert region.id.startswith(region.view + "_"), region.id
        if region.side != "centre":
            assert region.id.endswith("_" + region.side), region.id


def test_shapes_use_absolute_commands_inside_the_viewbox() -> None:
    _, _, width, height = body_map.VIEWBOX
    for region in REGIONS:
        assert re.fullmatch(r"[MLQCZ0-9. -]+", region.shape), region.id
        assert region.shape.startswith("M") and region.shape.endswith("Z"), region.id
        x0, y0, x1, y1 = region.bounds
        assert 0 < x0 < x1 < width and 0 < y0 < y1 < height, region.id


# --- placement --------------------------------------------------------------------------------


def test_sides_follow_the_view() -> None:
    """Back view: the person's left is on the viewer's left; front view: on the viewer's right."""
    for region in REGIONS:
        x0, _, x1, _ = region.bounds
        centre = VIEW_CENTRE[region.view]
        if region.side == "centre":
            cx, _ = region.centre
            assert abs(cx - centre) < 1.0, region.id
            continue
        on_viewer_left = (region.side == "left") == (region.view == "back")
        if on_viewer_left:
            assert x1 < centre, region.id
        else:
            assert x0 > centre, region.id


def test_left_and_right_regions_mirror_each_other() -> None:
    for region in REGIONS:
        if region.side != "left":
            continue
        twin = BY_ID.get(region.id.removesuffix("_left") + "_right")
        if twin is None:
            continue
        centre = VIEW_CENTRE[region.view]
        x0, y0, x1, y1 = region.bounds
        t0, u0, t1, u1 = twin.bounds
        assert (y0, y1) == pytest.approx((u0, u1), abs=0.11)
        assert (centre - x0, centre - x1) == pytest.approx((t1 - centre, t0 - centre), abs=0.11)


def top(rid: str) -> float:
    return BY_ID[rid].bounds[1]


def bottom(rid: str) -> float:
    return BY_ID[rid].bounds[3]


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        ("back_mid_back", "back_lower_back_centre"),
        ("back_below_scapula_left", "back_flank_left"),
        ("back_flank_left", "back_lower_back_left"),
        ("back_flank_right", "back_lower_back_right"),
        ("back_lower_back_centre", "back_sacrum"),
        ("back_lower_back_left", "back_buttock_left"),
        ("back_sacrum", "back_coccyx"),
        ("back_rib_left", "back_girdle"),
        ("back_buttock_left", "back_thigh_left"),
        ("back_thigh_left", "back_lower_leg_left"),
        ("front_neck_jaw", "front_chest"),
        ("front_chest", "front_epigastrium"),
        ("front_chest", "front_below_ribs_right"),
        ("front_epigastrium", "front_abdomen"),
        ("front_rib_left", "front_girdle"),
        ("front_groin_left", "front_thigh_left"),
        ("front_thigh_right", "front_lower_leg_right"),
    ],
)
def test_regions_sit_in_anatomical_order(upper: str, lower: str) -> None:
    assert bottom(upper) <= top(lower), f"{upper} should be above {lower}"


def test_below_the_left_shoulder_blade_is_beside_the_spine_on_the_back() -> None:
    region = BY_ID["back_below_scapula_left"]
    spine = BY_ID["back_mid_back"]
    assert region.view == "back" and region.bounds[2] < spine.bounds[0]
    assert region.bounds[1] > spine.bounds[1]  # under the blade, not level with its top


def test_belly_regions_are_on_the_front_and_back_regions_on_the_back(kb: KnowledgeBase) -> None:
    front = {"loc_chest", "loc_epigastrium", "loc_abdomen", "rad_groin"}
    front |= {"loc_left_hypochondrium", "loc_right_hypochondrium"}
    back = {"loc_mid_back", "loc_below_left_scapula", "loc_sacrum_buttock", "loc_coccyx"}
    back |= {f for f in group_findings(kb, "location") if "lower_back" in f or "flank" in f}
    for region in REGIONS:
        if region.finding in front:
            assert region.view == "front", region.id
        if region.finding in back:
            assert region.view == "back", region.id


def flatten(path: str) -> list[list[Point]]:
    """Polygons through an outline path (M, L, C and Z only; other subpaths are skipped)."""
    polygons: list[list[Point]] = []
    for sub in re.findall(r"M[^M]*", path):
        if "A" in sub:
            continue
        tokens = re.findall(r"[MLCZ]|-?\d+(?:\.\d+)?", sub)
        points: list[Point] = []
        i = 0
        while i < len(tokens):
            command = tokens[i]
            values = []
            i += 1
            while i < len(tokens) and tokens[i] not in "MLCZ":
                values.append(float(tokens[i]))
                i += 1
            if command in "ML":
                points.append((values[0], values[1]))
            elif command == "C":
                (x0, y0), (x1, y1, x2, y2, x3, y3) = points[-1], values
                for k in range(1, 9):
                    t = k / 8
                    u = 1 - t
                    points.append(
                        (
                            u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                        )
                    )
        polygons.append(points)
    return polygons


def inside(polygon: list[Point], x: float, y: float) -> bool:
    result = False
    for (xa, ya), (xb, yb) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            result = not result
    return result


def shape_points(region: Region) -> list[Point]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", region.shape)]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def test_regions_lie_inside_the_figure() -> None:
    body = [polygon for path in OUTLINE for polygon in flatten(path)]
    for region in REGIONS:
        dx, dy = VIEW_CENTRE[region.view], body_map.FIGURE_TOP
        for x, y in shape_points(region):
            assert any(inside(p, x - dx, y - dy) for p in body), f"{region.id}: ({x}, {y})"


@pytest.mark.parametrize("group", GROUPS)
def test_regions_of_one_question_do_not_overlap(kb: KnowledgeBase, group: str) -> None:
    shown = regions_for(group_findings(kb, group))
    for a, b in combinations(shown, 2):
        if a.view != b.view:
            continue
        pa, pb = shape_points(a), shape_points(b)
        assert not any(inside(pb, x, y) for x, y in pa), f"{a.id} overlaps {b.id}"
        assert not any(inside(pa, x, y) for x, y in pb), f"{b.id} overlaps {a.id}"


def test_check_marks_fit_inside_their_regions() -> None:
    for region in REGIONS:
        x, y, room = mark_point(region)
        assert inside(shape_points(region), x, y), region.id
        assert room >= 3.5, region.id


# --- queries ----------------------------------------------------------------------------------


def test_regions_for_keeps_only_the_question_findings_in_order() -> None:
    shown = regions_for(["rad_thigh", "loc_coccyx", "no_such_finding"])
    assert {r.finding for r in shown} == {"rad_thigh", "loc_coccyx"}
    assert [r.id for r in shown] == [r.id for r in REGIONS if r in shown]
    assert regions_for([]) == ()
    assert regions_for(["rad_back_to_abdomen"]) == ()


def test_derive_both_legs_from_a_left_and_a_right_leg_region() -> None:
    assert derive_findings(["back_thigh_left", "front_lower_leg_right"]) == {
        "rad_thigh",
        "rad_leg_below_knee",
        "rad_both_legs",
    }
    assert derive_findings(["back_lower_leg_left", "back_lower_leg_right"]) == {
        "rad_leg_below_knee",
        "rad_both_legs",
    }


def test_one_leg_or_non_leg_regions_do_not_make_both_legs() -> None:
    assert derive_findings(["back_thigh_left", "front_lower_leg_left"]) == {
        "rad_thigh",
        "rad_leg_below_knee",
    }
    assert "rad_both_legs" not in derive_findings(["front_groin_left", "front_groin_right"])
    assert "rad_both_legs" not in derive_findings(["back_buttock_left", "back_buttock_right"])
    assert "rad_both_legs" not in derive_findings(["front_arm_left", "back_thigh_right"])
    assert derive_findings([]) == set()


def test_derive_findings_keeps_to_the_question_and_rejects_unknown_regions() -> None:
    both = ["back_thigh_left", "back_thigh_right"]
    assert derive_findings(both, findings=["rad_thigh"]) == {"rad_thigh"}
    with pytest.raises(KeyError):
        derive_findings(["back_tail"])


def test_every_leg_region_is_a_left_or_right_leg_region() -> None:
    for region in REGIONS:
        if region.limb:
            assert region.side in ("left", "right"), region.id
    sides = {r.side for r in REGIONS if r.limb == "leg"}
    for rule in DERIVED.values():
        assert set(rule.sides) <= sides


# --- the template -----------------------------------------------------------------------------


ENV = Environment(loader=PackageLoader("lumbar.web", "templates"), autoescape=True)
MACRO = ENV.from_string(
    '{% from "body_map.html" import body_map %}'
    "<form>{{ body_map(findings, selected, labels, sides, mode) }}</form>"
)


def render(
    findings: Iterable[str],
    selected: Iterable[str] = (),
    labels: dict[str, str] | None = None,
    lang: str = "en",
    mode: str = "location",
) -> str:
    findings = list(findings)
    return MACRO.render(
        findings=findings,
        selected=set(selected),
        labels=labels if labels is not None else {f: f"label {f}" for f in findings},
        sides=words_for(lang),
        mode=mode,
    )


def svgs_of(html: str) -> list[ET.Element]:
    """The map's <svg> elements, one a view (each cropped to its regions)."""
    found = [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, re.S)]
    assert found, "no <svg> in the markup"
    return found


def svg_of(html: str) -> ET.Element:
    """All the views' <svg> elements under one element, for searching them together."""
    together = ET.Element("views")
    together.extend(svgs_of(html))
    return together


def region_elements(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG_NS}g") if g.get("data-region")]


class Balanced(HTMLParser):
    """Fails on a closing tag that does not match the open one (void elements aside)."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "path", "circle"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_the_generated_block_of_the_template_is_current() -> None:
    assert template_data_is_current(), "run: python -m lumbar.web.body_map"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("group", GROUPS)
def test_macro_renders_the_question_in_every_language(
    kb: KnowledgeBase, lang: str, group: str
) -> None:
    findings = group_findings(kb, group)
    labels = {f: kb.texts.findings[f].label.get(lang) for f in findings}
    drawn = [f for f in findings if f in drawn_findings()]
    selected = drawn[:2]
    html = render(findings, selected, labels, lang, group)
    parser = Balanced()
    parser.feed(html)
    parser.close()
    assert parser.stack == []

    words = words_for(lang)
    title = words[f"title_{group}"]
    views = svgs_of(html)
    assert len(views) == 2  # both groups have regions on the back and on the front
    for view, side in zip(views, ("back", "front"), strict=True):
        assert view.get("role") == "group"
        assert view.get("aria-label") == f"{title}: {words[side].lower()}"
        assert view.findtext(f"{SVG_NS}title") == f"{title}: {words[side].lower()}"
        assert view.get("hidden") == "hidden"
    assert re.search(r'<div class="bm-map[^"]*"[^>]*aria-label="[^"]*"[^>]*\bhidden>', html)
    captions = re.findall(r'<p class="bm-caption"[^>]*>([^<]*)</p>', html)
    assert captions == [words["back"], words["front"]]
    sides = re.findall(r'<p class="bm-sides"[^>]*><span>([^<]*)</span><span>([^<]*)</span>', html)
    assert sides == [(words["left"], words["right"]), (words["right"], words["left"])]
    assert 'class="bm-status" aria-live="polite"' in html
    svg = svg_of(html)

    elements = region_elements(svg)
    assert [g.get("data-region") for g in elements] == [r.id for r in regions_for(findings)]
    for g in elements:
        region = BY_ID[g.get("data-region", "")]
        assert g.get("data-finding") == region.finding
        assert g.get("tabindex") == "0"
        assert g.get("role") == "checkbox"
        label = g.get("aria-label", "")
        assert label.startswith(labels[region.finding]), label
        for word in body_map.qualifiers(region):
            assert words[word].lower() in label
        on = region.finding in selected
        assert g.get("aria-checked") == ("true" if on else "false")
        assert ("bm-selected" in (g.get("class") or "").split()) == on
        assert g.get("data-side") == region.side
        assert g.get("data-limb") == region.limb
        assert g.find(f"{SVG_NS}path[@class='bm-shape']") is not None


def test_macro_draws_only_the_question_findings() -> None:
    html = render(["loc_lower_back_left", "loc_coccyx", "rad_back_to_abdomen"])
    ids = [g.get("data-region") for g in region_elements(svg_of(html))]
    assert ids == ["back_lower_back_left", "back_coccyx"]
    assert 'data-finding="loc_lower_back_right"' not in html


def test_macro_renders_nothing_without_drawable_findings() -> None:
    assert render(["rad_back_to_abdomen", "rad_both_legs"], mode="spread") == "<form></form>"


def test_side_words_in_labels_only_where_the_finding_does_not_say_the_side() -> None:
    html = render(["loc_lower_back_left", "rad_thigh", "rad_arm_jaw_neck"], mode="spread")
    labels = {g.get("data-region"): g.get("aria-label") for g in region_elements(svg_of(html))}
    assert labels["back_lower_back_left"] == "label loc_lower_back_left"
    assert labels["back_thigh_left"] == "label rad_thigh (left, back)"
    assert labels["front_thigh_right"] == "label rad_thigh (right, front)"
    assert labels["front_arm_left"] == "label rad_arm_jaw_neck (left, front)"
    assert labels["front_neck_jaw"] == "label rad_arm_jaw_neck (front)"


def test_labels_and_words_are_escaped() -> None:
    nasty = "<script>alert(\"x\")</script> & 'quote'"
    html = MACRO.render(
        findings=["loc_coccyx"],
        selected=set(),
        labels={"loc_coccyx": nasty},
        sides={"left": "<L>", "right": "R&R", "front": '"F"', "back": "B"},
        mode="location",
    )
    assert "<script>" not in html and "<L>" not in html
    svg = svg_of(html)
    (g,) = region_elements(svg)
    assert g.get("aria-label") == nasty
    assert "&lt;L&gt;" in html and "R&amp;R" in html  # the side words under the view


def test_derived_rule_is_passed_only_when_the_question_has_it() -> None:
    legs = ["rad_thigh", "rad_leg_below_knee"]
    with_both = render([*legs, "rad_both_legs"], mode="spread")
    match = re.search(r'data-derived="([^"]*)"', with_both)
    assert match
    derived = json.loads(match.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert derived == {"rad_both_legs": {"limb": "leg", "sides": ["left", "right"]}}
    without = render(legs, mode="spread")
    assert 'data-derived="{}"' in without
    legs_html = region_elements(svg_of(with_both))
    assert {(g.get("data-limb"), g.get("data-side")) for g in legs_html} == {
        ("leg", "left"),
        ("leg", "right"),
    }


@pytest.mark.parametrize("sex", ["female", "male"])
def test_macro_fits_the_interview_questions(kb: KnowledgeBase, sex: str) -> None:
    answers: dict[str, object] = {"age": 45, "sex": sex}
    if sex == "female":
        answers["pregnant"] = False
    for group in GROUPS:
        question = next_question(answers)
        assert question is not None and question.purpose.kind == group
        html = render(question.findings, mode=group)
        shown = {g.get("data-finding") for g in region_elements(svg_of(html))}
        assert shown == set(question.findings) & drawn_findings()
        answers.update(dict.fromkeys(question.findings, False))


# --- static files -----------------------------------------------------------------------------


def test_css_and_markup_class_names_are_prefixed() -> None:
    css = re.sub(
        r"/\*.*?\*/", "", (STATIC / "body_map.css").read_text(encoding="utf-8"), flags=re.S
    )
    css_classes = set(re.findall(r"\.([a-zA-Z][\w-]*)", css))
    assert css_classes and all(name.startswith("bm-") for name in css_classes), css_classes
    assert "prefers-reduced-motion" in css and ":focus-visible" in css
    html = render(all_drawn())
    for classes in re.findall(r'class="([^"]*)"', html):
        for name in classes.split():
            assert name.startswith("bm-"), name


def all_drawn() -> list[str]:
    return sorted({region.finding for region in REGIONS})


def test_script_never_submits_and_uses_no_map_ids() -> None:
    js = (STATIC / "body_map.js").read_text(encoding="utf-8")
    assert ".submit(" not in js and "requestSubmit" not in js
    assert 'getElementById("finding-"' in js  # only the checkboxes' documented ids
    assert "data-bm-map" in js and "aria-checked" in js and "data-derived" in js
    html = render(all_drawn())
    assert not re.search(r'<(?:svg|g|path)\b[^>]*\sid="', html)


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_colours_meet_wcag_aa() -> None:
    css = (STATIC / "body_map.css").read_text(encoding="utf-8")
    colour = dict(re.findall(r"--bm-([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    white = "#ffffff"
    assert contrast(colour["text"], white) >= 4.5  # captions and side words
    assert contrast(colour["body-edge"], white) >= 3  # the figure's outline
    assert contrast(colour["area-edge"], colour["body"]) >= 3  # a tappable area's edge
    assert contrast(colour["chosen"], colour["body"]) >= 3  # a chosen area against the body
    assert contrast(colour["chosen-edge"], colour["body"]) >= 4.5
    assert contrast(colour["tick"], colour["chosen"]) >= 4.5  # the check mark
    assert contrast(colour["focus"], colour["body"]) >= 4.5  # the focus edge
