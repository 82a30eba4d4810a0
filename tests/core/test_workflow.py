"""core.workflow: the one way to change a status (Workflow.apply and its log)."""

import importlib
from unittest import mock

import pytest
from django.apps import apps
from django.db import transaction

from tests.factories import MissionFactory, SupportFactory, staff_user
from villesolidaire.core.workflow import Step, TransitionLog, TransitionNotAllowed, Workflow
from villesolidaire.missions.enums import MISSION_WORKFLOW, SUPPORT_WORKFLOW, MissionStatus, SupportStatus
from villesolidaire.missions.models import Mission, MissionTransition


def test_an_allowed_move_saves_the_status_and_logs_who_when_and_why():
    mission = MissionFactory()
    coordinator = staff_user()
    row = MISSION_WORKFLOW.apply(mission, MissionStatus.DONE, by=coordinator, note="Courses faites")
    assert mission.status == row.status == MissionStatus.DONE  # the caller's object follows
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.DONE
    log = MissionTransition.objects.get(mission=mission)
    assert (log.from_status, log.to_status, log.by, log.note) == (
        MissionStatus.PLANNED,
        MissionStatus.DONE,
        coordinator,
        "Courses faites",
    )
    assert log.at is not None
    assert str(log) == "Prévue → Réalisée"


def test_other_fields_are_saved_with_the_status():
    support = SupportFactory()
    SUPPORT_WORKFLOW.apply(support, SupportStatus.ENDED, by=None, end_reason="Déménagement")
    support.refresh_from_db()
    assert (support.status, support.end_reason) == (SupportStatus.ENDED, "Déménagement")


def test_a_forbidden_move_raises_in_french_and_writes_nothing():
    mission = MissionFactory(status=MissionStatus.DONE)
    with pytest.raises(TransitionNotAllowed, match="Passage impossible de « Réalisée » à « Annulée »"):
        MISSION_WORKFLOW.apply(mission, MissionStatus.CANCELLED, by=None)
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.DONE
    assert not MissionTransition.objects.exists()


def test_the_move_is_checked_against_the_row_in_the_database_not_a_stale_copy():
    mission = MissionFactory()
    stale = Mission.objects.get(pk=mission.pk)
    MISSION_WORKFLOW.apply(mission, MissionStatus.CANCELLED, by=None)
    with pytest.raises(TransitionNotAllowed):
        MISSION_WORKFLOW.apply(stale, MissionStatus.DONE, by=None)
    assert MissionTransition.objects.filter(mission=mission).count() == 1


def test_status_and_log_are_written_in_one_transaction():
    mission = MissionFactory()
    with mock.patch.object(MissionTransition.objects, "create", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            MISSION_WORKFLOW.apply(mission, MissionStatus.DONE, by=None)
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.PLANNED


def test_a_rolled_back_caller_takes_the_log_row_with_it():
    mission = MissionFactory()
    with pytest.raises(ValueError), transaction.atomic():
        MISSION_WORKFLOW.apply(mission, MissionStatus.DONE, by=None)
        raise ValueError("the service failed after the move")
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.PLANNED
    assert not MissionTransition.objects.exists()


def test_the_log_outlives_the_user_who_made_the_move():
    mission = MissionFactory()
    coordinator = staff_user()
    MISSION_WORKFLOW.apply(mission, MissionStatus.MISSED, by=coordinator)
    MISSION_WORKFLOW.apply(mission, MissionStatus.PLANNED, by=coordinator)
    coordinator.delete()
    steps = list(MissionTransition.objects.filter(mission=mission).values_list("from_status", "to_status", "by"))
    assert steps == [
        (MissionStatus.PLANNED, MissionStatus.MISSED, None),
        (MissionStatus.MISSED, MissionStatus.PLANNED, None),
    ]


def test_log_creation_writes_the_first_row_from_nothing():
    mission = MissionFactory()
    log = MISSION_WORKFLOW.log_creation(mission, by=None, note="Prévue par la coordination")
    assert (log.from_status, log.to_status, log.note) == ("", MissionStatus.PLANNED, "Prévue par la coordination")
    assert str(log) == "création → Prévue"


def test_history_builds_the_log_of_a_past_step_by_step():
    mission = MissionFactory(status=MissionStatus.DONE)
    coordinator = staff_user()
    done_at = mission.scheduled_at
    rows = MISSION_WORKFLOW.history(
        mission, [Step(MissionStatus.PLANNED, by=coordinator), Step(MissionStatus.DONE, at=done_at, note="Faite")]
    )
    assert not MissionTransition.objects.exists()  # unsaved: the caller bulk-creates them
    MissionTransition.objects.bulk_create(rows)
    steps = list(
        MissionTransition.objects.filter(mission=mission)
        .order_by("pk")
        .values_list("from_status", "to_status", "by", "note")
    )
    assert steps == [
        ("", MissionStatus.PLANNED, coordinator.pk, ""),
        (MissionStatus.PLANNED, MissionStatus.DONE, None, "Faite"),
    ]
    assert rows[0].at is not None and rows[1].at == done_at


def test_a_long_note_is_cut_to_the_column():
    mission = MissionFactory()
    MISSION_WORKFLOW.apply(mission, MissionStatus.DONE, by=None, note="x" * 900)
    assert len(MissionTransition.objects.get().note) == MissionTransition._meta.get_field("note").max_length


def test_apply_many_moves_and_logs_each_row():
    planned = [MissionFactory() for _ in range(3)]
    moved = MISSION_WORKFLOW.apply_many(
        Mission.objects.filter(pk__in=[m.pk for m in planned[:2]]), MissionStatus.CANCELLED, by=None, note="Grève"
    )
    assert moved == 2
    assert sorted(Mission.objects.values_list("status", flat=True)) == sorted(
        [MissionStatus.CANCELLED, MissionStatus.CANCELLED, MissionStatus.PLANNED]
    )
    assert set(MissionTransition.objects.values_list("mission_id", "to_status", "note")) == {
        (planned[0].pk, MissionStatus.CANCELLED, "Grève"),
        (planned[1].pk, MissionStatus.CANCELLED, "Grève"),
    }


def test_apply_many_moves_nothing_when_one_move_is_forbidden():
    planned, done = MissionFactory(), MissionFactory(status=MissionStatus.DONE)
    with pytest.raises(TransitionNotAllowed):
        MISSION_WORKFLOW.apply_many(Mission.objects.all(), MissionStatus.CANCELLED, by=None)
    assert Mission.objects.get(pk=planned.pk).status == MissionStatus.PLANNED
    assert Mission.objects.get(pk=done.pk).status == MissionStatus.DONE
    assert not MissionTransition.objects.exists()


def _project_workflows() -> list[Workflow]:
    """Every Workflow declared in an app's enums or models module."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("villesolidaire."):
            continue
        for module_name in ("enums", "models"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            found += [value for value in vars(module).values() if isinstance(value, Workflow)]
    return list({workflow.name: workflow for workflow in found}.values())


def test_every_workflow_names_a_transition_log_of_its_model():
    workflows = _project_workflows()
    assert len(workflows) >= 17
    for workflow in workflows:
        log_model = apps.get_model(workflow.log)
        assert issubclass(log_model, TransitionLog), workflow.name
        assert {"from_status", "to_status", "by", "at", "note"} <= {f.name for f in log_model._meta.fields}
        subjects = [f for f in log_model._meta.fields if f.is_relation and f.name != "by"]
        assert len(subjects) == 1, workflow.name
        status_field = subjects[0].related_model._meta.get_field(workflow.status_field)
        states = set(workflow.transitions) - {""}  # "" is the not-yet-created state of some tables
        assert states <= {value for value, _label in status_field.choices}, workflow.name


def test_allowed_targets_come_in_the_order_of_the_choices():
    # Pages list their actions from it: the order must not depend on set hashing.
    for workflow in _project_workflows():
        for current, targets in workflow.transitions.items():
            listed = workflow.allowed_targets(current)
            assert set(listed) == set(targets), workflow.name
            order = list(workflow.states.values)
            assert list(listed) == sorted(listed, key=order.index), workflow.name
    assert MISSION_WORKFLOW.allowed_targets(MissionStatus.PLANNED) == (
        MissionStatus.PLANNED,
        MissionStatus.DONE,
        MissionStatus.MISSED,
        MissionStatus.CANCELLED,
    )


def test_allowed_choices_pair_each_allowed_target_with_its_label():
    assert MISSION_WORKFLOW.allowed_choices(MissionStatus.PLANNED) == [
        (MissionStatus.PLANNED, "Prévue"),
        (MissionStatus.DONE, "Réalisée"),
        (MissionStatus.MISSED, "Manquée"),
        (MissionStatus.CANCELLED, "Annulée"),
    ]
    assert SUPPORT_WORKFLOW.allowed_choices(SupportStatus.ENDED) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_of_one_row_make_one_move(run_concurrently):
    mission = MissionFactory()

    def move(target):
        MISSION_WORKFLOW.apply(Mission(pk=mission.pk, status=MissionStatus.PLANNED), target, by=None)
        return "moved"

    moved, errors = run_concurrently(move, [MissionStatus.DONE, MissionStatus.CANCELLED])
    assert moved == ["moved"]
    assert [type(error) for error in errors] == [TransitionNotAllowed]
    assert MissionTransition.objects.filter(mission=mission).count() == 1
