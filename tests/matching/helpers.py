"""Bulk builders for matching tests: many volunteers with random match profiles, fast."""

import random

from villesolidaire.accounts.models import User
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

LAT, LON = 48.11, -1.68


def random_profiles(
    count: int, *, seed: int = 1, category_bits=(0, 1, 2), unknown_share=0.05
) -> list[VolunteerMatchProfile]:
    rng = random.Random(seed)
    start = User.objects.count()
    users = User.objects.bulk_create([User(email=f"vol-{seed}-{start + i}@example.org") for i in range(count)])
    volunteers = Volunteer.objects.bulk_create(
        [
            Volunteer(user=user, first_name=f"Prénom{i}", last_name=f"Nom{i}", status=Status.ACTIVE)
            for i, user in enumerate(users)
        ]
    )
    profiles = []
    for volunteer in volunteers:
        located = rng.random() > unknown_share
        profiles.append(
            VolunteerMatchProfile(
                volunteer_id=volunteer.pk,
                is_eligible=rng.random() > 0.1,
                latitude=LAT + rng.uniform(-0.06, 0.06) if located else None,
                longitude=LON + rng.uniform(-0.09, 0.09) if located else None,
                max_distance_km=float(rng.choice([1, 2, 3, 5, 8, 10])),
                categories_mask=sum(1 << bit for bit in category_bits if rng.random() < 0.6),
                skills_mask=rng.getrandbits(8),
                languages_mask=1 | (rng.getrandbits(4) << 1),
                availability_mask=rng.getrandbits(21),
            )
        )
    return VolunteerMatchProfile.objects.bulk_create(profiles)
