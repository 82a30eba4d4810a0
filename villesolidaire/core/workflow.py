"""Explicit state machines: the one way to change a status (docs/decisions/0007-workflows.md).

A workflow declares, in one table, the moves allowed between the states of one model, and names
the model that logs them (a subclass of `TransitionLog`). `Workflow.apply` is the only code path
that changes a workflow model's status: it locks the row, checks the move, saves the new status
(and any fields that go with it) and writes the log row (who, when, from, to, note), all in one
transaction. `Workflow.apply_many` does the same for a set of rows; `Workflow.log_creation`
writes the first row of a new object's log; `Workflow.history` builds the log of a past
already written (the demo town).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from villesolidaire.core.fields import user_reference


class TransitionNotAllowed(Exception):
    """Raised when a transition is not in the workflow table. Its message is French, for users."""


class TransitionLog(models.Model):
    """One status change of one object: from where to where, who, when, why.

    Each workflow's log inherits from it and declares its own fields with `log_fields`: the
    foreign key to its object, and `from_status` / `to_status` with the object's status choices."""

    from_status = models.CharField("de", max_length=12, blank=True)
    to_status = models.CharField("vers", max_length=12)
    by = user_reference("par")
    at = models.DateTimeField("le", default=timezone.now)
    note = models.CharField("note", max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        verbose_name = "changement de statut"
        verbose_name_plural = "historique des statuts"

    def __str__(self) -> str:
        return f"{self._status_label('from_status') or 'création'} → {self._status_label('to_status')}"

    def _status_label(self, name: str) -> str:
        value = getattr(self, name)
        return str(dict(self._meta.get_field(name).flatchoices).get(value, value))


def log_fields(
    subject: type[models.Model], *, related_name: str = "transitions", status_field: str = "status"
) -> tuple[models.ForeignKey, models.CharField, models.CharField]:
    """The fields a `TransitionLog` subclass adds for its subject model: the foreign key to the
    subject, then `from_status` and `to_status`, which hold values of the subject's status field
    and so take its choices and its `max_length`.

        class MissionTransition(TransitionLog):
            mission, from_status, to_status = log_fields(Mission)
    """
    status = subject._meta.get_field(status_field)
    return (
        models.ForeignKey(subject, on_delete=models.CASCADE, related_name=related_name),
        models.CharField("de", max_length=status.max_length, choices=status.choices, blank=True),
        models.CharField("vers", max_length=status.max_length, choices=status.choices),
    )


@dataclass(frozen=True)
class Step:
    """One move of a past history: to which status, by whom, when (now by default), why."""

    to: str
    by: object = None
    at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class Workflow:
    """`transitions` maps each state to the states it may move to. `states` is the status field's
    choices class: it names the states in the refusal message; `labels` adds names it lacks (such
    as the "" state of a row not yet created)."""

    name: str
    states: type[models.Choices]
    transitions: Mapping[str, Iterable[str]]
    labels: Mapping[str, str] = field(default_factory=dict)
    # "app_label.ModelName" of the TransitionLog subclass; a string because workflows are
    # declared beside the status choices, before the models exist.
    log: str = ""
    status_field: str = "status"

    def __post_init__(self):
        # Frozen dataclass: the table is normalised once, here (targets as frozensets, every label).
        object.__setattr__(self, "transitions", {state: frozenset(to) for state, to in self.transitions.items()})
        object.__setattr__(self, "labels", {**dict(self.states.choices), **self.labels})

    def allowed_targets(self, current: str) -> tuple[str, ...]:
        """The states `current` may move to, in the order the choices declare them (so that pages
        list their actions in a stable order)."""
        allowed = self.transitions.get(current, frozenset())
        return tuple(state for state in self.states.values if state in allowed)

    def allowed_choices(self, current: str) -> list[tuple[str, str]]:
        """`allowed_targets` with their labels: (value, label) pairs, ready for a form's choices."""
        return [(state, self.labels[state]) for state in self.allowed_targets(current)]

    def can(self, current: str, target: str) -> bool:
        return target in self.allowed_targets(current)

    def check(self, current: str, target: str) -> None:
        if not self.can(current, target):
            raise TransitionNotAllowed(
                f"Passage impossible de « {self.labels.get(current, current)} » "
                f"à « {self.labels.get(target, target)} »."
            )

    # ------------------------------------------------------------------------------------------
    # Writes: the one way to change a status.

    def apply(
        self,
        obj: models.Model,
        target: str,
        *,
        by,
        note: str = "",
        at: datetime | None = None,
        lock: bool = True,
        full_save: bool = False,
        **changes,
    ):
        """Move `obj` to `target` and log it, in one transaction; returns the saved row.

        `lock=True` re-reads the row with SELECT ... FOR UPDATE, so two concurrent moves are
        serialised and the second one is checked against the first one's result. Pass
        `lock=False` only for a row the caller has just locked itself; with `full_save=True` every
        field of that row is saved (the caller changed more than the status on it). `changes` are
        other fields saved with the status (e.g. `closed_at=now`). `obj` is updated in place too."""
        if full_save and lock:
            raise ValueError("full_save saves a row the caller locked: pass lock=False.")
        at = at or timezone.now()
        with transaction.atomic():
            row = type(obj)._default_manager.select_for_update().get(pk=obj.pk) if lock else obj
            previous = getattr(row, self.status_field)
            self.check(previous, target)
            changed = {self.status_field: target, **changes}
            for name, value in changed.items():
                setattr(row, name, value)
            row.save(update_fields=None if full_save else list(changed))
            self._log_model().objects.create(**self._log_row(row, previous, target, by=by, note=note, at=at))
        if row is not obj:
            for name in changed:
                setattr(obj, name, getattr(row, name))
        return row

    def apply_many(
        self, queryset: models.QuerySet, target: str, *, by, note: str = "", at: datetime | None = None, **changes
    ) -> int:
        """Move every row of `queryset` to `target` (locked, each move checked, one log row each);
        returns how many moved. The caller filters the rows that should move."""
        at = at or timezone.now()
        with transaction.atomic():
            rows = list(queryset.select_for_update().order_by("pk"))
            for row in rows:
                self.check(getattr(row, self.status_field), target)
            queryset.model._default_manager.filter(pk__in=[row.pk for row in rows]).update(
                **{self.status_field: target}, **changes
            )
            log_model = self._log_model()
            log_model.objects.bulk_create(
                [
                    log_model(**self._log_row(row, getattr(row, self.status_field), target, by=by, note=note, at=at))
                    for row in rows
                ]
            )
        return len(rows)

    def log_creation(self, obj: models.Model, *, by, note: str = "", at: datetime | None = None):
        """The first row of a new object's log: from nothing to its initial status."""
        row = self._log_row(obj, "", getattr(obj, self.status_field), by=by, note=note, at=at or timezone.now())
        return self._log_model().objects.create(**row)

    def log_creations(self, objs, *, by, note: str = "", at: datetime | None = None) -> None:
        """`log_creation` for objects created together (one INSERT)."""
        at = at or timezone.now()
        log_model = self._log_model()
        log_model.objects.bulk_create(
            [
                log_model(**self._log_row(obj, "", getattr(obj, self.status_field), by=by, note=note, at=at))
                for obj in objs
            ]
        )

    def history(self, obj: models.Model, steps: Iterable[Step]) -> list[TransitionLog]:
        """The log rows (unsaved, for one bulk_create) of `obj` taken from nothing through `steps`,
        each step starting where the one before ended. The moves are not checked: they describe a
        past, they do not make it (`obj` already has its final status)."""
        log_model = self._log_model()
        rows, previous = [], ""
        for step in steps:
            at = step.at or timezone.now()
            rows.append(log_model(**self._log_row(obj, previous, step.to, by=step.by, note=step.note, at=at)))
            previous = step.to
        return rows

    def _log_model(self) -> type[TransitionLog]:
        return apps.get_model(self.log)

    def _log_row(self, obj, previous: str, target: str, *, by, note: str, at: datetime) -> dict:
        log_model = self._log_model()
        subject = next(
            field.name
            for field in log_model._meta.concrete_fields
            if field.is_relation and field.related_model is type(obj)._meta.concrete_model
        )
        max_length = log_model._meta.get_field("note").max_length
        return {
            subject: obj,
            "from_status": previous,
            "to_status": target,
            "by": by,
            "at": at,
            "note": note[:max_length],
        }


def status_as_of(log_model: type[TransitionLog], subject_field: str, moment: datetime | None) -> models.Expression:
    """The status a subject had at `moment`, read from its log (for figures of a past period).

    The first change logged at or after `moment` started from the status the subject had then;
    a subject with no later change still has it today. Only subjects changed since `moment`
    cost a lookup (the log's foreign key index), so a period ending today reads the status field.
    Filtering on this expression makes the database compute it for every row the filter sees:
    narrow the rows first (e.g. to subjects changed since `moment`) and compare in Python."""
    if moment is None or moment > timezone.now():
        return models.F("status")  # nothing can have changed after a moment still to come
    first_change_after = (
        log_model.objects.filter(**{subject_field: models.OuterRef("pk"), "at__gte": moment})
        .order_by("at", "pk")
        .values("from_status")[:1]
    )
    # An empty from_status is a creation logged after `moment`: the subject did not exist yet,
    # which the callers' own date filters exclude; fall back to today's status rather than "".
    return Coalesce(NullIf(models.Subquery(first_change_after), models.Value("")), models.F("status"))
