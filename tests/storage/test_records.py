"""Assessments, interviews and the diary: stored as assessed, paginated, audited."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from lumbar.engine import assess
from lumbar.storage.access import AccessDenied, InvalidRecord, RecordNotFound
from lumbar.storage.diary import add_diary_entry, list_diary_entries
from lumbar.storage.interviews import (
    abandon_interview,
    finish_interview,
    get_interview,
    save_interview_answers,
    start_interview,
)
from lumbar.storage.models import Assessment, AuditEvent, InterviewSession, RedFlagReview
from lumbar.storage.records import (
    get_assessment,
    list_assessments,
    list_red_flag_queue,
    review_red_flags,
    save_assessment,
)

from .conftest import World

CARDIAC = {
    "age": 66,
    "sex": "female",
    "loc_below_left_scapula": True,
    "cold_sweat": True,
    "rad_arm_jaw_neck": True,
}
SIMPLE = {"age": 35, "sex": "male"}
DAY = date(2026, 3, 1)


def _as_stored(data: object) -> object:
    return json.loads(json.dumps(data))


def _patient_id(world: World) -> str:
    assert world.north_patient.patient_id is not None
    return world.north_patient.patient_id


def test_saved_assessment_keeps_answers_result_and_version(world: World) -> None:
    actor = world.actor(world.north_patient)
    saved = save_assessment(world.session, actor, _patient_id(world), CARDIAC, "uk")
    world.session.commit()
    world.session.expire_all()
    stored = get_assessment(world.session, world.actor(world.north_clinician), saved.id)
    expected = assess(CARDIAC)
    assert stored.result == _as_stored(expected.to_dict())
    assert stored.answers == CARDIAC
    assert (stored.kb_version, stored.language) == (expected.kb_version, "uk")
    assert (stored.triage_level, stored.red_flags_open) == ("emergency_ambulance", True)
    assert stored.finished_at.tzinfo is not None and stored.started_at <= stored.finished_at


def test_invalid_answers_are_refused_with_the_fields_named(world: World) -> None:
    with pytest.raises(InvalidRecord) as caught:
        save_assessment(
            world.session, world.actor(world.north_patient), _patient_id(world), {"age": 30}, "en"
        )
    assert [p.field for p in caught.value.problems] == ["sex"]


def test_assessments_are_listed_newest_first_in_pages(world: World) -> None:
    actor = world.actor(world.north_patient)
    ids = [
        save_assessment(world.session, actor, _patient_id(world), SIMPLE, "en").id for _ in range(3)
    ]
    first = list_assessments(world.session, actor, _patient_id(world), limit=2)
    second = list_assessments(world.session, actor, _patient_id(world), limit=2, offset=2)
    assert [a.id for a in first + second] == ids[::-1]
    with pytest.raises(InvalidRecord, match="limit"):
        list_assessments(world.session, actor, _patient_id(world), limit=0)


def test_clinic_queue_holds_red_flag_assessments_of_the_clinic(world: World) -> None:
    north = world.actor(world.north_patient)
    urgent = save_assessment(world.session, north, _patient_id(world), CARDIAC, "en")
    save_assessment(world.session, north, _patient_id(world), SIMPLE, "en")
    south_id = world.south_patient.patient_id
    assert south_id is not None
    save_assessment(world.session, world.actor(world.south_patient), south_id, CARDIAC, "en")
    queue = list_red_flag_queue(world.session, world.actor(world.north_clinician))
    assert [a.id for a in queue] == [urgent.id]


def test_a_reviewed_assessment_leaves_the_queue_unchanged_and_audited(world: World) -> None:
    north = world.actor(world.north_patient)
    first = save_assessment(world.session, north, _patient_id(world), CARDIAC, "en")
    second = save_assessment(world.session, north, _patient_id(world), CARDIAC, "en")
    before = _as_stored(first.result)
    doctor = world.actor(world.north_clinician)
    review = review_red_flags(world.session, doctor, first.id)
    world.session.commit()
    assert [a.id for a in list_red_flag_queue(world.session, doctor)] == [second.id]
    again = review_red_flags(world.session, doctor, first.id)
    assert (again.id, again.reviewed_by) == (review.id, world.north_clinician.id)
    world.session.expire_all()
    stored = world.session.get(Assessment, first.id)
    assert stored is not None and stored.result == before and stored.red_flags_open
    events = world.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review", AuditEvent.outcome == "ok")
    ).all()
    assert {(e.actor_user_id, e.resource_id) for e in events} == {
        (world.north_clinician.id, first.id)
    }


def test_only_a_clinician_of_the_clinic_reviews_and_a_review_cannot_be_changed(
    world: World,
) -> None:
    north = world.actor(world.north_patient)
    urgent = save_assessment(world.session, north, _patient_id(world), CARDIAC, "en")
    plain = save_assessment(world.session, north, _patient_id(world), SIMPLE, "en")
    world.session.commit()
    for who, assessment_id, refusal in [
        (world.north_patient, urgent.id, AccessDenied),  # patients do not review
        (world.south_clinician, urgent.id, AccessDenied),  # another clinic's
        (world.admin, urgent.id, AccessDenied),  # admins read no health records
        (world.north_clinician, plain.id, AccessDenied),  # not in the queue
        (world.north_clinician, "no-such-assessment", RecordNotFound),
    ]:
        with pytest.raises(refusal):
            review_red_flags(world.session, world.actor(who), assessment_id)
    review_red_flags(world.session, world.actor(world.north_clinician), urgent.id)
    world.session.commit()
    with pytest.raises(IntegrityError):
        world.session.execute(text("UPDATE red_flag_reviews SET reviewed_by = 'someone'"))
    world.session.rollback()
    assert world.session.scalars(select(RedFlagReview)).one().assessment_id == urgent.id


def test_finished_interview_stores_the_assessment_of_its_answers(world: World) -> None:
    actor = world.actor(world.north_patient)
    interview = start_interview(world.session, actor, _patient_id(world), "en")
    answers = {**CARDIAC, "fever": "unknown"}
    save_interview_answers(world.session, actor, interview.id, answers, ["age", "sex", "fever"])
    world.session.commit()
    assessment = finish_interview(world.session, actor, interview.id)
    world.session.commit()
    world.session.expire_all()
    stored = world.session.get(Assessment, assessment.id)
    assert stored is not None and stored.result == _as_stored(assess(answers).to_dict())
    finished = get_interview(world.session, actor, interview.id)
    assert (finished.status, finished.assessment_id) == ("finished", assessment.id)
    assert finished.asked == ["age", "sex", "fever"]
    with pytest.raises(InvalidRecord, match="finished"):
        save_interview_answers(world.session, actor, interview.id, SIMPLE, [])


def test_interview_refuses_invalid_answers_and_can_be_abandoned(world: World) -> None:
    actor = world.actor(world.north_patient)
    interview = start_interview(world.session, actor, _patient_id(world), "ru")
    with pytest.raises(InvalidRecord) as caught:
        save_interview_answers(world.session, actor, interview.id, {"age": 300}, ["age"])
    assert [p.field for p in caught.value.problems] == ["age"]
    assert abandon_interview(world.session, actor, interview.id).status == "abandoned"
    with pytest.raises(InvalidRecord, match="abandoned"):
        finish_interview(world.session, actor, interview.id)


def test_database_rejects_a_finished_interview_without_assessment(world: World) -> None:
    interview = start_interview(
        world.session, world.actor(world.north_patient), _patient_id(world), "en"
    )
    world.session.commit()
    interview.status = "finished"
    with pytest.raises(IntegrityError, match="finished_has_assessment"):
        world.session.commit()


def test_diary_entries_by_date_range_latest_first(world: World) -> None:
    actor = world.actor(world.north_patient)
    for offset in range(5):
        add_diary_entry(
            world.session,
            actor,
            _patient_id(world),
            day=DAY + timedelta(days=offset),
            pain=offset,
            function=10 - offset,
            warning_signs={"fever": False},
            exercises_done=["ex_warmup_walk"],
        )
    entries = list_diary_entries(
        world.session,
        world.actor(world.north_clinician),
        _patient_id(world),
        start=DAY + timedelta(days=1),
        end=DAY + timedelta(days=3),
        limit=2,
    )
    assert [(e.day, e.pain) for e in entries] == [
        (DAY + timedelta(days=3), 3),
        (DAY + timedelta(days=2), 2),
    ]
    assert entries[0].exercises_done == ["ex_warmup_walk"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pain": 11}, "pain must be a whole number from 0 to 10, got 11"),
        ({"pain": 3, "function": -1}, "function must be a whole number from 0 to 10"),
        ({"pain": 3, "warning_signs": {"no_such_finding": True}}, "unknown findings"),
        ({"pain": 3, "exercises_done": ["no_such_exercise"]}, "unknown exercises"),
    ],
)
def test_diary_refuses_values_out_of_range(
    world: World, values: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRecord, match=message):
        add_diary_entry(
            world.session,
            world.actor(world.north_patient),
            _patient_id(world),
            day=DAY,
            **values,
        )


def test_diary_refuses_a_second_entry_for_a_day_and_keeps_the_first(world: World) -> None:
    actor = world.actor(world.north_patient)
    first = add_diary_entry(world.session, actor, _patient_id(world), day=DAY, pain=4)
    with pytest.raises(InvalidRecord, match="already has an entry for 2026-03-01"):
        add_diary_entry(world.session, actor, _patient_id(world), day=DAY, pain=5)
    world.session.commit()
    assert [e.id for e in list_diary_entries(world.session, actor, _patient_id(world))] == [
        first.id
    ]


def test_database_checks_pain_range(world: World) -> None:
    with pytest.raises(IntegrityError, match="pain_range"):
        world.session.execute(
            text(
                "INSERT INTO diary_entries (id, patient_id, day, pain, new_leg_symptoms,"
                " warning_signs, exercises_done, created_at, created_by) VALUES"
                " ('d', :patient, '2026-03-01', 11, false, '{}', '[]', '2026-03-01', :user)"
            ),
            {"patient": _patient_id(world), "user": world.north_patient.id},
        )


def test_audit_log_holds_no_health_data(world: World) -> None:
    actor = world.actor(world.north_patient)
    save_assessment(world.session, actor, _patient_id(world), CARDIAC, "en")
    add_diary_entry(world.session, actor, _patient_id(world), day=DAY, pain=7)
    interview = start_interview(world.session, actor, _patient_id(world), "en")
    save_interview_answers(world.session, actor, interview.id, CARDIAC, ["age"])
    world.session.commit()
    events = world.session.scalars(select(AuditEvent)).all()
    assert set(AuditEvent.__table__.columns.keys()) == {
        "id",
        "at",
        "actor_user_id",
        "actor_kind",
        "action",
        "resource_type",
        "resource_id",
        "patient_id",
        "client_address",
        "outcome",
        "request_id",
        "chain_hash",
        "content_hash",
    }
    dumped = " ".join(str(vars(e)) for e in events)
    for health_word in ("cold_sweat", "female", "emergency", "pain"):
        assert health_word not in dumped
    assert {(e.action, e.resource_type) for e in events if e.actor_user_id == actor.user.id} >= {
        ("create", "assessment"),
        ("create", "diary_entry"),
        ("create", "interview_session"),
        ("update", "interview_session"),
    }
    assert world.session.scalar(select(InterviewSession.status)) == "in_progress"
