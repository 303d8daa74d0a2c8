"""The printable report: an assessment as an A4 PDF to take to a doctor or keep on file.

It lays out what `result_view` decides a result screen shows (as the web page and the
terminal do) and the programme in `programme_text`'s words, in the terminal's order: the
triage first (level, how soon, what to do now, the red-flag reasons), then the likely causes
with the answers that moved each and the serious ones to rule out, whom to see, the tests,
the care plan, the warning signs, optionally the exercise programme's next days and the pain
diary, and "this is not a diagnosis" with when to call for help. Every page's footer carries
the knowledge base version, the date, "not a diagnosis" and the page.

Patient mode lists first-line options only, names prescription medicines by their class,
never prints a dose and names the second-line options in one "a doctor may consider" line;
clinician mode lists every option with its line, INN, ATC, dosing and safety flags (both
decided in `result_view`). The output is
deterministic: the same inputs and `created_at` give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import as_file, files
from typing import Any

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences

from lumbar.engine.diary import DiaryEntry
from lumbar.engine.programme import Programme, ProgrammeDay
from lumbar.i18n import format_date
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import LANGUAGES
from lumbar.programme_text import (
    SHOWN_DAYS,
    day_title,
    dose_text,
    event_text,
    how_to,
    minutes_text,
    phase_heading,
)
from lumbar.result_view import (
    SHOWN_ITEMS,
    CauseView,
    ResultView,
    TreatmentView,
    result_view,
)
from lumbar.web.diary_chart import (
    Measure,
    day_label,
    diary_days,
    diary_runs,
    diary_trend,
    has_warning,
    label_step,
)

RGB = tuple[int, int, int]

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MARGIN = 18.0  # mm, left and right
TOP_MARGIN = 16.0
BOTTOM_MARGIN = 20.0  # the footer sits inside it
SHOWN_DIARY_ROWS = 14
MAX_LABEL = 80  # characters of the patient label
PAGES_ALIAS = "{lumbar:pages}"  # fpdf writes the page count in its place
PILL_SIZE = 7  # pt, evidence labels
PILL_PADDING = 1.5  # mm each side

INK: RGB = (31, 41, 51)
MUTED: RGB = (82, 96, 109)
RULE: RGB = (203, 210, 217)
ACCENT: RGB = (36, 59, 83)
TRACK: RGB = (228, 231, 235)
WHITE: RGB = (255, 255, 255)
PANEL: RGB = (240, 242, 245)
WARNING_FILL: RGB = (253, 236, 234)
WARNING_INK: RGB = (180, 35, 24)
CAUTION_INK: RGB = (122, 46, 14)
PAIN: RGB = (180, 35, 24)
FUNCTION: RGB = (29, 78, 216)
LEG: RGB = (105, 65, 198)

# Triage band: background and text, matching the terminal's colours; the words are always
# printed too. Every pair has at least 4.5:1 contrast.
TRIAGE_COLOURS: dict[str, tuple[RGB, RGB]] = {
    "emergency_ambulance": ((180, 35, 24), WHITE),  # red
    "emergency": ((181, 71, 8), WHITE),  # orange
    "consultation_24": ((245, 180, 0), INK),  # amber
    "consultation": ((23, 92, 211), WHITE),  # blue
    "self_care": ((6, 118, 71), WHITE),  # green
}
EVIDENCE_COLOURS: dict[str, tuple[RGB, RGB]] = {
    "recommended": ((6, 118, 71), WHITE),
    "may_be_considered": ((14, 112, 144), WHITE),
    "insufficient_evidence": ((254, 240, 199), CAUTION_INK),
    "not_recommended": ((180, 35, 24), WHITE),
    "unsafe": ((122, 39, 26), WHITE),
}
PROGRAMME_COLOURS: dict[str, tuple[RGB, RGB]] = {
    "active": ((6, 118, 71), WHITE),
    "on_hold": ((245, 180, 0), INK),
    "stopped": ((180, 35, 24), WHITE),
}


class _Document(FPDF):
    """A4 pages with the running header (from page 2) and the footer on every page."""

    def __init__(
        self, running_head: str, footer_left: str, not_diagnosis: str, page_words: str
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_head = running_head
        self.footer_left = footer_left
        self.not_diagnosis = not_diagnosis
        self.page_words = page_words  # with {page} and {pages} to fill in
        self.set_margins(MARGIN, TOP_MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.c_margin = 0

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_xy(MARGIN, 9)
        self.cell(self.epw, 4, self.running_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, 13.5, self.w - MARGIN, 13.5)
        self.set_y(TOP_MARGIN + 1)

    def footer(self) -> None:
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        y = self.h - 13
        self.line(MARGIN, y, self.w - MARGIN, y)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_xy(MARGIN, y + 1.5)
        self.cell(self.epw / 2 + 20, 4, self.footer_left)
        # "Page 2 of 5", right-aligned. The page count is fpdf's alias, filled in at output
        # but measured at its own width, so it gets a one-digit slot of its own.
        before, _, after = self.page_words.partition("{pages}")
        before = f"{self.not_diagnosis}  ·  {before.format(page=self.page_no())}"
        after = after.format(page=self.page_no())
        right = self.w - MARGIN
        x_after = right - self.get_string_width(after)
        x_count = x_after - self.get_string_width("0")
        x_before = x_count - self.get_string_width(before)
        for x, text in ((x_before, before), (x_count, PAGES_ALIAS), (x_after, after)):
            if text:
                self.set_xy(x, y + 1.5)
                self.cell(h=4, text=text)


class _Report:
    """Lays the report out on a document: headings, paragraphs, bullets, bands and bars."""

    def __init__(self, pdf: _Document, kb: KnowledgeBase, lang: str, clinician: bool) -> None:
        self.pdf = pdf
        self.kb = kb
        self.lang = lang
        self.clinician = clinician
        self.ui = kb.texts.ui
        # The care plan's evidence labels get a column as wide as the longest in this language.
        pdf.set_font(FONT, "B", PILL_SIZE)
        self.pill_column = 4 + max(
            pdf.get_string_width(self.t(f"evidence_{evidence}")) + 2 * PILL_PADDING
            for evidence in EVIDENCE_COLOURS
        )

    def t(self, key: str, **values: object) -> str:
        text = self.ui[key].get(self.lang)
        return text.format(**values) if values else text

    # --- layout primitives ------------------------------------------------------------

    @property
    def x0(self) -> float:
        return self.pdf.l_margin

    @property
    def width(self) -> float:
        return self.pdf.epw

    def height(self, text: str, width: float, size: float, style: str = "") -> float:
        """The height a paragraph will take, without printing it."""
        self.pdf.set_font(FONT, style, size)
        lines = self.pdf.multi_cell(
            width, size * 0.5, text, dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(lines, list)
        return len(lines) * size * 0.5

    def ensure(self, needed: float) -> None:
        """Start a new page unless `needed` mm still fit on this one."""
        if self.pdf.get_y() + needed > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def text(
        self,
        text: str,
        *,
        size: float = 10,
        style: str = "",
        colour: RGB = INK,
        indent: float = 0,
        width: float | None = None,
        after: float = 1.2,
        align: str = "L",
    ) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(*colour)
        pdf.set_x(self.x0 + indent)
        pdf.multi_cell(
            width if width is not None else self.width - indent,
            size * 0.5,
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(after)

    def labelled(
        self, label: str, text: str, *, size: float = 8.5, colour: RGB = MUTED, indent: float = 0
    ) -> None:
        """ "Label: text" with the label in bold, wrapping under itself."""
        pdf = self.pdf
        margin = pdf.l_margin
        pdf.set_left_margin(margin + indent)
        pdf.set_x(margin + indent)
        pdf.set_text_color(*colour)
        pdf.set_font(FONT, "B", size)
        pdf.write(size * 0.5, f"{label}: ")
        pdf.set_font(FONT, "", size)
        pdf.write(size * 0.5, text)
        pdf.ln(size * 0.5)
        pdf.set_left_margin(margin)
        pdf.ln(0.6)

    def bullets(
        self, items: Sequence[str], *, size: float = 10, style: str = "", colour: RGB = INK
    ) -> None:
        for item in items:
            self.ensure(self.height(item, self.width - 5, size, style) + 1)
            y = self.pdf.get_y()
            self.pdf.set_font(FONT, "", size)
            self.pdf.set_text_color(*colour)
            self.pdf.set_xy(self.x0 + 0.5, y)
            self.pdf.cell(4, size * 0.5, "•")
            self.pdf.set_y(y)
            self.text(item, size=size, style=style, colour=colour, indent=5, after=0.8)

    def heading(self, text: str, *, keep: float = 22) -> None:
        """A section heading, moved to the next page with the first lines that follow it."""
        self.pdf.ln(3)
        self.ensure(9 + keep)
        self.text(text, size=12.5, style="B", colour=ACCENT, after=0.8)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(*RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.line(self.x0, y, self.x0 + self.width, y)
        self.pdf.ln(2.5)

    def subheading(self, text: str, *, keep: float = 10) -> None:
        """A heading inside a section, kept with `keep` mm of what follows."""
        self.ensure(7 + min(keep, 60))
        self.pdf.ln(0.8)
        self.text(text, size=10.5, style="B", colour=INK, after=0.8)

    def pill(self, x: float, y: float, text: str, colours: tuple[RGB, RGB]) -> float:
        """A small rounded label; returns its width."""
        pdf = self.pdf
        pdf.set_font(FONT, "B", PILL_SIZE)
        width = pdf.get_string_width(text) + 2 * PILL_PADDING
        background, ink = colours
        pdf.set_fill_color(*background)
        pdf.rect(x, y, width, 4.4, style="F", round_corners=True, corner_radius=1.2)
        pdf.set_text_color(*ink)
        pdf.set_xy(x, y + 0.2)
        pdf.cell(width, 4, text, align="C")
        return width

    def panel(
        self,
        lines: Sequence[PanelLine],
        *,
        fill: RGB,
        accent: RGB | None = None,
        padding: float = 3.5,
    ) -> None:
        """A shaded box around a few lines, kept on one page, with an optional accent bar."""
        inner = self.width - 2 * padding - (1.5 if accent else 0)
        heights = [
            self.height(line.text, inner - (5 if line.bullet else 0), line.size, line.style)
            + line.after
            for line in lines
        ]
        total = sum(heights) + 2 * padding - lines[-1].after if lines else 2 * padding
        self.ensure(total + 2)
        pdf = self.pdf
        top = pdf.get_y()
        pdf.set_fill_color(*fill)
        pdf.rect(self.x0, top, self.width, total, style="F", round_corners=True, corner_radius=1.5)
        if accent:
            pdf.set_fill_color(*accent)
            pdf.rect(self.x0, top, 1.5, total, style="F")
        indent = padding + (1.5 if accent else 0)
        pdf.set_y(top + padding)
        for line in lines:
            y = pdf.get_y()
            offset = indent
            if line.bullet:
                pdf.set_font(FONT, "", line.size)
                pdf.set_text_color(*line.colour)
                pdf.set_xy(self.x0 + indent + 0.5, y)
                pdf.cell(4, line.size * 0.5, "•")
                pdf.set_y(y)
                offset += 5
            self.text(
                line.text,
                size=line.size,
                style=line.style,
                colour=line.colour,
                indent=offset,
                width=self.width - offset - padding,
                after=line.after,
            )
        pdf.set_y(top + total + 2)

    # --- the sections ---------------------------------------------------------------------

    def title(self, created: datetime, patient_label: str | None) -> None:
        pdf = self.pdf
        pdf.set_y(TOP_MARGIN - 2)
        self.text("lumbar", size=9, style="B", colour=ACCENT, after=0.5)
        self.text(self.t("report_title"), size=18, style="B", colour=INK, after=1.5)
        meta = [self.t("report_created", date=format_date(created.date(), self.lang))]
        if patient_label:
            meta.append(self.t("report_patient", label=patient_label))
        meta.append(self.t("report_mode_clinician" if self.clinician else "report_mode_patient"))
        self.text("  ·  ".join(meta), size=9, colour=MUTED, after=2)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(self.x0, pdf.get_y(), self.x0 + self.width, pdf.get_y())
        pdf.ln(3)

    def triage(self, view: ResultView) -> None:
        triage = view.triage
        self.heading(self.t("triage_heading"), keep=40)
        background, ink = TRIAGE_COLOURS[triage.level]
        when = f"{self.t('time_frame_label')}: {triage.time_frame}"
        inner = self.width - 10
        band = (
            4 + self.height(triage.label, inner, 15, "B") + 1 + self.height(when, inner, 10) + 3.5
        )
        self.ensure(band + 20)
        pdf = self.pdf
        top = pdf.get_y()
        pdf.set_fill_color(*background)
        pdf.rect(self.x0, top, self.width, band, style="F", round_corners=True, corner_radius=2)
        pdf.set_y(top + 4)
        self.text(triage.label, size=15, style="B", colour=ink, indent=5, width=inner, after=1)
        self.text(when, size=10, colour=ink, indent=5, width=inner, after=0)
        pdf.set_y(top + band + 3)
        self.text(self.t("what_to_do_heading"), size=10.5, style="B", after=0.6)
        self.text(triage.action, after=1.5)
        if triage.because:
            self.text(triage.because, style="B", after=1.5)
        if triage.reasons:
            self.text(self.t("rule_heading"), size=10.5, style="B", after=0.6)
            self.bullets(triage.reasons, style="B")

    def causes(self, view: ResultView) -> None:
        self.heading(self.t("likely_causes_heading"), keep=30)
        if not view.causes:
            self.text(self.t("no_clear_cause"))
        for cause in view.causes:
            self.cause(cause)
        if view.serious:
            self.subheading(self.t("serious_causes_heading"))
            self.bullets([f"{cause.name} ({cause.chance})" for cause in view.serious])

    def cause(self, cause: CauseView) -> None:
        """The name, how likely (a band for a person; a bar and the percentage for a
        clinician), the description and the answers that moved it."""
        if not cause.clinician:
            self.ensure(
                self.height(cause.name, self.width, 10.5, "B")
                + self.height(cause.description, self.width, 9)
                + sum(self.height(f"{a}: {b}", self.width, 8.5) + 0.6 for a, b in cause.why)
                + 10
            )
            self.text(f"{cause.name} · {cause.chance}", size=10.5, style="B", after=0.4)
            self.text(cause.description, size=9, colour=MUTED, after=0.8)
            for label, text in cause.why:
                self.labelled(label, text)
            self.pdf.ln(2.2)
            return
        bar_width, percent_width, gap = 40.0, 12.0, 4.0
        name_width = self.width - bar_width - percent_width - 2 * gap
        needed = (
            self.height(cause.name, name_width, 10.5, "B")
            + self.height(cause.description, self.width, 9)
            + sum(
                self.height(f"{label}: {text}", self.width, 8.5) + 0.6 for label, text in cause.why
            )
            + 5
        )
        self.ensure(needed)
        pdf = self.pdf
        top = pdf.get_y()
        self.text(cause.name, size=10.5, style="B", width=name_width, after=0.4)
        below = pdf.get_y()
        bar_x = self.x0 + name_width + gap
        pdf.set_fill_color(*TRACK)
        pdf.rect(bar_x, top + 1.2, bar_width, 3, style="F", round_corners=True, corner_radius=1)
        if cause.percent >= 1:
            pdf.set_fill_color(*ACCENT)
            filled = max(bar_width * cause.probability, 2.0)
            pdf.rect(bar_x, top + 1.2, filled, 3, style="F", round_corners=True, corner_radius=1)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.set_xy(bar_x + bar_width + gap, top)
        pdf.cell(percent_width, 5.25, cause.percent_text, align="R")
        pdf.set_y(below)
        self.text(cause.description, size=9, colour=MUTED, after=0.8)
        for label, text in cause.why:
            self.labelled(label, text)
        pdf.ln(2.2)

    def referrals(self, view: ResultView) -> None:
        if not view.visit_needed:  # self-care: when to see someone, not whom and which tests
            self.heading(self.t("when_to_see_heading"), keep=12)
            self.text(self.t("when_to_see_self_care"))
            return
        if view.specialists:
            self.heading(self.t("see_whom_heading"), keep=12)
            self.bullets(view.specialists)
        if view.tests:
            self.heading(self.t("tests_heading"), keep=12)
            self.bullets(view.tests)

    def care_plan(self, view: ResultView) -> None:
        plan = view.care_plan
        self.heading(self.t("care_plan_heading"), keep=25)
        self.subheading(self.t("care_do_now_heading"))
        self.bullets(plan.do_now)
        for heading, items, after in plan.sections:
            first = self.plan_line_height(items[0]) if items else 10
            self.subheading(self.t(heading), keep=first)
            shown = items[:SHOWN_ITEMS]
            for position, item in enumerate(shown):
                more = position == len(shown) - 1 and (len(items) > SHOWN_ITEMS or bool(after))
                self.plan_line(item, keep=6 if more else 0)
            if len(items) > SHOWN_ITEMS:
                self.text(
                    self.t("report_more_items", n=len(items) - SHOWN_ITEMS),
                    size=8.5,
                    colour=MUTED,
                    indent=self.pill_column,
                )
            if after:  # a patient's "a doctor may consider: ..."
                self.ensure(self.height(after, self.width - self.pill_column, 9) + 1)
                self.text(after, size=9, indent=self.pill_column)

    def plan_line_height(self, item: TreatmentView) -> float:
        width = self.width - self.pill_column
        return (
            self.height(item.name, width, 10, "B")
            + (self.height(item.note, width, 9) + 0.4 if item.note else 0)
            + self.height(item.positions, width, 8.5)
            + sum(self.height(str(detail), width, 8) + 0.6 for detail in item.clinical)
            + 3
        )

    def plan_line(self, item: TreatmentView, *, keep: float = 0) -> None:
        """One treatment, kept on one page with `keep` mm of what follows it."""
        self.ensure(self.plan_line_height(item) + keep)
        pdf = self.pdf
        top = pdf.get_y()
        self.pill(self.x0, top + 0.3, item.evidence_label, EVIDENCE_COLOURS[item.evidence])
        pdf.set_y(top)
        self.text(item.name, size=10, style="B", indent=self.pill_column, after=0.4)
        if item.note:
            self.text(item.note, size=9, indent=self.pill_column, after=0.4)
        self.text(item.positions, size=8.5, colour=MUTED, indent=self.pill_column, after=0.4)
        for detail in item.clinical:
            if detail.label is None:
                self.text(detail.text, size=8, colour=INK, indent=self.pill_column, after=0.6)
            else:
                self.labelled(
                    detail.label, detail.text, size=8, colour=INK, indent=self.pill_column
                )
        pdf.ln(1.6)

    def warning_signs(self, view: ResultView) -> None:
        if not view.warnings:
            return
        self.pdf.ln(3)
        lines = [PanelLine(self.t("warning_signs_heading"), size=11, style="B", colour=WARNING_INK)]
        lines += [
            PanelLine(f"{sign.watch_for} → {sign.then}", size=9.5, bullet=True, after=0.8)
            for sign in view.warnings
        ]
        self.panel(lines, fill=WARNING_FILL, accent=WARNING_INK)

    def programme(self, programme: Programme) -> None:
        self.heading(self.t("programme_title"), keep=30)
        if programme.stop_level is not None:
            words = self.kb.texts.triage[programme.stop_level]
            background, ink = TRIAGE_COLOURS[programme.stop_level]
            lines = [
                PanelLine(words.label.get(self.lang), size=12, style="B", colour=ink),
                PanelLine(words.action.get(self.lang), size=9.5, colour=ink),
            ]
            lines += [
                PanelLine(
                    self.kb.texts.red_flags[rule].patient.get(self.lang),
                    size=9.5,
                    colour=ink,
                    bullet=True,
                )
                for rule in programme.stop_rules
            ]
            self.panel(lines, fill=background)
        status = []
        if programme.status == "active":
            phase = self.t(f"phase_{programme.phase}")
            status.append(
                PanelLine(f"{phase_heading(phase)} {self.t('programme_intro')}", size=9.5)
            )
        status += [PanelLine(self.t(key), size=9.5, style="B") for key in programme.reasons]
        if programme.status == "active":
            status += [
                PanelLine(self.t(key), size=9.5, colour=CAUTION_INK) for key in programme.advice
            ]
            status.append(PanelLine(self.t("programme_diary_hint"), size=8.5, colour=MUTED))
        if status:
            self.panel(status, fill=PANEL, accent=PROGRAMME_COLOURS[programme.status][0])
        for position, day in enumerate(programme.days[:SHOWN_DAYS]):
            self.programme_day(day, position == 0 and day.day == programme.today)
        if len(programme.days) > 1:
            self.text(self.t("programme_planned_note"), size=8.5, colour=MUTED, after=1.5)
        past = [event for event in programme.events if not event.planned]
        if past:
            self.subheading(self.t("programme_history_heading"))
            self.bullets([event_text(self.kb, event, self.lang) for event in past], size=9)
        self.how_to(programme)

    def programme_day(self, day: ProgrammeDay, today: bool) -> None:
        self.subheading(day_title(self.kb, day, today, self.lang))
        session_width, dose_width = 30.0, 44.0
        name_width = self.width - session_width - dose_width - 4
        pdf = self.pdf
        for session in day.sessions:
            label = self.t(f"programme_session_{session.id}")
            minutes = minutes_text(self.kb, session.minutes, self.lang)
            rows = []
            for item in session.items:
                name = self.kb.exercises[item.exercise].text.name.get(self.lang)
                if item.new:
                    name += f" ({self.t('programme_new')})"
                rows.append((name, dose_text(self.kb, item, self.lang)))
            heights = [
                max(self.height(name, name_width, 9), self.height(dose, dose_width, 9)) + 0.8
                for name, dose in rows
            ]
            block = max(sum(heights), self.height(f"{label}\n{minutes}", session_width, 9)) + 2
            self.ensure(block)
            top = pdf.get_y()
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.2)
            pdf.line(self.x0, top, self.x0 + self.width, top)
            pdf.set_y(top + 1)
            self.text(label, size=9, style="B", width=session_width, after=0)
            self.text(minutes, size=8, colour=MUTED, width=session_width, after=0)
            y = top + 1
            for (name, dose), height in zip(rows, heights, strict=True):
                pdf.set_y(y)
                self.text(name, size=9, indent=session_width + 2, width=name_width, after=0)
                pdf.set_y(y)
                self.text(
                    dose,
                    size=9,
                    colour=MUTED,
                    indent=self.width - dose_width,
                    width=dose_width,
                    after=0,
                    align="R",
                )
                y += height
            pdf.set_y(top + block)
        pdf.ln(1)

    def how_to(self, programme: Programme) -> None:
        exercises = how_to(self.kb, programme, SHOWN_DAYS, self.lang)
        if not exercises:
            return
        self.heading(self.t("programme_how_to_heading"), keep=25)
        for exercise in exercises:
            steps = [f"{n}. {step}" for n, step in enumerate(exercise.steps, 1)]
            needed = (
                self.height(exercise.name, self.width, 9.5, "B")
                + sum(self.height(step, self.width - 4, 8.5) + 0.3 for step in steps)
                + (self.height(exercise.caution, self.width - 4, 8.5) if exercise.caution else 0)
                + 3
            )
            self.ensure(min(needed, 60))
            self.text(exercise.name, size=9.5, style="B", after=0.5)
            for step in steps:
                self.text(step, size=8.5, indent=4, after=0.3)
            if exercise.caution:
                self.text(exercise.caution, size=8.5, colour=CAUTION_INK, indent=4, after=0.3)
            self.pdf.ln(1.8)

    def diary(self, entries: Sequence[DiaryEntry]) -> None:
        days = diary_days(entries)
        self.heading(self.t("diary_heading"), keep=70)
        self.text(
            self.t(
                "diary_entries_range",
                n=len(days),
                first=days[0].day.isoformat(),
                last=days[-1].day.isoformat(),
            ),
            size=9,
            colour=MUTED,
            after=0.8,
        )
        trend = diary_trend(days)
        self.labelled(
            self.t("diary_trend_label"), self.t(f"diary_trend_{trend}"), size=10, colour=INK
        )
        self.text(self.t("diary_trend_explained"), size=8, colour=MUTED, after=1.5)
        if trend == "worse":
            self.panel(
                [PanelLine(self.t("diary_reassess"), size=9.5, style="B", colour=CAUTION_INK)],
                fill=(254, 240, 199),
                accent=(181, 71, 8),
            )
        self.diary_chart(days)
        self.diary_table(days[-SHOWN_DIARY_ROWS:])

    def diary_chart(self, days: Sequence[DiaryEntry]) -> None:
        """Pain (solid, round markers) and daily activities (dashed, squares) by day."""
        pdf = self.pdf
        events = any(has_warning(e) or e.new_leg_symptoms for e in days)
        has_function = any(e.function is not None for e in days)
        self.ensure(66)
        # The legend, flowing onto a second row when the words are long.
        keys: list[tuple[str, RGB, str]] = [("pain", PAIN, self.t("diary_pain_label"))]
        if has_function:
            keys.append(("function", FUNCTION, self.t("diary_function_label")))
        if any(has_warning(e) for e in days):
            keys.append(("triangle", INK, self.t("diary_warning_marker")))
        if any(e.new_leg_symptoms for e in days):
            keys.append(("diamond", LEG, self.t("diary_leg_marker")))
        legend_y = pdf.get_y() + 2
        x = self.x0 + 8
        pdf.set_font(FONT, "", 8)
        for key, colour, label in keys:
            sample = 10.0 if key in ("pain", "function") else 5.0
            width = sample + pdf.get_string_width(label) + 7
            if x + width > self.x0 + self.width:
                x, legend_y = self.x0 + 8, legend_y + 5
            if key in ("pain", "function"):
                self.chart_line([(x, legend_y), (x + 8, legend_y)], colour, key == "function")
                self.chart_marker("circle" if key == "pain" else "square", x + 4, legend_y, colour)
            else:
                self.chart_marker(key, x + 2, legend_y, colour)
            pdf.set_font(FONT, "", 8)
            pdf.set_text_color(*INK)
            pdf.set_xy(x + sample, legend_y - 2)
            pdf.cell(width, 4, label)
            x += width
        top = legend_y + 5 + (5 if events else 0)
        left, right = self.x0 + 8, self.x0 + self.width - 2
        bottom = top + 42
        lane = top - 3

        def y_of(value: float) -> float:
            return bottom - value / 10 * (bottom - top)

        pdf.set_font(FONT, "", 7)
        for value in range(0, 11, 2):
            y = y_of(value)
            pdf.set_draw_color(*(MUTED if value == 0 else TRACK))
            pdf.set_line_width(0.2)
            pdf.line(left, y, right, y)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(self.x0, y - 2)
            pdf.cell(6, 4, str(value), align="R")
        first = days[0].day
        span = (days[-1].day - first).days
        inset = 3.0

        def x_of(day_number: int) -> float:
            if span == 0:
                return (left + right) / 2
            return left + inset + day_number / span * (right - left - 2 * inset)

        step = label_step(span)
        for offset in range(0, span + 1, step):
            x = x_of(offset)
            pdf.set_draw_color(*TRACK)
            pdf.line(x, top, x, bottom)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x - 8, bottom + 1)
            pdf.cell(16, 4, day_label(first.fromordinal(first.toordinal() + offset)), align="C")
        dense = len(days) > 31
        series: tuple[tuple[Measure, RGB, bool, str], ...] = (
            ("function", FUNCTION, True, "square"),
            ("pain", PAIN, False, "circle"),
        )
        for measure, colour, dashed, shape in series:
            for run in diary_runs(days, measure):
                points = [
                    (
                        x_of((e.day - first).days),
                        y_of(float(e.pain if measure == "pain" else e.function or 0)),
                    )
                    for e in run
                ]
                if len(points) > 1:
                    self.chart_line(points, colour, dashed)
                if not dense or len(points) == 1:
                    for px, py in points:
                        self.chart_marker(shape, px, py, colour)
        for entry in days:
            x = x_of((entry.day - first).days)
            both = has_warning(entry) and entry.new_leg_symptoms
            if has_warning(entry):
                self.chart_marker("triangle", x - (1.3 if both else 0), lane, INK)
            if entry.new_leg_symptoms:
                self.chart_marker("diamond", x + (1.3 if both else 0), lane, LEG)
        pdf.set_y(bottom + 7)

    def chart_line(self, points: list[tuple[float, float]], colour: RGB, dashed: bool) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.55)
        if dashed:
            pdf.set_dash_pattern(dash=1.4, gap=0.9)
        pdf.polyline(points)
        pdf.set_dash_pattern()

    def chart_marker(self, shape: str, x: float, y: float, colour: RGB) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.3)
        pdf.set_fill_color(*colour)
        if shape == "circle":
            pdf.ellipse(x - 0.9, y - 0.9, 1.8, 1.8, style="F")
        elif shape == "square":
            pdf.set_fill_color(*WHITE)
            pdf.rect(x - 0.8, y - 0.8, 1.6, 1.6, style="DF")
        elif shape == "triangle":
            pdf.polygon([(x, y - 1.3), (x + 1.3, y + 1), (x - 1.3, y + 1)], style="F")
        else:
            pdf.set_fill_color(*WHITE)
            pdf.polygon([(x, y - 1.4), (x + 1.1, y), (x, y + 1.4), (x - 1.1, y)], style="DF")

    def diary_table(self, days: Sequence[DiaryEntry]) -> None:
        widths = (24.0, 22.0, 38.0)
        notes_width = self.width - sum(widths)
        headers = (
            self.t("diary_date_label"),
            self.t("diary_pain_label"),
            self.t("diary_function_label"),
            self.t("diary_notes_label"),
        )
        pdf = self.pdf
        self.ensure(16)
        columns = (*widths, notes_width)
        self.table_row(headers, columns, style="B", colour=MUTED)
        for entry in days:
            notes = []
            signs = [fid for fid, yes in entry.warning_signs.items() if yes]
            if signs:
                labels = ", ".join(self.kb.texts.findings[f].label.get(self.lang) for f in signs)
                notes.append(f"{self.t('diary_warning_marker')}: {labels}")
            if entry.new_leg_symptoms:
                notes.append(self.t("diary_leg_marker"))
            row = (
                entry.day.isoformat(),
                str(entry.pain),
                "–" if entry.function is None else str(entry.function),
                "; ".join(notes),
            )
            self.table_row(row, columns, repeat=headers)
        pdf.ln(1)

    def table_row(
        self,
        cells: Sequence[str],
        widths: Sequence[float],
        *,
        style: str = "",
        colour: RGB = INK,
        repeat: Sequence[str] | None = None,
    ) -> None:
        """One table row; on a new page the `repeat` header row comes first."""
        pdf = self.pdf
        height = max(
            self.height(text, w - 2, 8.5, style) for text, w in zip(cells, widths, strict=True)
        )
        page = pdf.page
        self.ensure(height + 2)
        if repeat is not None and pdf.page != page:
            self.table_row(repeat, widths, style="B", colour=MUTED)
        top = pdf.get_y()
        x = self.x0
        for text, w in zip(cells, widths, strict=True):
            pdf.set_y(top + 0.8)
            self.text(
                text, size=8.5, style=style, colour=colour, indent=x - self.x0, width=w - 2, after=0
            )
            x += w
        bottom = top + height + 1.6
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.15)
        pdf.line(self.x0, bottom, self.x0 + self.width, bottom)
        pdf.set_y(bottom)

    def closing(self, view: ResultView) -> None:
        self.pdf.ln(3)
        self.panel(
            [
                PanelLine(view.disclaimer, size=9.5),
                *(
                    [PanelLine(view.call_for_help, size=9.5, style="B")]
                    if view.call_for_help
                    else []
                ),
                PanelLine(
                    f"{self.t('emergency_number_label')}: {self.t('emergency_number')}",
                    size=9.5,
                    style="B",
                ),
            ],
            fill=PANEL,
            accent=ACCENT,
        )


@dataclass(frozen=True)
class PanelLine:
    text: str
    size: float = 10
    style: str = ""
    colour: RGB = INK
    bullet: bool = False
    after: float = 1.0


def report_pdf(
    kb: KnowledgeBase,
    result: dict[str, Any],
    lang: str,
    *,
    clinician: bool,
    created_at: datetime | None = None,
    patient_label: str | None = None,
    diary: Sequence[DiaryEntry] = (),
    programme: Programme | None = None,
) -> bytes:
    """The assessment `result` (as from `Assessment.to_dict()`) as an A4 PDF in `lang`.

    `clinician` adds medicine names, doses and safety flags; without it prescription
    medicines appear only by class (see `result_view`). `created_at` (default now, UTC)
    dates the report and its metadata, so a fixed value gives byte-identical output.
    `patient_label` is a name or reference printed under the title; `diary` and `programme`
    add their sections.
    """
    lang = lang if lang in LANGUAGES else "en"
    created = created_at or datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    label = " ".join(patient_label.split())[:MAX_LABEL] if patient_label else None
    view = result_view(kb, result, lang, clinician=clinician)
    ui = kb.texts.ui
    title = ui["report_title"].get(lang)
    day = created.date().isoformat()
    version = f"{ui['kb_version_label'].get(lang)} {view.kb_version}"
    pdf = _Document(
        running_head="  ·  ".join(part for part in (f"lumbar · {title}", label) if part),
        footer_left=f"lumbar  ·  {version}  ·  {format_date(created.date(), lang)}",
        not_diagnosis=ui["report_not_diagnosis"].get(lang),
        page_words=ui["report_page"].get(lang),
    )
    pdf.alias_nb_pages(PAGES_ALIAS)
    with ExitStack() as stack:
        for style, name in FONT_FILES.items():
            path = stack.enter_context(as_file(files("lumbar.web").joinpath("fonts", name)))
            pdf.add_font(FONT, style, path)
        pdf.set_title(f"{title} {day}")
        pdf.set_lang(lang)
        pdf.set_author("lumbar")
        pdf.set_subject(view.triage.label)
        pdf.set_creator(f"lumbar, knowledge base {view.kb_version}")
        pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
        pdf.set_creation_date(created)
        pdf.add_page()
        report = _Report(pdf, kb, lang, clinician)
        report.title(created, label)
        report.triage(view)
        report.causes(view)
        report.referrals(view)
        report.care_plan(view)
        report.warning_signs(view)
        if programme is not None:
            report.programme(programme)
        if diary:
            report.diary(diary)
        report.closing(view)
        return bytes(pdf.output())
