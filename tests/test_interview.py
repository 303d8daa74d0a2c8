"""The adaptive interview engine: order, applicability, danger screening, stop, back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumbar.engine.interview import (
    NONE_OF_THESE,
    UNKNOWN,
    Interview,
    InvalidReply,
    Purpose,
    Question,
    Reply,
    next_question,
    reply_answers,
    urgent_red_flags,
)
from lumbar.engine.model import CompiledModel, default_model
from lumbar.engine.wording import word_question
from lumbar.evaluation.interview_simulation import simulate_interview, simulated_reply
from lumbar.evaluation.vignettes import load_vignettes
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import LANGUAGES

from .conftest import DEV_VIGNETTES

VIGNETTES = load_vignettes(DEV_VIGNETTES)
ANY = Purpose("tell_apart")


def answer_all(interview: Interview, replies: list[Reply]) -> Interview:
    for reply in replies:
        question = interview.next_question()
        assert question is not None
        interview = interview.answer(question, reply)
    return interview


def test_opening_order_for_a_man() -> None:
    interview = Interview()
    asked = []
    for reply in (45, "male", ["loc_flank_left"], ["rad_groin"]):
        question = interview.next_question()
        assert question is not None
        asked.append((question.id, question.kind))
        interview = interview.answer(question, reply)
    assert asked == [
        ("age", "number"),
        ("sex", "choice"),
        ("location", "multiple"),
        ("spread", "multiple"),
    ]


def test_pregnancy_is_asked_of_women_of_childbearing_age_only() -> None:
    young = answer_all(Interview(), [30, "female"])
    assert young.next_question().id == "pregnant"  # type: ignore[union-attr]
    older = answer_all(Interview(), [70, "female"])
    assert older.next_question().id == "location"  # type: ignore[union-attr]


def test_location_question_takes_several_areas() -> None:
    interview = answer_all(Interview(), [45, "male"])
    question = interview.next_question()
    assert question is not None and question.kind == "multiple"
    interview = interview.answer(question, ["loc_lower_back_central", "loc_sacrum_buttock"])
    assert interview.answers["loc_lower_back_central"] is True
    assert interview.answers["loc_sacrum_buttock"] is True
    assert interview.answers["loc_flank_left"] is False


def test_left_flank_pain_is_screened_for_fever_urine_and_fainting_first() -> None:
    interview = answer_all(Interview(), [62, "male", ["loc_flank_left"], [NONE_OF_THESE]])
    screened: set[str] = set()
    while (question := interview.next_question()) is not None:
        if question.purpose.kind != "danger":
            break
        screened.update(question.findings)
        interview = interview.answer(
            question, [NONE_OF_THESE] if question.kind == "multiple" else None
        )
    assert {"fever", "oliguria", "fainting_dizziness"} <= screened


def test_every_person_is_screened_for_cauda_equina() -> None:
    interview = answer_all(Interview(), [30, "male", ["loc_lower_back_central"], [NONE_OF_THESE]])
    question = interview.next_question()
    assert question is not None and question.purpose.kind == "danger"
    assert {"saddle_anesthesia", "bladder_dysfunction"} <= set(question.findings)


def test_no_aneurysm_questions_for_a_young_woman_after_lifting() -> None:
    interview = answer_all(
        Interview(), [25, "female", False, ["loc_lower_back_central"], [NONE_OF_THESE]]
    )
    asked: set[str] = set()
    while (question := interview.next_question()) is not None:
        asked.update(question.findings)
        interview = interview.answer(
            question, [NONE_OF_THESE] if question.kind == "multiple" else None
        )
    assert "pulsatile_abdominal_mass" not in asked


def test_findings_of_the_other_sex_and_pregnancy_details_are_never_asked(
    kb: KnowledgeBase, model: CompiledModel
) -> None:
    for vignette in VIGNETTES:
        answers = vignette.all_answers()
        run = simulate_interview(answers, model)
        for question in run.questions:
            for fid in question.findings:
                assert vignette.sex in kb.findings[fid].data.sexes, (vignette.id, fid)
                if fid in ("decreased_fetal_movement", "uterine_contractions"):
                    assert answers.get("pregnant") is True, (vignette.id, fid)


def test_no_finding_is_asked_twice_and_the_cap_holds(model: CompiledModel) -> None:
    cap = model.kb.interview.stop.max_questions
    for vignette in VIGNETTES:
        run = simulate_interview(vignette.all_answers(), model)
        asked = [fid for q in run.questions for fid in q.findings]
        assert len(asked) == len(set(asked)), vignette.id
        assert len(run.questions) <= cap


def test_the_cap_stops_the_interview() -> None:
    answers = {"age": 40, "sex": "male"}
    assert next_question(answers, asked=30) is None
    assert next_question(answers, asked=3) is not None


def test_unknown_answers_are_not_asked_again() -> None:
    interview = answer_all(Interview(), [45, "male", ["loc_lower_back_central"], [NONE_OF_THESE]])
    question = interview.next_question()
    assert question is not None
    interview = interview.answer(question, None)
    assert all(interview.answers[fid] == UNKNOWN for fid in question.findings)
    following = interview.next_question()
    assert following is None or not set(following.findings) & set(question.findings)
    assessment = interview.assessment()
    assert not set(question.findings) & set(assessment.answers)


def test_going_back_removes_exactly_the_last_answers() -> None:
    start = answer_all(Interview(), [45, "male", ["loc_flank_left"]])
    question = start.next_question()
    assert question is not None
    answered = start.answer(question, ["rad_groin"])
    assert answered.back() == start
    assert Interview().back() == Interview()


def test_every_question_has_why_and_text_in_every_language(kb: KnowledgeBase) -> None:
    for vignette in VIGNETTES[::10]:
        for question in simulate_interview(vignette.all_answers()).questions:
            for lang in LANGUAGES:
                wording = word_question(kb, question, lang)
                assert wording.prompt and wording.why
                assert "{" not in wording.why, wording.why
                if question.kind in ("boolean", "choice", "multiple"):
                    assert wording.options


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        (Question("fever", "boolean", ("fever",), None), "yes"),  # type: ignore[arg-type]
        (Question("age", "number", ("age",), None), 200),  # type: ignore[arg-type]
        (Question("duration", "choice", ("duration",), None), "years"),  # type: ignore[arg-type]
        (Question("g", "multiple", ("fever", "chills"), None), ["cough"]),  # type: ignore[arg-type]
        (Question("g", "multiple", ("fever", "chills"), None), "fever"),  # type: ignore[arg-type]
    ],
)
def test_replies_that_do_not_fit_are_refused(question: Question, reply: Reply) -> None:
    with pytest.raises(InvalidReply):
        reply_answers(question, reply)


def test_age_and_sex_cannot_be_unknown() -> None:
    question = Interview().next_question()
    assert question is not None
    with pytest.raises(InvalidReply):
        Interview().answer(question, None)


def _reply_for(question: Question, choice: bool | None) -> Reply:
    if choice is None:
        return None
    if question.kind == "multiple":
        return list(question.findings[:1]) if choice else [NONE_OF_THESE]
    if question.kind == "boolean":
        return choice
    if question.kind == "number":
        return 8.0 if choice else 2.0
    return None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    age=st.integers(min_value=16, max_value=95),
    sex=st.sampled_from(["female", "male"]),
    location=st.sampled_from(
        [["loc_lower_back_central"], ["loc_flank_left"], ["loc_chest"], ["loc_abdomen"]]
    ),
    path=st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=8),
    change_at=st.integers(min_value=0, max_value=7),
)
def test_changing_an_earlier_answer_equals_answering_so_from_the_start(
    age: int, sex: str, location: list[str], path: list[bool | None], change_at: int
) -> None:
    """Go back to question k, answer differently, continue: same as doing that directly."""
    opening: list[Reply] = [age, sex, *([False] if sex == "female" and age <= 55 else []), location]
    base = answer_all(Interview(), opening)

    def run(choices: list[bool | None]) -> Interview:
        interview = base
        for choice in choices:
            question = interview.next_question()
            if question is None:
                break
            interview = interview.answer(question, _reply_for(question, choice))
        return interview

    k = min(change_at, len(path) - 1)
    first = run(path)
    rewound = first
    while len(rewound.history) > len(base.history) + k:
        rewound = rewound.back()
    changed = [*path[:k], None if path[k] is not None else True, *path[k + 1 :]]
    resumed = rewound
    for choice in changed[k:]:
        question = resumed.next_question()
        if question is None:
            break
        resumed = resumed.answer(question, _reply_for(question, choice))
    direct = run(changed)
    assert resumed == direct
    assert resumed.next_question() == direct.next_question()
    assert resumed.assessment().to_dict() == direct.assessment().to_dict()


def test_simulated_person_answers_from_the_vignette(model: CompiledModel) -> None:
    answers = {"age": 50, "sex": "male", "fever": True, "duration": "days"}
    group = Question("g", "multiple", ("fever", "chills"), ANY)
    assert simulated_reply(group, answers, model) == ["fever"]
    chills = Question("chills", "boolean", ("chills",), ANY)
    assert simulated_reply(chills, answers, model) is False
    severity = Question("pain_severity", "number", ("pain_severity",), ANY)
    assert simulated_reply(severity, answers, model) is None


def test_urgent_red_flags_are_reported_as_soon_as_they_fire() -> None:
    answers = {"age": 45, "sex": "male", "loc_lower_back_central": True}
    assert urgent_red_flags(answers) == ()
    assert urgent_red_flags({**answers, "saddle_anesthesia": True}) == ("rf_cauda_equina",)


def test_an_empty_checklist_is_not_no_and_none_of_these_is() -> None:
    """An empty submission is refused; "none of these" answers no to every item."""
    interview = answer_all(Interview(), [45, "male", ["loc_lower_back_central"]])
    question = interview.next_question()
    assert question is not None and question.kind == "multiple"
    with pytest.raises(InvalidReply):
        interview.answer(question, [])
    with pytest.raises(InvalidReply):
        interview.answer(question, [NONE_OF_THESE, question.findings[0]])
    answered = interview.answer(question, [NONE_OF_THESE])
    assert all(answered.answers[fid] is False for fid in question.findings)


def test_no_checklist_is_asked_twice() -> None:
    """A group question ("which of these are true?") comes at most once in an interview."""
    from lumbar.evaluation.interview_simulation import simulate_interview

    run = simulate_interview(
        {"age": 58, "sex": "male", "loc_lower_back_left": True, "char_sharp": True}
    )
    ids = [q.id for q in run.questions if q.kind == "multiple"]
    assert len(ids) == len(set(ids))
    asked = [fid for q in run.questions for fid in q.findings]
    assert len(asked) == len(set(asked))


def test_a_clinician_interview_asks_examined_findings() -> None:
    answers = {"age": 70, "sex": "male", "loc_lower_back_central": True, "onset_sudden": True}
    examined = set(default_model().kb.vocabulary.examined)
    asked: set[str] = set()
    interview = Interview(answers=answers, mode="clinician")
    while (question := interview.next_question()) is not None and len(interview.history) < 30:
        asked |= set(question.findings)
        reply = [NONE_OF_THESE] if question.kind == "multiple" else None
        interview = interview.answer(question, reply)
    assert asked & examined


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_clinician_reads_a_finding_by_its_label_and_why_by_condition(
    kb: KnowledgeBase, lang: str
) -> None:
    question = Question(
        "hypotension", "boolean", ("hypotension",), Purpose("rule_out", ("aortic_aneurysm",))
    )
    text = kb.texts.findings["hypotension"]
    for_a_clinician = word_question(kb, question, lang, clinician=True)
    assert for_a_clinician.prompt == f"{text.label.get(lang)}?"
    assert for_a_clinician.help == text.question.get(lang)  # to ask it aloud
    assert kb.texts.conditions["aortic_aneurysm"].name.get(lang) in for_a_clinician.why
    assert word_question(kb, question, lang).prompt == text.question.get(lang)
