"""The web app in a real browser: the interview by tapping the body map, every triage level,
languages, no JavaScript, an account with a pain diary, and the clinician's view."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from lumbar.engine import default_model
from lumbar.evaluation.interview_simulation import simulate_interview
from lumbar.evaluation.vignettes import Vignette, load_vignettes
from lumbar.kb.models import TRIAGE_ORDER
from lumbar.web.body_map import REGIONS

from .conftest import CLINICIAN, DESKTOP, PHONE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
VIGNETTES = Path(__file__).parents[2] / "vignettes" / "dev"
MAPPED = {region.finding for region in REGIONS}
MAX_PAGES = 40


@cache
def vignette_for(level: str) -> Vignette:
    """A dev vignette whose simulated interview ends at `level`, its gold triage."""
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for vignette in load_vignettes(path):
            if vignette.gold.triage != level:
                continue
            answers = {"age": vignette.age, "sex": vignette.sex, **vignette.answers}
            if simulate_interview(answers).assessment.triage.level == level:
                return vignette
    raise AssertionError(f"no dev vignette reaches {level}")


def person(vignette: Vignette) -> dict[str, Any]:
    return {"age": vignette.age, "sex": vignette.sex, **vignette.answers}


def answer_page(page: Any, answers: dict[str, Any]) -> None:
    """Reply to the question on screen as the person described by `answers` would."""
    kb = default_model().kb
    findings = [
        v for v in page.eval_on_selector_all("input[name=finding]", "els => els.map(e => e.value)")
    ]
    if findings:  # a group: tap the body map where it can, tick the rest
        if not any(answers.get(fid) is True for fid in findings):
            page.click("button[name=reply][value=none_of_these]")
            return
        for fid in findings:
            if answers.get(fid) is not True:
                continue
            if fid in MAPPED and page.locator(f".bm-region[data-finding={fid}]").count():
                page.locator(f".bm-region[data-finding={fid}]").first.click()
                assert page.locator(f"#finding-{fid}").is_checked()
            else:
                page.check(f"#finding-{fid}")
        page.click("button[name=action][value=answer]")
        return
    question = page.get_attribute("input[name=question]", "value")
    value = answers.get(question)
    kind = kb.findings[question].type
    if kind == "boolean":
        page.click(f"button[name=reply][value={'yes' if value is True else 'no'}]")
    elif value is None:
        page.click("button[name=reply][value=unknown]")
    elif kind == "number" and page.locator("#number-input").count():
        page.fill("#number-input", f"{value:g}")
        page.click("button[name=action][value=answer]")
    else:
        reply = f"{value:g}" if isinstance(value, int | float) else value
        page.click(f"button[name=reply][value='{reply}']")


def run_interview(page: Any, answers: dict[str, Any]) -> None:
    page.click("a[href='/interview']")
    for _ in range(MAX_PAGES):
        if page.locator("#triage-label").count():
            return
        answer_page(page, answers)
    raise AssertionError("the interview did not end")


def test_start_page_says_what_lumbar_is_and_switches_language(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/")
    assert page.get_attribute("html", "lang") == "en"
    assert "not a diagnosis" in page.inner_text("main")
    assert page.locator("a[href^='tel:']").count() >= 1
    page.screenshot(path=screenshots / "start-en-phone.png", full_page=True)
    page.click("text=Українська")
    assert page.get_attribute("html", "lang") == "uk"
    assert "Це не діагноз" in page.inner_text("main")
    page.goto(web_server + "/")  # the choice is remembered
    assert page.get_attribute("html", "lang") == "uk"
    page.screenshot(path=screenshots / "start-uk-phone.png", full_page=True)
    page.close()


def test_body_map_taps_become_location_findings(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/")
    page.click("a[href='/interview']")
    answer_page(page, {"age": 62})
    answer_page(page, {"sex": "female"})
    assert page.get_attribute("input[name=question]", "value") == "location"
    region = page.locator(".bm-region[data-finding=loc_flank_left]").first
    region.click()
    assert page.is_checked("#finding-loc_flank_left")
    assert region.get_attribute("aria-checked") == "true"
    region.click()
    assert not page.is_checked("#finding-loc_flank_left")
    region.focus()
    page.keyboard.press("Space")
    assert page.is_checked("#finding-loc_flank_left")
    page.screenshot(path=screenshots / "interview-body-map-phone.png", full_page=True)
    page.click("button[name=action][value=answer]")
    assert page.get_attribute("input[name=question]", "value") == "spread"
    page.click("button[name=action][value=back]")
    assert page.get_attribute("input[name=question]", "value") == "location"
    page.close()


@pytest.mark.parametrize("level", TRIAGE_ORDER[::-1])
def test_an_interview_reaches_each_triage_level(
    level: str, web_server: str, browser: Any, screenshots: Path
) -> None:
    vignette = vignette_for(level)
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/?lang=en")
    run_interview(page, person(vignette))
    banner = page.locator("section.banner").first
    assert f"triage-{level}" in (banner.get_attribute("class") or "")
    words = default_model().kb.texts.triage[level]
    assert page.inner_text("#triage-label") == words.label.get("en")
    assert "This is not a diagnosis" in page.inner_text("main")
    if level in ("emergency_ambulance", "emergency"):
        assert page.locator("section.banner a.button.danger[href^='tel:']").count() == 1
    page.screenshot(path=screenshots / f"result-{level}-phone.png", full_page=True)
    page.close()


def test_an_emergency_sign_interrupts_the_interview(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/?lang=en")
    answers = {"age": 50, "sex": "male", "loc_lower_back_central": True, "saddle_anesthesia": True}
    page.click("a[href='/interview']")
    for _ in range(MAX_PAGES):
        if page.locator("[role=alert].banner").count():
            break
        answer_page(page, answers)
    alert = page.locator("[role=alert].banner")
    assert "triage-emergency" in (alert.get_attribute("class") or "")
    page.click("button[name=action][value=finish]")
    assert "triage-emergency" in (page.locator("section.banner").first.get_attribute("class") or "")
    page.close()


def test_language_switch_keeps_the_answers(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/?lang=en")
    page.click("a[href='/interview']")
    answer_page(page, {"age": 33})
    answer_page(page, {"sex": "male"})
    state = page.get_attribute("input[name=state]", "value")
    page.click("button[name=lang_switch][value=ru]")
    assert page.get_attribute("html", "lang") == "ru"
    assert page.get_attribute("input[name=state]", "value") == state
    assert page.get_attribute("input[name=question]", "value") == "location"
    assert "Где болит" in page.inner_text("legend")
    page.click("button[name=lang_switch][value=en]")
    page.close()


def test_the_interview_works_without_javascript(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(web_server + "/?lang=en")
    page.click("a[href='/interview']")
    answer_page(page, {"age": 40})
    answer_page(page, {"sex": "male"})
    assert page.locator(".bm-map").first.is_hidden()  # no map without scripts: tick boxes
    page.check("#finding-loc_lower_back_central")
    page.screenshot(path=screenshots / "interview-no-javascript-phone.png", full_page=True)
    page.click("button[name=action][value=answer]")
    vignette = vignette_for("self_care")
    for _ in range(MAX_PAGES):
        if page.locator("#triage-label").count():
            break
        answer_page(page, {**person(vignette), "age": 40, "sex": "male"})
    assert page.locator("#triage-label").count() == 1
    context.close()


def test_anonymous_result_downloads_a_pdf_report(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(web_server + "/?lang=en")
    run_interview(page, person(vignette_for("consultation")))
    with page.expect_download() as download:
        page.click("form[action='/report.pdf'] button")
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    page.close()


def _register(page: Any, url: str, email: str) -> None:
    page.goto(url + "/register?lang=en")
    page.fill("#email", email)
    page.fill("#password", "patient-password-1")
    page.fill("#password_again", "patient-password-1")
    page.check("#consent")
    page.click("form[action='/register'] button[type=submit]")
    page.fill("#email", email)  # then sign in, as after registering an email that had one
    page.fill("#password", "patient-password-1")
    page.click("form[action='/signin'] button[type=submit]")


def _diary_day(page: Any, day: date, pain: int, function: int) -> None:
    page.fill("#diary-day", day.isoformat())
    page.check(f"input[name=pain][value='{pain}']")
    page.check(f"input[name=function][value='{function}']")
    page.click(".diary-form button[type=submit]")


def test_a_patient_keeps_results_and_a_pain_diary(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _register(page, web_server, "pat@example.test")
    assert "/patients/" in page.url
    run_interview(page, person(vignette_for("self_care")))
    assert "/assessments/" in page.url  # stored, then shown from the record
    page.screenshot(path=screenshots / "result-stored-phone.png", full_page=True)
    page.goto(web_server + "/me")
    today = date.today()
    for offset, pain, function in (
        (6, 3, 7),
        (5, 3, 7),
        (4, 4, 6),
        (3, 6, 5),
        (2, 7, 4),
        (1, 8, 3),
    ):
        _diary_day(page, today - timedelta(days=offset), pain, function)
    assert page.locator("figure.chart svg").count() == 1
    assert "getting worse" in page.inner_text("#diary").lower()
    assert page.locator("#diary a[href^='/interview']").count() == 1
    page.screenshot(path=screenshots / "diary-phone.png", full_page=True)
    page.fill("#diary-day", (today - timedelta(days=1)).isoformat())  # the same day twice
    page.check("input[name=pain][value='2']")
    page.click(".diary-form button[type=submit]")
    assert "not saved" in page.inner_text("#diary")
    context.close()


def test_a_warning_sign_in_the_diary_stops_the_programme(web_server: str, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _register(page, web_server, "warn@example.test")
    run_interview(page, person(vignette_for("self_care")))
    page.goto(web_server + "/me")
    page.check("input[name=pain][value='5']")
    page.check("input[name=sign_bladder_dysfunction]")
    page.click(".diary-form button[type=submit]")
    alert = page.locator("section.banner[role=alert]")
    assert alert.count() == 1
    assert "triage-emergency" in (alert.get_attribute("class") or "")
    context.close()


def test_a_clinician_sees_the_red_flag_queue_first(
    web_server: str, browser: Any, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(web_server + "/signin?lang=en")
    page.fill("#email", CLINICIAN[0])
    page.fill("#password", CLINICIAN[1])
    page.click("form[action='/signin'] button[type=submit]")
    assert page.url.endswith("/clinic")
    page.fill("#label", "R-17")
    page.select_option("#sex", "male")
    page.fill("#birth_year", "1968")
    page.click("form[action='/clinic/patients'] button[type=submit]")
    assert "/patients/" in page.url
    page.click("a[href^='/interview?patient=']")
    for _ in range(MAX_PAGES):
        if page.locator("#triage-label").count():
            break
        answer_page(page, person(vignette_for("emergency")))
    assert "/assessments/" in page.url
    reply = page.request.get(page.url + "/report.pdf")
    assert reply.status == 200 and reply.body().startswith(b"%PDF")
    patient_page = page.locator("a[href^='/patients/']").first.get_attribute("href")
    page.goto(web_server + "/clinic")
    queue = page.locator(".queue tbody tr")
    assert queue.count() >= 1
    assert "R-17" in queue.first.inner_text()
    page.screenshot(path=screenshots / "clinic-desktop.png", full_page=True)
    page.goto(web_server + f"{patient_page}")
    page.click("a[href^='/interview?patient=']")
    for _ in range(MAX_PAGES):
        if page.locator("#triage-label").count():
            break
        answer_page(page, {**person(vignette_for("self_care")), "sex": "male"})
    assert page.locator(".tag", has_text="clinician view").count() == 1
    assert "Dose:" in page.inner_text("section[aria-labelledby=plan-heading]")
    page.screenshot(path=screenshots / "result-clinician-desktop.png", full_page=True)
    context.close()


def test_records_need_sign_in_and_stay_private(web_server: str, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(web_server + "/clinic")
    assert "/signin" in page.url
    _register(page, web_server, "someone@example.test")
    own = page.url
    page.goto(web_server + "/clinic")
    assert page.locator("h1", has_text="Something is not right").count() == 1
    other = context.new_page()
    other.goto(web_server + "/patients/00000000-0000-4000-8000-000000000000")
    assert "no such page" in other.inner_text("main")
    assert own.startswith(web_server + "/patients/")
    context.close()


def test_pages_are_accessible_basics(web_server: str, browser: Any) -> None:
    """Every form control has a label, the page has a language, images have text."""
    page = browser.new_page(viewport=PHONE)
    check = """() => {
        const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'));
        return unlabelled.map(e => e.name);
    }"""
    for path in ("/", "/signin", "/register", "/interview"):
        page.goto(web_server + path)
        assert page.get_attribute("html", "lang") in ("en", "uk", "ru")
        assert page.evaluate(check) == [], path
        assert page.locator("main h1").count() >= 1, path
    page.close()


def test_the_interview_works_by_keyboard_alone(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/interview?lang=en")
    page.wait_for_function("document.activeElement.id === 'number-input'")  # autofocus
    page.keyboard.type("44")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("input[name=question]", "value") == "sex"
    page.focus("button[name=reply][value=male]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("input[name=question]", "value") == "location"
    page.locator("#finding-loc_lower_back_central").focus()
    page.keyboard.press("Space")
    assert page.is_checked("#finding-loc_lower_back_central")
    page.close()


def test_no_page_scrolls_sideways_on_a_small_phone(web_server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 640})
    wider = "() => document.scrollingElement.scrollWidth - window.innerWidth"
    page.goto(web_server + "/?lang=uk")
    assert page.evaluate(wider) <= 0
    page.click("a[href='/interview']")
    answer_page(page, {"age": 70})
    answer_page(page, {"sex": "female"})
    assert page.evaluate(wider) <= 0  # the body map page
    for _ in range(MAX_PAGES):
        if page.locator("#triage-label").count():
            break
        answer_page(page, person(vignette_for("consultation_24")) | {"age": 70})
    assert page.evaluate(wider) <= 0
    page.close()


def test_an_anonymous_result_survives_registration(web_server: str, browser: Any) -> None:
    """Issue 14: a person who sees a result and then creates an account finds that very
    result in their records after the one sign-in the registration asks for."""
    page = browser.new_page(viewport=PHONE)
    page.goto(web_server + "/?lang=en")
    run_interview(page, person(vignette_for("consultation")))
    level = page.locator("#triage-label").inner_text()
    page.click("form[action='/register/keep'] button")
    email = f"keeps-{date.today():%Y%m%d}-{id(page)}@lumbar.test"
    page.fill("#email", email)
    page.fill("#password", "patient-password-1")
    page.fill("#password_again", "patient-password-1")
    page.check("#consent")
    page.click("form[action='/register'] button[type=submit]")
    assert page.locator("form[action='/signin'] input[name=state]").count() == 1
    page.fill("#password", "patient-password-1")
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url("**/assessments/*")
    assert page.locator("#triage-label").inner_text() == level
    page.goto(web_server + "/me")
    assert page.locator("a[href^='/assessments/']").count() == 1
    page.close()
