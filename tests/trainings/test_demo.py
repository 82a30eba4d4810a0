"""Demo trainings: modules, sessions, trainings held, and a category gated by mediation."""

import random

from django.utils import timezone

from tests.factories import UserFactory, VolunteerFactory
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.index import rebuild_index
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.trainings.demo import MEDIATION_TITLE, seed_trainings_demo
from villesolidaire.trainings.enums import SessionStatus
from villesolidaire.trainings.models import TrainingModule, TrainingSession, VolunteerTraining
from villesolidaire.trainings.selectors import expiring_soon


def test_seed_trainings_demo():
    volunteers = [VolunteerFactory(active=True) for _ in range(60)] + [
        VolunteerFactory(status="paused") for _ in range(5)
    ]
    today = timezone.localdate()
    summary = seed_trainings_demo(random.Random(3), today=today, volunteers=volunteers, coordinator=UserFactory())

    mediation = TrainingModule.objects.get(title=MEDIATION_TITLE)
    gated = HelpCategory.objects.get(slug="accompagnement-rdv")
    assert list(gated.required_trainings.all()) == [mediation]
    assert summary["aide exigeant une formation"] == gated.name
    assert TrainingSession.objects.filter(status=SessionStatus.HELD).exists()
    assert TrainingSession.objects.upcoming().filter(module=mediation).count() == 2
    assert expiring_soon(mediation).exists()
    valid = set(
        VolunteerTraining.objects.valid_on(today).filter(module=mediation).values_list("volunteer_id", flat=True)
    )
    assert len(valid) == summary["volontaires formé·es (médiation, valable)"] > 0
    paused = {v.pk for v in volunteers if v.status == "paused"}
    assert not paused & set(VolunteerTraining.objects.values_list("volunteer_id", flat=True))

    rebuild_index()
    indexed = {p.volunteer_id for p in VolunteerMatchProfile.objects.all() if p.trainings_mask & mediation.mask}
    assert indexed == valid
