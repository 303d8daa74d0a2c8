"""Who may see whose records: the authorization matrix, enforced and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lumbar.storage.access import (
    AccessDenied,
    RecordNotFound,
    can_access_patient,
    can_manage_users,
    can_read_audit,
)
from lumbar.storage.accounts import set_user_active
from lumbar.storage.models import AuditEvent, Patient, User
from lumbar.storage.records import (
    create_patient,
    get_assessment,
    get_patient,
    list_assessments,
    list_clinic_patients,
    save_assessment,
)

from .conftest import World

ANSWERS = {"age": 35, "sex": "male"}


def _patient(world: World, account: User) -> Patient:
    patient = world.session.get(Patient, account.patient_id)
    assert patient is not None
    return patient


@pytest.mark.parametrize(
    ("reader", "owner", "allowed"),
    [
        ("north_patient", "north_patient", True),
        ("north_patient", "south_patient", False),
        ("north_clinician", "north_patient", True),
        ("north_clinician", "south_patient", False),
        ("south_clinician", "south_patient", True),
        ("admin", "north_patient", False),
    ],
)
def test_access_matrix(world: World, reader: str, owner: str, allowed: bool) -> None:
    user: User = getattr(world, reader)
    assert can_access_patient(user, _patient(world, getattr(world, owner))) is allowed


def test_inactive_users_see_nothing(world: World) -> None:
    set_user_active(world.session, world.north_clinician, False)
    set_user_active(world.session, world.north_patient, False)
    set_user_active(world.session, world.admin, False)
    patient = _patient(world, world.north_patient)
    assert not can_access_patient(world.north_clinician, patient)
    assert not can_access_patient(world.north_patient, patient)
    assert not can_manage_users(world.admin)


def test_only_admins_manage_users_and_read_the_audit_log(world: World) -> None:
    assert can_manage_users(world.admin) and can_read_audit(world.admin)
    for user in (world.north_clinician, world.north_patient):
        assert not can_manage_users(user) and not can_read_audit(user)


def test_denied_and_missing_records_are_audited(world: World) -> None:
    session = world.session
    south = _patient(world, world.south_patient)
    assessment = save_assessment(session, world.actor(world.south_patient), south.id, ANSWERS, "en")
    north_actor = world.actor(world.north_clinician)
    with pytest.raises(AccessDenied):
        get_assessment(session, north_actor, assessment.id)
    with pytest.raises(AccessDenied):
        list_assessments(session, world.actor(world.admin), south.id)
    with pytest.raises(RecordNotFound):
        get_patient(session, north_actor, "no-such-patient")
    session.commit()
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    last = [(e.actor_user_id, e.action, e.resource_type, e.outcome) for e in events[-3:]]
    assert last == [
        (world.north_clinician.id, "read", "assessment", "denied"),
        (world.admin.id, "list", "assessment", "denied"),
        (world.north_clinician.id, "read", "patient", "not_found"),
    ]
    assert events[-3].patient_id == south.id
    assert events[-3].client_address == "192.0.2.1" and events[-3].request_id == "req-1"


def test_clinicians_add_and_list_their_clinics_patients_only(world: World) -> None:
    session = world.session
    added = create_patient(
        session, world.actor(world.north_clinician), label="N-17", sex="female", birth_year=1970
    )
    north = {p.id for p in list_clinic_patients(session, world.actor(world.north_clinician))}
    south = {p.id for p in list_clinic_patients(session, world.actor(world.south_clinician))}
    assert added.id in north and world.north_patient.patient_id in north
    assert not north & south
    for user in (world.north_patient, world.admin):
        with pytest.raises(AccessDenied):
            create_patient(session, world.actor(user))
        with pytest.raises(AccessDenied):
            list_clinic_patients(session, world.actor(user))
