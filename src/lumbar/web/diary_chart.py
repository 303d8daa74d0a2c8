"""The pain diary at a glance: its trend in words and an inline SVG chart of pain and daily
activities, drawn on the server so the page needs no JavaScript.

The chart puts one calendar day per step on the x axis, so missing days show as space: two
entries are joined by a line only when they are on consecutive days, and a point with no
neighbour keeps its marker. Pain is a solid line with round markers, daily activities a
dashed line with square markers, so the two differ without colour. Warning signs and new leg
symptoms are marked in a lane above the plot. The whole chart is one image for screen readers
(`role="img"`) whose label says the trend in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from statistics import fmean
from typing import Literal

from markupsafe import Markup, escape

from lumbar.engine.diary import DiaryEntry
from lumbar.kb.loader import KnowledgeBase

Trend = Literal["better", "same", "worse", "unknown"]
Measure = Literal["pain", "function"]

TREND_WINDOW = 3  # entries averaged at each end
TREND_THRESHOLD = 1.0  # points of mean pain that count as a change

# Geometry in viewBox units; the SVG scales to its container (320 px phones and up).
WIDTH = 360
PLOT_HEIGHT = 150
LEFT, RIGHT, BOTTOM = 34, 10, 30
FONT_SIZE = 13
TEXT_WIDTH_EM = 0.6  # average glyph width, to fit legend labels
MAX_X_LABELS = 6
LABEL_STEPS = (1, 2, 3, 5, 7, 14, 21, 28, 42, 56, 91, 182, 364)

# Colours with at least 4.5:1 contrast on white (text) and 3:1 (lines and markers).
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d9dee4"
PAIN_COLOUR = "#b42318"
FUNCTION_COLOUR = "#1d4ed8"
WARNING_COLOUR = "#1f2933"
LEG_COLOUR = "#6941c6"


def diary_days(entries: Sequence[DiaryEntry]) -> list[DiaryEntry]:
    """The entries in date order, one a day (the last one given for a day wins)."""
    by_day = {entry.day: entry for entry in entries}
    return [by_day[day] for day in sorted(by_day)]


def diary_trend(entries: Sequence[DiaryEntry]) -> Trend:
    """Whether pain is getting better, worse or staying the same, for suggesting reassessment.

    The mean pain of the last 3 entries (one a day, date order) is compared with the mean of
    the 3 entries before them: at least 1 point lower is "better", at least 1 point higher is
    "worse", anything in between is "same". Fewer than 6 entries give "unknown". Only pain is
    compared; daily activities are shown on the chart but do not set the trend.
    """
    pains = [entry.pain for entry in diary_days(entries)]
    if len(pains) < 2 * TREND_WINDOW:
        return "unknown"
    change = fmean(pains[-TREND_WINDOW:]) - fmean(pains[-2 * TREND_WINDOW : -TREND_WINDOW])
    if change >= TREND_THRESHOLD:
        return "worse"
    if change <= -TREND_THRESHOLD:
        return "better"
    return "same"


def diary_runs(entries: Sequence[DiaryEntry], measure: Measure) -> list[list[DiaryEntry]]:
    """Entries that a line joins: consecutive days that all have `measure` recorded."""
    runs: list[list[DiaryEntry]] = []
    previous: DiaryEntry | None = None
    for entry in diary_days(entries):
        if measure == "function" and entry.function is None:
            previous = None
            continue
        if previous is not None and (entry.day - previous.day).days == 1:
            runs[-1].append(entry)
        else:
            runs.append([entry])
        previous = entry
    return runs


def has_warning(entry: DiaryEntry) -> bool:
    """A warning sign was answered yes that day."""
    return any(entry.warning_signs.values())


EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date, lang: str | None = None) -> str:
    """A short date for axes and lists in the language's own form: "5 Mar" in English,
    "05.03" in Ukrainian and Russian; without a language, MM-DD."""
    if lang == "en":
        return f"{day.day} {EN_MONTHS[day.month - 1]}"
    if lang in ("uk", "ru"):
        return day.strftime("%d.%m")
    return day.strftime("%m-%d")


def long_date(day: date, lang: str) -> str:
    """A full date in the language's own form: "5 Mar 2025", "05.03.2025"."""
    if lang == "en":
        return f"{day_label(day, lang)} {day.year}"
    return day.strftime("%d.%m.%Y")


def diary_summary(entries: Sequence[DiaryEntry], *, lang: str, kb: KnowledgeBase) -> str:
    """The diary in one or a few sentences: what the chart shows, for its label and the PDF."""
    ui = kb.texts.ui
    days = diary_days(entries)
    if not days:
        return ui["diary_chart_empty"].get(lang)
    first, last = days[0], days[-1]
    if len(days) == 1:
        parts = [
            ui["diary_chart_single"]
            .get(lang)
            .format(pain=first.pain, date=long_date(first.day, lang))
        ]
    else:
        span = (last.day - first.day).days + 1
        parts = [
            ui["diary_chart_summary"].get(lang).format(first=first.pain, last=last.pain, days=span)
        ]
    functions = [entry.function for entry in days if entry.function is not None]
    if len(functions) >= 2:
        parts.append(
            ui["diary_chart_function"].get(lang).format(first=functions[0], last=functions[-1])
        )
    trend = diary_trend(days)
    if trend != "unknown":
        parts.append(
            f"{ui['diary_trend_label'].get(lang)}: {ui[f'diary_trend_{trend}'].get(lang)}."
        )
    for key, marked in (("diary_chart_warnings", has_warning), ("diary_chart_legs", _leg)):
        dates = [long_date(entry.day, lang) for entry in days if marked(entry)]
        if dates:
            parts.append(ui[key].get(lang).format(dates=", ".join(dates)))
    return " ".join(parts)


def _leg(entry: DiaryEntry) -> bool:
    return entry.new_leg_symptoms


def label_step(span_days: int) -> int:
    """Days between labels on the x axis, so that at most MAX_X_LABELS fit."""
    for step in LABEL_STEPS:
        if span_days // step + 1 <= MAX_X_LABELS:
            return step
    return span_days // (MAX_X_LABELS - 1) + 1


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(content)}</text>'


def _marker(shape: str, x: float, y: float, size: float, colour: str, fill: str) -> str:
    """A round, square, triangle or diamond marker centred on (x, y)."""
    half = size / 2
    if shape == "circle":
        return (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(half)}" '
            f'fill="{fill}" stroke="{colour}" stroke-width="1.5"/>'
        )
    if shape == "square":
        return (
            f'<rect x="{_num(x - half)}" y="{_num(y - half)}" width="{_num(size)}" '
            f'height="{_num(size)}" fill="{fill}" stroke="{colour}" stroke-width="1.5"/>'
        )
    if shape == "triangle":
        points = [(x, y - half * 1.15), (x + half * 1.15, y + half), (x - half * 1.15, y + half)]
    else:  # diamond
        points = [(x, y - half * 1.2), (x + half, y), (x, y + half * 1.2), (x - half, y)]
    joined = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
    return (
        f'<polygon points="{joined}" fill="{fill}" stroke="{colour}" '
        f'stroke-width="1.5" stroke-linejoin="round"/>'
    )


def diary_chart_svg(entries: Sequence[DiaryEntry], *, lang: str, kb: KnowledgeBase) -> Markup:
    """An inline SVG chart of pain and daily activities (0-10) by day, ready for a template."""
    ui = kb.texts.ui
    days = diary_days(entries)
    title = ui["diary_heading"].get(lang)
    summary = diary_summary(days, lang=lang, kb=kb)
    events = any(has_warning(entry) or entry.new_leg_symptoms for entry in days)
    has_function = any(entry.function is not None for entry in days)

    parts: list[str] = [f"<title>{escape(title)}</title>", f"<desc>{escape(summary)}</desc>"]

    # Legend: what each line and marker means, in words, flowing onto more rows if needed.
    legend: list[tuple[Callable[[float, float], list[str]], str]] = []
    if days:
        legend.append((_pain_key, ui["diary_pain_label"].get(lang)))
    if has_function:
        legend.append((_function_key, ui["diary_function_label"].get(lang)))
    if any(has_warning(entry) for entry in days):
        legend.append((_warning_key, ui["diary_warning_marker"].get(lang)))
    if any(entry.new_leg_symptoms for entry in days):
        legend.append((_leg_key, ui["diary_leg_marker"].get(lang)))
    x, row = float(LEFT), 16.0
    for position, (draw_key, label) in enumerate(legend):
        width = 28 + len(label) * FONT_SIZE * TEXT_WIDTH_EM + 16
        if position and x + width - 16 > WIDTH - RIGHT:
            x, row = float(LEFT), row + 18
        parts += draw_key(x, row - 4)
        parts.append(_text(x + 28, row, label, fill=INK))
        x += max(width, (WIDTH - LEFT - RIGHT) / 2)
    top = row + 12 if legend else 10.0
    lane_y = top + 4
    plot_top = top + (14 if events else 6)
    plot_bottom = plot_top + PLOT_HEIGHT
    height = plot_bottom + BOTTOM
    parts.insert(
        0,
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diary-chart" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" width="100%" role="img" '
        f'aria-label="{escape(summary)}" font-size="{FONT_SIZE}" '
        f'style="display:block;height:auto">',
    )
    plot_left, plot_right = float(LEFT), float(WIDTH - RIGHT)

    def y_of(value: float) -> float:
        return plot_bottom - value / 10 * (plot_bottom - plot_top)

    # Gridlines and the 0-10 scale.
    for value in range(0, 11, 2):
        y = y_of(value)
        stroke = MUTED if value == 0 else GRID
        parts.append(
            f'<line x1="{_num(plot_left)}" y1="{_num(y)}" x2="{_num(plot_right)}" '
            f'y2="{_num(y)}" stroke="{stroke}" stroke-width="1"/>'
        )
        parts.append(_text(plot_left - 6, y + 4.5, str(value), fill=MUTED, text_anchor="end"))

    if not days:
        parts.append(
            _text(
                (plot_left + plot_right) / 2,
                (plot_top + plot_bottom) / 2,
                ui["diary_chart_empty"].get(lang),
                fill=MUTED,
                text_anchor="middle",
            )
        )
        parts.append("</svg>")
        return Markup("".join(parts))

    first = days[0].day
    span = (days[-1].day - first).days
    inset = 10.0
    usable = plot_right - plot_left - 2 * inset

    def x_of(day: date) -> float:
        if span == 0:
            return (plot_left + plot_right) / 2
        return plot_left + inset + (day - first).days / span * usable

    # Day labels with light vertical guides.
    step = label_step(span)
    for offset in range(0, span + 1, step):
        day = date.fromordinal(first.toordinal() + offset)
        x = x_of(day)
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(plot_top)}" x2="{_num(x)}" '
            f'y2="{_num(plot_bottom)}" stroke="{GRID}" stroke-width="1"/>'
        )
        label = day_label(day, lang)
        parts.append(_text(x, plot_bottom + 18, label, fill=MUTED, text_anchor="middle"))

    dense = len(days) > 31
    series: tuple[tuple[Measure, str, str, str, Callable[[DiaryEntry], int | None]], ...] = (
        ("function", FUNCTION_COLOUR, "square", ' stroke-dasharray="6 4"', _function_of),
        ("pain", PAIN_COLOUR, "circle", "", _pain_of),
    )
    for measure, colour, shape, dash, value_of in series:
        for run in diary_runs(days, measure):
            points = [(x_of(entry.day), y_of(value_of(entry) or 0)) for entry in run]
            if len(points) > 1:
                joined = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
                parts.append(
                    f'<polyline class="diary-{measure}" points="{joined}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                    f'stroke-linecap="round"{dash}/>'
                )
            if dense and len(points) > 1:
                continue  # 90 days of markers hide the line; a lone day keeps its marker
            fill = colour if shape == "circle" else "#ffffff"
            parts += [_marker(shape, x, y, 7.0, colour, fill) for x, y in points]

    for entry in days:
        warning, leg = has_warning(entry), entry.new_leg_symptoms
        x = x_of(entry.day)
        shift = 5.0 if warning and leg else 0.0
        if warning:
            parts.append(_marker("triangle", x - shift, lane_y, 9, WARNING_COLOUR, WARNING_COLOUR))
        if leg:
            parts.append(_marker("diamond", x + shift, lane_y, 9, LEG_COLOUR, "#ffffff"))

    parts.append("</svg>")
    return Markup("".join(parts))


def _pain_key(x: float, y: float) -> list[str]:
    return [
        f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 22)}" y2="{_num(y)}" '
        f'stroke="{PAIN_COLOUR}" stroke-width="2.5"/>',
        _marker("circle", x + 11, y, 7, PAIN_COLOUR, PAIN_COLOUR),
    ]


def _function_key(x: float, y: float) -> list[str]:
    return [
        f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 22)}" y2="{_num(y)}" '
        f'stroke="{FUNCTION_COLOUR}" stroke-width="2.5" stroke-dasharray="5 3"/>',
        _marker("square", x + 11, y, 6, FUNCTION_COLOUR, "#ffffff"),
    ]


def _warning_key(x: float, y: float) -> list[str]:
    return [_marker("triangle", x + 11, y, 9, WARNING_COLOUR, WARNING_COLOUR)]


def _leg_key(x: float, y: float) -> list[str]:
    return [_marker("diamond", x + 11, y, 9, LEG_COLOUR, "#ffffff")]


def _pain_of(entry: DiaryEntry) -> int | None:
    return entry.pain


def _function_of(entry: DiaryEntry) -> int | None:
    return entry.function
