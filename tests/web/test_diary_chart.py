"""The pain diary chart (inline SVG) and its trend."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from lumbar.engine.diary import DiaryEntry
from lumbar.kb.loader import KnowledgeBase, default_knowledge_base
from lumbar.web.diary_chart import (
    MAX_X_LABELS,
    diary_chart_svg,
    diary_days,
    diary_runs,
    diary_trend,
)

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 11, 2)


def _entries(*pains: int | None, function: bool = False) -> list[DiaryEntry]:
    """One entry a day from START; None leaves that day out."""
    return [
        DiaryEntry(
            day=START + timedelta(days=n), pain=pain, function=10 - pain if function else None
        )
        for n, pain in enumerate(pains)
        if pain is not None
    ]


def _parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    return ET.fromstring(str(chart))


def _lines(root: ET.Element, measure: str) -> list[list[tuple[float, float]]]:
    lines = []
    for line in root.iter(f"{SVG}polyline"):
        if line.attrib.get("class") == f"diary-{measure}":
            pairs = (point.split(",") for point in line.attrib["points"].split())
            lines.append([(float(x), float(y)) for x, y in pairs])
    return lines


def test_empty_diary_is_a_wellformed_chart_that_says_so(kb: KnowledgeBase) -> None:
    root = _parse(diary_chart_svg([], lang="en", kb=kb))
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"] == kb.texts.ui["diary_chart_empty"].en
    assert root.find(f"{SVG}title") is not None
    assert not _lines(root, "pain")
    assert kb.texts.ui["diary_chart_empty"].en in "".join(root.itertext())


def test_single_entry_is_a_marker_without_a_line(kb: KnowledgeBase) -> None:
    root = _parse(diary_chart_svg(_entries(5), lang="en", kb=kb))
    assert not _lines(root, "pain")
    assert len(list(root.iter(f"{SVG}circle"))) == 2  # the point and the legend
    assert root.attrib["aria-label"].startswith("One diary entry: pain 5 (0-10) on 2 Nov 2026")


def test_label_title_and_description_say_the_trend_in_words(kb: KnowledgeBase) -> None:
    pains = (7, 7, 6, 6, 5, 5, 4, 4, 3, 3)
    root = _parse(diary_chart_svg(_entries(*pains, function=True), lang="en", kb=kb))
    label = root.attrib["aria-label"]
    assert label.startswith("Pain went from 7 to 3 (0-10 scale) over 10 days.")
    assert "Daily activities went from 3 to 7" in label
    assert "Pain trend: Getting better." in label
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == kb.texts.ui["diary_heading"].en
    assert desc is not None and desc.text == label
    assert "viewBox" in root.attrib and root.attrib["width"] == "100%"
    assert "height" not in root.attrib


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_words_in_ukrainian_and_russian(kb: KnowledgeBase, lang: str) -> None:
    root = _parse(diary_chart_svg(_entries(7, 5, 3), lang=lang, kb=kb))
    expected = kb.texts.ui["diary_chart_summary"].get(lang).format(first=7, last=3, days=3)
    assert root.attrib["aria-label"].startswith(expected)
    assert kb.texts.ui["diary_pain_label"].get(lang) in "".join(root.itertext())


def test_a_missing_day_breaks_the_line(kb: KnowledgeBase) -> None:
    root = _parse(diary_chart_svg(_entries(6, 5, 5, None, 4, 4, None, None, 3), lang="en", kb=kb))
    lines = _lines(root, "pain")
    assert [len(line) for line in lines] == [3, 2]  # the last day stands alone
    step = lines[0][1][0] - lines[0][0][0]
    for line in lines:  # every segment spans exactly one day
        for (x1, _), (x2, _) in itertools.pairwise(line):
            assert x2 - x1 == pytest.approx(step, abs=0.11)


def test_missing_function_breaks_only_the_dashed_line(kb: KnowledgeBase) -> None:
    entries = [
        DiaryEntry(day=START + timedelta(days=n), pain=5, function=None if n == 2 else 5)
        for n in range(5)
    ]
    root = _parse(diary_chart_svg(entries, lang="en", kb=kb))
    assert [len(line) for line in _lines(root, "pain")] == [5]
    assert [len(line) for line in _lines(root, "function")] == [2, 2]
    dashed = [
        line for line in root.iter(f"{SVG}polyline") if line.attrib.get("class") == "diary-function"
    ]
    assert all("stroke-dasharray" in line.attrib for line in dashed)


def test_warning_signs_and_new_leg_symptoms_are_marked(kb: KnowledgeBase) -> None:
    entries = [
        DiaryEntry(day=START, pain=4),
        DiaryEntry(day=START + timedelta(days=1), pain=5, new_leg_symptoms=True),
        DiaryEntry(day=START + timedelta(days=2), pain=6, warning_signs={"fever": True}),
        DiaryEntry(day=START + timedelta(days=3), pain=6, warning_signs={"fever": False}),
    ]
    root = _parse(diary_chart_svg(entries, lang="en", kb=kb))
    polygons = list(root.iter(f"{SVG}polygon"))
    assert len(polygons) == 4  # a triangle and a diamond in the legend and on the chart
    label = root.attrib["aria-label"]
    assert "Warning signs recorded: 4 Nov 2026." in label
    assert "New leg symptoms: 3 Nov 2026." in label


DAY_LABEL = re.compile(r"\d{1,2} [A-Z][a-z]{2}")  # an English axis date: "5 Mar"


def test_ninety_days_stay_readable(kb: KnowledgeBase) -> None:
    pains = [max(0, 8 - n // 12) if n % 17 else None for n in range(95)]
    entries = _entries(*pains, function=True)
    root = _parse(diary_chart_svg(entries, lang="en", kb=kb))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text and DAY_LABEL.fullmatch(t.text)]
    assert 2 <= len(labels) <= MAX_X_LABELS
    assert len(_lines(root, "pain")) == len(diary_runs(entries, "pain"))
    assert len(list(root.iter(f"{SVG}circle"))) <= 3  # dense: markers only for lone days


def test_text_from_the_kb_is_escaped() -> None:
    kb = default_knowledge_base()
    chart = str(diary_chart_svg(_entries(3, 4), lang="en", kb=kb))
    assert "<script" not in chart
    ET.fromstring(chart)


@pytest.mark.parametrize(
    ("pains", "trend"),
    [
        ((), "unknown"),
        ((5, 5, 5, 5, 5), "unknown"),  # fewer than 6 entries
        ((5, 5, 5, 5, 5, 5), "same"),
        ((6, 6, 6, 5, 5, 5), "better"),  # exactly 1 point counts
        ((6, 6, 6, 5, 5, 6), "same"),  # 0.67 points does not
        ((3, 3, 3, 4, 4, 4), "worse"),
        ((9, 9, 9, 3, 3, 3, 4, 4, 4), "worse"),  # only the last 6 entries count
        ((2, 2, 2, None, None, None, 7, 7, 7), "worse"),  # entries, not calendar days
    ],
)
def test_diary_trend(pains: tuple[int | None, ...], trend: str) -> None:
    assert diary_trend(_entries(*pains)) == trend


def test_diary_trend_reads_dates_not_input_order() -> None:
    entries = _entries(8, 8, 8, 2, 2, 2)
    assert diary_trend(list(reversed(entries))) == "better"
    steady = _entries(5, 5, 5, 5, 5, 5)
    assert diary_trend(steady) == "same"
    again = [*steady, DiaryEntry(day=steady[-1].day, pain=8)]  # a later entry for a day wins
    assert diary_days(again)[-1].pain == 8
    assert diary_trend(again) == "worse"


diaries = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=120),
        st.integers(min_value=0, max_value=10),
        st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
        st.booleans(),
        st.booleans(),
    ),
    max_size=100,
)


@settings(max_examples=40, deadline=None)
@given(diaries, st.sampled_from(["en", "uk", "ru"]))
def test_any_diary_gives_a_wellformed_accessible_chart(
    rows: list[tuple[int, int, int | None, bool, bool]], lang: str
) -> None:
    kb = default_knowledge_base()
    entries = [
        DiaryEntry(
            day=START + timedelta(days=offset),
            pain=pain,
            function=function,
            new_leg_symptoms=leg,
            warning_signs={"fever": warning},
        )
        for offset, pain, function, leg, warning in rows
    ]
    root = _parse(diary_chart_svg(entries, lang=lang, kb=kb))
    assert root.attrib["role"] == "img" and root.attrib["aria-label"]
    days = diary_days(entries)
    runs = diary_runs(entries, "pain")
    assert sum(len(run) for run in runs) == len(days)
    assert [len(line) for line in _lines(root, "pain")] == [len(r) for r in runs if len(r) > 1]
    for run in runs:
        for before, after in itertools.pairwise(run):
            assert (after.day - before.day).days == 1
    assert diary_trend(entries) in {"better", "same", "worse", "unknown"}
