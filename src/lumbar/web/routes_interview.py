"""The start page and the interview, one question a screen; works without an account
(nothing stored) and without JavaScript (the body map is an aid over plain tick boxes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from lumbar.engine import InvalidAnswers, assess, default_model
from lumbar.engine.answers import AnswerValue
from lumbar.engine.interview import InvalidReply, Mode, Question
from lumbar.engine.wording import word_question
from lumbar.kb.models import LANGUAGES
from lumbar.result_view import urgent_notice
from lumbar.server.deps import unit_of_work
from lumbar.storage import records
from lumbar.storage.models import ID_LENGTH
from lumbar.storage.records import save_assessment
from lumbar.web.body_map import words_for
from lumbar.web.form_text import form_text
from lumbar.web.interview_form import BadForm, InterviewState, decode_state, read_reply
from lumbar.web.report_pdf import report_pdf
from lumbar.web.result_page import result_context, starting_programme
from lumbar.web.session import Visitor, check_csrf, visitor
from lumbar.web.templating import pdf_download, render
from lumbar.web.words import word

router = APIRouter(include_in_schema=False)
TYPICAL_QUESTIONS = 12  # the progress bar's horizon; the dev set's median is about 11
MAP_KINDS = ("location", "spread")


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request) -> Response:
    """What lumbar is and is not, when to call an ambulance instead, and Start."""
    with unit_of_work(request) as session:
        return render(request, visitor(request, session), "start.html")


def _progress(state: InterviewState, lang: str) -> tuple[int, int, str]:
    """The bar's value and horizon, and its words: "question N" with the usual count as an
    estimate and the interview's cap, not a made-up total."""
    asked = len(state.steps)
    cap = default_model().kb.interview.stop.max_questions
    key = "web_progress_estimate" if asked < TYPICAL_QUESTIONS else "web_progress_past_estimate"
    words = word(key, lang, n=asked + 1, typical=TYPICAL_QUESTIONS, cap=cap)
    return asked, max(TYPICAL_QUESTIONS, asked + 3), words


def _question_page(
    request: Request,
    who: Visitor,
    state: InterviewState,
    question: Question,
    error: str | None = None,
    patient: str = "",
) -> Response:
    kb = default_model().kb
    wording = word_question(kb, question, who.lang, _mode(who, patient) == "clinician")
    chosen = {fid for fid in question.findings if state.answers.get(fid) is True}
    # An emergency rule has fired: warn now, with the level the result will show and why.
    notice = (
        urgent_notice(kb, state.answers, who.lang) if state.can_finish and state.urgent() else None
    )
    return render(
        request,
        who,
        "question.html",
        status=422 if error else 200,
        state=state.encode(),
        question=question,
        wording=wording,
        chosen=chosen,
        body_map=question.purpose.kind in MAP_KINDS,
        body_map_words=words_for(who.lang),
        finding_labels={fid: kb.texts.findings[fid].label.get(who.lang) for fid in kb.findings},
        progress=_progress(state, who.lang),
        can_go_back=bool(state.steps),
        notice=notice,
        error=error,
        patient=patient,
    )


def _mode(who: Visitor, patient: str) -> Mode:
    """A clinician assessing a patient of theirs runs the clinician's interview (examined
    findings too); everyone else the person's own. Decided by who is signed in, never by
    the form."""
    user = who.user
    return "clinician" if user is not None and user.role == "clinician" and patient else "patient"


def _from_the_record(request: Request, who: Visitor, patient: str) -> InterviewState:
    """A clinician's new interview starts with what the patient's record holds: sex, and age
    from the birth year (the older of the two ages it allows: when in doubt, more urgent)."""
    if _mode(who, patient) != "clinician":
        return InterviewState()
    with unit_of_work(request) as session:
        record = records.get_patient(session, who.actor(request), patient)
    known: dict[str, AnswerValue | None] = {}
    if record.birth_year is not None:
        known["age"] = float(date.today().year - record.birth_year)
    if record.sex is not None:
        known["sex"] = record.sex
    return InterviewState(known)


def _record_for(who: Visitor, patient: str) -> str | None:
    """Whose record the assessment goes into: a signed-in patient's own, or the patient a
    clinician is assessing; None: shown and not stored."""
    if who.user is None:
        return None
    if who.user.role == "patient":
        return who.user.patient_id
    if who.user.role == "clinician" and patient:
        return patient
    return None


def _finish(request: Request, who: Visitor, state: InterviewState, patient: str) -> Response:
    """The result: stored when it goes into a record (then shown from there), else shown."""
    record = _record_for(who, patient)
    if record is not None:
        with unit_of_work(request) as session:
            stored = save_assessment(session, who.actor(request), record, state.answers, who.lang)
            target = f"/assessments/{stored.id}"
        return RedirectResponse(target, status_code=303)
    result = assess(state.answers).to_dict()
    return render(
        request,
        who,
        "result.html",
        state=state.encode(),
        stored=None,
        **result_context(
            result, who.lang, clinician=False, programme=starting_programme(result, date.today())
        ),
    )


@router.get("/interview", response_class=HTMLResponse)
def interview_start(request: Request) -> Response:
    """The first question of a new interview."""
    with unit_of_work(request) as session:
        who = visitor(request, session)
    patient = str(request.query_params.get("patient", ""))[:ID_LENGTH]
    state = _from_the_record(request, who, patient)
    question = state.question(_mode(who, patient))
    assert question is not None  # an interview never stops before its first question
    return _question_page(request, who, state, question, patient=patient)


async def _posted_interview(request: Request) -> tuple[Visitor, FormData, InterviewState]:
    """The visitor, the form (its CSRF token checked) and the interview state it carries."""
    form = await request.form()
    with unit_of_work(request) as session:
        who = visitor(request, session)
    check_csrf(request, form)
    try:
        return who, form, decode_state(form.get("state"))
    except BadForm as error:
        raise HTTPException(422, str(error)) from error


@router.post("/interview", response_class=HTMLResponse)
async def interview_step(request: Request) -> Response:
    """Record the reply (or go back, or finish now) and show the next question or the result."""
    who, form, state = await _posted_interview(request)
    patient = form_text(form, "patient", ID_LENGTH)
    switch = form.get("lang_switch")
    action = form.get("action", "answer")
    mode = _mode(who, patient)
    if isinstance(switch, str) and switch in LANGUAGES:
        who = replace(who, lang=switch, remember_lang=True)
    elif action == "back":
        state = state.back()
    elif action == "finish" and state.can_finish:
        return _finish(request, who, state, patient)
    elif action == "answer":
        question = state.question(mode)
        if question is None:
            return _finish(request, who, state, patient)
        if form.get("question") != question.id:  # an old page sent again: ask the current one
            return _question_page(request, who, state, question, patient=patient)
        try:
            state = state.answer(question, read_reply(question, form))
        except (InvalidReply, InvalidAnswers) as error:
            words = _error_words(who, question, error)
            return _question_page(request, who, state, question, words, patient)
    question = state.question(mode)
    if question is None:
        return _finish(request, who, state, patient)
    return _question_page(request, who, state, question, patient=patient)


def _error_words(who: Visitor, question: Question, error: Exception) -> str:
    """What went wrong with a reply, in the person's language."""
    kb = default_model().kb
    ui = kb.texts.ui
    if isinstance(error, InvalidAnswers) and any(
        p.field == "age" and "adults" in p.problem for p in error.problems
    ):
        return ui["age_limit"].get(who.lang)
    if question.kind == "multiple":
        return word("web_checklist_empty", who.lang)
    if question.kind == "number":
        low, high = kb.findings[question.findings[0]].vocab.range or (0, 0)
        return ui["invalid_number"].get(who.lang).format(min=f"{low:g}", max=f"{high:g}")
    return ui["invalid_choice"].get(who.lang)


@router.post("/report.pdf")
async def anonymous_report(request: Request) -> Response:
    """The PDF report of answers carried in the page (nothing stored)."""
    who, _, state = await _posted_interview(request)
    if not state.can_finish:
        raise HTTPException(422, "state: age and sex are needed")
    result = assess(state.answers).to_dict()
    content = report_pdf(default_model().kb, result, who.lang, clinician=False)
    return pdf_download(content, f"lumbar-{date.today().isoformat()}.pdf")
