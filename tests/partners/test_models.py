import pytest

from tests.factories.partners import OrganisationFactory, ServiceFactory
from villesolidaire.partners.models import OrganisationStatus, Service
from villesolidaire.partners.opening_hours import opening_hours_problem


@pytest.mark.parametrize(
    "value",
    [
        "",
        "24/7",
        "Mo-Fr 08:30-12:30; PH off",
        "Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00; PH off",
        "Mo,We,Fr 14:00-18:00",
        'Tu 09:00-12:00 "sur rendez-vous"',
        "Jan-Mar Mo-Fr 09:00-17:00",
        "Sa[1] 10:00-12:00",
        "Mo-Sa 09:00-19:00; Su off",
        "week 1-26 Mo 10:00-12:00",
    ],
)
def test_plausible_opening_hours_are_accepted(value):
    assert opening_hours_problem(value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "du lundi au vendredi",
        "Mo 9h-12h",
        "Lu-Ve 09:00-12:00",
        "Mo-Fr 25:00-26:00",
        "Mo-Fr 09:00-12:00 ; n'importe quoi",
        "x" * 300,
    ],
)
def test_prose_is_refused(value):
    assert opening_hours_problem(value)


def test_thematique_lookup_matches_whole_values_only():
    ServiceFactory(name="Santé", thematiques=["sante--acces-aux-soins"])
    ServiceFactory(name="Santé mentale", thematiques=["sante--sante-mentale", "remobilisation--lien-social"])
    assert list(Service.objects.with_thematique("sante--acces-aux-soins").values_list("name", flat=True)) == ["Santé"]
    assert not Service.objects.with_thematique("sante--acces").exists()
    assert Service.objects.with_thematique("remobilisation--lien-social").get().name == "Santé mentale"


def test_public_services_need_a_validated_organisation_and_an_active_flag():
    ServiceFactory(name="Oui")
    ServiceFactory(is_active=False)
    ServiceFactory(organisation=OrganisationFactory(status=OrganisationStatus.PENDING))
    assert list(Service.objects.public().values_list("name", flat=True)) == ["Oui"]


def test_of_user_is_empty_for_anonymous_and_strangers():
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import UserFactory
    from villesolidaire.partners.models import Organisation

    OrganisationFactory()
    assert not Organisation.objects.of_user(AnonymousUser()).exists()
    assert not Organisation.objects.of_user(UserFactory()).exists()
