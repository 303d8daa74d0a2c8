"""Issue 14, the interview screens: "none of these" and an empty checklist, the body-map hint
only where there is a map, body-map targets of at least 44 px on a 320 px phone with the
tapped region named in words, an honest progress line, the emergency banner's contrast and
the favicon; over real HTTP and in Debian's Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lumbar.engine import default_model, validate_answers
from lumbar.engine.interview import Question, next_question, urgent_red_flags
from lumbar.evaluation.vignettes import load_vignettes
from lumbar.kb.models import TRIAGE_ORDER
from lumbar.web.routes_interview import MAP_KINDS, TYPICAL_QUESTIONS

from .test_browser import _register
from .test_pages_http import _client, _csrf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
VIGNETTES = Path(__file__).parents[2] / "vignettes" / "dev"
NARROW = {"width": 320, "height": 640}
MIN_TARGET = 44.0


def _state(answers: Mapping[str, object]) -> str:
    return json.dumps({"answers": dict(answers), "steps": [[fid] for fid in answers]})


def _state_in_few_steps(answers: Mapping[str, object]) -> str:
    """The answers as if given in three questions, so the interview is not over."""
    rest = [fid for fid in answers if fid not in ("age", "sex")]
    return json.dumps({"answers": dict(answers), "steps": [["age"], ["sex"], rest]})


def _checklist_without_map() -> tuple[dict[str, object], Question]:
    """Answers after which the next question is a checklist that has no body map."""
    answers: dict[str, object] = {"age": 45, "sex": "male"}
    for _ in range(40):
        question = next_question(answers, len(answers))
        assert question is not None, "the interview ended before a checklist without a map"
        if question.kind == "multiple" and question.purpose.kind not in MAP_KINDS:
            return answers, question
        if question.kind == "multiple":
            answers.update(dict.fromkeys(question.findings, False))
            answers[question.findings[0]] = True
        elif question.kind == "boolean":
            answers[question.findings[0]] = False
        else:
            answers[question.findings[0]] = None
    raise AssertionError("no checklist without a body map in 40 questions")


def _emergency_answers() -> dict[str, object]:
    """A dev vignette's answers whose urgent red flags call for the emergency department
    (the orange banner), not an ambulance."""
    model = default_model()
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for vignette in load_vignettes(path):
            answers = {"age": vignette.age, "sex": vignette.sex, **vignette.answers}
            known = validate_answers(model.kb, answers, required=())
            urgent = urgent_red_flags(known)
            if urgent and TRIAGE_ORDER[max(model.rule_ranks[r] for r in urgent)] == "emergency":
                return answers
    raise AssertionError("no dev vignette fires an emergency-level red flag")


# --- over HTTP ------------------------------------------------------------------------------


def test_the_map_hint_is_only_on_checklists_with_a_body_map(web_server: str) -> None:
    answers, question = _checklist_without_map()
    with _client(web_server) as client:
        csrf = _csrf(client)
        first = client.post("/interview", data={"csrf": csrf, "state": _state({"age": 45})})
        mapped = client.post(
            "/interview", data={"csrf": csrf, "state": _state({"age": 45, "sex": "male"})}
        )
        plain = client.post("/interview", data={"csrf": csrf, "state": _state(answers)})
    assert first.status_code == 200
    assert 'name="question" value="location"' in mapped.text
    assert "Tap the body" in mapped.text and "bm-map" in mapped.text
    assert f'name="question" value="{question.id}"' in plain.text
    assert "Tap the body" not in plain.text and "bm-map" not in plain.text
    assert "Tick everything that applies" in plain.text
    assert 'value="none_of_these"' in plain.text


def test_none_of_these_on_a_checklist_without_a_map_moves_on_and_empty_asks_again(
    web_server: str,
) -> None:
    answers, question = _checklist_without_map()
    with _client(web_server) as client:
        form = {"csrf": _csrf(client), "state": _state(answers), "question": question.id}
        empty = client.post("/interview", data={**form, "action": "answer"})
        none = client.post("/interview", data={**form, "reply": "none_of_these"})
    assert empty.status_code == 422 and "Nothing is ticked" in empty.text
    assert f'name="question" value="{question.id}"' in empty.text
    assert none.status_code == 200
    assert f'name="question" value="{question.id}"' not in none.text
    state = re.search(r'name="state" value="([^"]*)"', none.text)
    assert state is not None
    saved = json.loads(state.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert all(saved["answers"][fid] is False for fid in question.findings)


def test_progress_says_question_n_with_an_estimate_and_the_cap(web_server: str) -> None:
    cap = default_model().kb.interview.stop.max_questions
    many = {"age": 45, "sex": "male", **dict.fromkeys(_many_findings(TYPICAL_QUESTIONS + 2))}
    with _client(web_server) as client:
        csrf = _csrf(client)
        start = client.get("/interview")
        late = client.post("/interview", data={"csrf": csrf, "state": _state(many)})
    label = re.search(r'<span id="progress-label">([^<]*)</span>', start.text)
    assert label is not None
    assert label.group(1) == f"Question 1 · usually about {TYPICAL_QUESTIONS} in all, at most {cap}"
    late_label = re.search(r'<span id="progress-label">([^<]*)</span>', late.text)
    assert late_label is not None
    assert late_label.group(1).startswith(f"Question {len(many) + 1} · ")
    assert f"never more than {cap}" in late_label.group(1)


def _many_findings(count: int) -> list[str]:
    """Yes/no findings to mark "don't know", so many questions count as asked."""
    kb = default_model().kb
    return [fid for fid, f in kb.findings.items() if f.type == "boolean"][:count]


def test_favicon_is_served_and_linked(web_server: str) -> None:
    with _client(web_server) as client:
        icon = client.get("/favicon.ico")
        page = client.get("/")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert '<link rel="icon" href="/favicon.ico"' in page.text


def test_ukrainian_and_russian_new_exercise_tag_agrees_with_its_noun() -> None:
    ui = default_model().kb.texts.ui
    assert ui["programme_new"].get("uk") == "нова вправа"
    assert ui["programme_new"].get("ru") == "новое упражнение"


# --- in the browser -------------------------------------------------------------------------


def _to_location_question(page: Any, web_server: str) -> None:
    page.goto(web_server + "/interview")
    page.fill("#number-input", "45")
    page.click("button[name=action][value=answer]")
    page.click("button[name=reply][value=male]")
    assert page.get_attribute("input[name=question]", "value") == "location"


def _small_regions(page: Any) -> list[tuple[str, float, float]]:
    boxes = page.eval_on_selector_all(
        ".bm-region:not([hidden])",
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return [e.getAttribute('data-region'), r.width, r.height];
        })""",
    )
    assert boxes, "no body-map regions on the page"
    return [(rid, w, h) for rid, w, h in boxes if w < MIN_TARGET or h < MIN_TARGET]


def test_body_map_targets_are_44_px_at_320_px_and_a_tap_is_named(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    page = browser.new_page(viewport=NARROW)
    _to_location_question(page, web_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert _small_regions(page) == []
    region = page.locator(".bm-region[data-finding=loc_lower_back_left]").first
    region.click()
    assert page.is_checked("#finding-loc_lower_back_left")
    status = page.locator(".bm-status")
    assert status.is_visible()
    assert status.inner_text().startswith("Chosen: ")
    assert (
        page.get_attribute(".bm-region[data-finding=loc_lower_back_left]", "aria-label")
        in status.inner_text()
    )
    page.screenshot(path=screenshots / "body-map-location-en-320.png", full_page=True)
    region.click()
    assert status.inner_text().startswith("No longer chosen: ")
    # the spread question's map: legs, arms and the neck as well
    page.click("button[name=reply][value=none_of_these]")
    assert page.get_attribute("input[name=question]", "value") == "spread"
    assert _small_regions(page) == []
    page.screenshot(path=screenshots / "body-map-spread-en-320.png", full_page=True)
    page.close()


CONTRAST_SCRIPT = """banner => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = c.map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const background = rgb(getComputedStyle(banner).backgroundColor);
  const worst = [];
  for (const el of banner.querySelectorAll('p, span, strong')) {
    if (!el.textContent.trim() || el.closest('.button')) continue;
    worst.push([el.className, ratio(rgb(getComputedStyle(el).color), background)]);
  }
  return worst;
}"""


def test_the_emergency_banner_text_meets_aa_contrast(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=NARROW)
    page.goto(web_server + "/interview")
    page.fill("#number-input", "45")  # the age field is required in the browser
    page.evaluate(
        "state => { document.querySelector('input[name=state]').value = state;"
        " document.querySelector('input[name=question]').value = ''; }",
        _state_in_few_steps(_emergency_answers()),
    )
    page.click("button[name=action][value=answer]")
    banner = page.locator(".banner.triage-emergency")
    assert banner.count() == 1
    ratios = banner.evaluate(CONTRAST_SCRIPT)
    assert ratios and all(ratio >= 4.5 for _, ratio in ratios), ratios
    page.close()


# --- the diary ------------------------------------------------------------------------------


def _rows(page: Any, selector: str) -> list[int]:
    """How many of the selector's elements sit on each visual row, top to bottom."""
    tops = page.eval_on_selector_all(
        selector, "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    return [tops.count(top) for top in sorted(set(tops))]


def test_diary_offers_a_free_day_after_today_and_keeps_0_to_10_balanced(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    from datetime import date, timedelta

    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    _register(page, web_server, "diary-default@example.test")
    today = date.today()
    empty_chart = page.locator("#diary svg.diary-chart")
    assert page.input_value("#diary-day") == today.isoformat()
    rows = _rows(page, ".diary-form input[name=pain]")
    assert len(rows) > 1 and min(rows) > 1, rows  # "10" never alone on a row
    assert max(rows) - min(rows) <= 1, rows
    page.check("input[name=pain][value='4']")
    page.check("input[name=function][value='3']")
    page.click(".diary-form button[type=submit]")
    yesterday = today - timedelta(days=1)
    assert page.input_value("#diary-day") == yesterday.isoformat()
    page.check("input[name=pain][value='5']")
    page.check("input[name=function][value='2']")
    page.click(".diary-form button[type=submit]")  # saving the offered day works
    assert "not saved" not in page.inner_text("#diary")
    assert page.input_value("#diary-day") == (today - timedelta(days=2)).isoformat()
    page.screenshot(path=screenshots / "diary-en-320.png", full_page=True)
    labels = page.eval_on_selector_all(
        "#diary svg.diary-chart text", "els => els.map(e => e.textContent)"
    )
    assert f"{today.day} " in " | ".join(labels)  # "5 Mar", not 03-05
    page.click("header nav.languages a[lang=uk]")
    assert page.get_attribute("html", "lang") == "uk"
    labels = page.eval_on_selector_all(
        "#diary svg.diary-chart text", "els => els.map(e => e.textContent)"
    )
    assert today.strftime("%d.%m") in labels
    page.set_viewport_size({"width": 1280, "height": 900})
    assert empty_chart.bounding_box()["width"] <= 32 * 16 + 1  # text stays near 13 px
    context.close()


# --- the clinic -----------------------------------------------------------------------------


def test_the_red_flag_queue_names_the_flag_that_fired_and_when(web_server: str) -> None:
    from .conftest import CLINICIAN

    answers = {"age": 60, "sex": "male", "loc_chest": True, "rad_arm_jaw_neck": True}
    answers["cold_sweat"] = True
    with _client(web_server) as api:
        signed_in = api.post(
            "/v1/auth/token", json={"email": CLINICIAN[0], "password": CLINICIAN[1]}
        )
        assert signed_in.status_code == 200, signed_in.text
        api.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        patient = api.post("/v1/patients", json={"label": "Queue flag test"})
        assert patient.status_code == 201, patient.text
        made = api.post(
            f"/v1/patients/{patient.json()['id']}/assessments", json={"answers": answers}
        )
        assert made.status_code == 201, made.text
    rule = next(r for r in default_model().kb.red_flags if r.id == "rf_cardiac_pain")
    with _client(web_server) as client:
        csrf = _csrf(client)
        signed = client.post(
            "/signin",
            data={"csrf": csrf, "email": CLINICIAN[0], "password": CLINICIAN[1]},
        )
        assert signed.status_code in (200, 303), signed.text
        clinic = client.get("/clinic")
        assert clinic.status_code == 200
        queue = clinic.text.split('id="queue-heading"')[1].split("</section>")[0]
        assert "Red flag that fired" in queue
        row = queue.split("Queue flag test")[1].split("</tr>")[0]
        assert "<code>rf_cardiac_pain</code>" in row
        assert rule.clinician.split(":")[0] in row
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)  # when it was assessed
        reviewed = client.post(
            f"/clinic/queue/{made.json()['id']}/reviewed",
            data={"csrf": _csrf(client)},
            headers={"Origin": web_server},
        )
        assert reviewed.status_code == 303, reviewed.text
        after = client.get("/clinic").text.split('id="queue-heading"')[1].split("</section>")[0]
        assert "Queue flag test" not in after  # reviewed: out of the queue
        assert client.get(f"/assessments/{made.json()['id']}").status_code == 200  # unchanged


def test_a_clinicians_interview_starts_from_the_record_and_asks_examined_findings(
    web_server: str,
) -> None:
    from html import unescape

    from .conftest import CLINICIAN

    with _client(web_server) as api:
        signed_in = api.post(
            "/v1/auth/token", json={"email": CLINICIAN[0], "password": CLINICIAN[1]}
        )
        api.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        made = api.post(
            "/v1/patients", json={"label": "Prefill test", "sex": "female", "birth_year": 1956}
        )
        assert made.status_code == 201, made.text
    patient = made.json()["id"]
    with _client(web_server) as client:
        csrf = _csrf(client)
        client.post("/signin", data={"csrf": csrf, "email": CLINICIAN[0], "password": CLINICIAN[1]})
        first = client.get(f"/interview?patient={patient}")
        assert first.status_code == 200, first.text
        state = json.loads(unescape(re.findall(r'name="state" value="([^"]*)"', first.text)[0]))
        assert state["answers"] == {"age": float(date.today().year - 1956), "sex": "female"}
        assert "How old are you?" not in first.text
        assert f'name="patient" value="{patient}"' in first.text
        # The clinician's interview asks what only an examination shows; a person's never.
        clinical, question = _until_an_examined_question(state["answers"])
        asked = client.post(
            "/interview",
            data={"csrf": _csrf(client), "state": clinical, "patient": patient, "action": "x"},
        )
        assert asked.status_code == 200, asked.text
        assert f'name="question" value="{question.id}"' in asked.text
    with _client(web_server) as anyone:
        shown = anyone.post(
            "/interview",
            data={"csrf": _csrf(anyone), "state": clinical, "patient": patient, "action": "x"},
        )
    asked_of_a_person = re.findall(r'name="question" value="([^"]*)"', shown.text)
    assert asked_of_a_person and not set(asked_of_a_person) & EXAMINED


EXAMINED = set(default_model().kb.vocabulary.examined)


def _until_an_examined_question(known: dict[str, object]) -> tuple[str, Question]:
    """An interview state (every earlier question answered "don't know") at which the
    clinician's interview asks an examined finding, and that question."""
    answers: dict[str, object] = {**known, "loc_abdomen": True, "rad_back_to_abdomen": True}
    steps: list[list[str]] = [["loc_abdomen", "rad_back_to_abdomen"]]
    for _ in range(30):
        question = next_question(answers, len(steps), None, "clinician")
        assert question is not None, "the clinician's interview asked no examined finding"
        if set(question.findings) & EXAMINED:
            return json.dumps({"answers": answers, "steps": steps}), question
        answers.update(dict.fromkeys(question.findings, None))
        steps.append(list(question.findings))
    raise AssertionError("no examined finding within 30 questions")


def test_a_result_page_says_not_a_diagnosis_and_the_kb_version_once(web_server: str) -> None:
    answers = {"age": 35, "sex": "male", "loc_lower_back_central": True}
    with _client(web_server) as client:
        form = {"csrf": _csrf(client), "state": _state(answers), "action": "finish"}
        result = client.post("/interview", data=form)
        start = client.get("/")
    assert result.status_code == 200 and 'id="triage-label"' in result.text
    assert result.text.count("This is not a diagnosis") == 1
    assert result.text.count(default_model().kb.version) == 1
    assert start.text.count(default_model().kb.version) == 1  # other pages keep the footer's
