"""Quotes: offered when a comment comes with consent, anonymised by the CCAS, refused while a name
of the people concerned is left in, and only their text reaches the synthesis."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ResidentFactory, SupportFactory, VolunteerFactory
from villesolidaire.missions import services as missions
from villesolidaire.missions.enums import EvaluationAuthor, SupportStatus
from villesolidaire.surveys import services
from villesolidaire.surveys.models import Quote
from villesolidaire.surveys.selectors import evaluation_synthesis

ORIGINAL = "Marie-Thérèse Dupont est venue chaque semaine avec Kévin, merci à eux."


@pytest.fixture
def quote():
    support = SupportFactory(
        status=SupportStatus.ENDED,
        help_request__resident=ResidentFactory(first_name="Marie-Thérèse", last_name="Dupont"),
        volunteer=VolunteerFactory(active=True, first_name="Kévin", last_name="Le Goff"),
    )
    evaluation = missions.evaluation_record(
        support=support,
        author=EvaluationAuthor.RESIDENT,
        rating=5,
        usefulness=5,
        kept_link=True,
        comment=ORIGINAL,
        quote_consent=True,
        channel="call",
        by=None,
    )
    return Quote.objects.get(evaluation=evaluation)


def test_a_consented_comment_is_offered_for_quotation_and_others_are_not():
    support = SupportFactory(status=SupportStatus.ENDED)
    missions.evaluation_record(support=support, author="resident", rating=4, comment="Bien.", by=None)  # no consent
    missions.evaluation_record(
        support=support, author="volunteer", rating=4, quote_consent=True, by=None
    )  # no comment
    assert not Quote.objects.exists()
    assert not support.evaluations.get(author="volunteer").quote_consent


@pytest.mark.parametrize(
    "text,names",
    [
        ("marie therese est venue", ["Marie-Thérèse"]),
        ("Madame DUPONT était ravie.", ["Dupont"]),
        ("Merci à kevin et à M. Le Goff", ["Kévin", "Le Goff"]),
    ],
)
def test_a_name_left_in_the_text_is_refused(quote, coordinator, text, names):
    with pytest.raises(services.QuoteError) as refused:
        services.quote_save(quote=quote, text=text, signature="une habitante", selected=True, by=coordinator)
    for name in names:
        assert f"« {name} »" in str(refused.value)
    quote.refresh_from_db()
    assert (quote.text, quote.selected) == ("", False)


def test_words_that_only_contain_a_name_are_not_names():
    assert services.names_in("Un goffre, une dupontine, marie", ["Goff", "Dupont", "Marie-Thérèse"]) == []


def test_the_coordinator_anonymises_and_selects_a_quote(client, coordinator, quote):
    url = reverse("surveys:quote_edit", args=[quote.pk])
    page = client.get(url).content.decode()
    assert "Marie-Thérèse Dupont est venue" in page  # the original, for the coordinator only

    refused = client.post(
        url, {"text": "Kévin venait chaque semaine.", "signature": "une habitante", "selected": "on"}
    )
    assert refused.status_code == 400
    assert "le texte contient un nom (« Kévin »)" in refused.content.decode()
    quote.refresh_from_db()
    assert not quote.selected and quote.text == ""

    assert client.post(url, {"text": "", "signature": "une habitante", "selected": "on"}).status_code == 400
    assert client.post(url, {"text": "Bien.", "signature": "un volontaire"}).status_code == 400  # the other side's

    anonymised = "Mon volontaire est venu chaque semaine, merci à lui."
    done = client.post(url, {"text": anonymised, "signature": "une habitante", "selected": "on"})
    assert done.status_code == 302
    quote.refresh_from_db()
    assert (quote.text, quote.signature, quote.selected, quote.edited_by) == (
        anonymised,
        "une habitante",
        True,
        coordinator,
    )

    today = timezone.localdate()
    synthesis = evaluation_synthesis(today - datetime.timedelta(days=1), today)
    assert [(q.text, q.signature) for q in synthesis.quotes] == [(anonymised, "une habitante")]
    html = client.get(
        reverse("surveys:synthesis"), {"du": today.isoformat(), "au": today.isoformat()}
    ).content.decode()
    assert anonymised in html and "— une habitante" in html
    assert "Dupont" not in html and "Kévin" not in html  # neither the original nor a name


def test_the_quote_list_filters_and_keeps_its_query_count(client, coordinator, quote, django_assert_max_num_queries):
    listing = reverse("surveys:quote_list")
    with django_assert_max_num_queries(10) as first:
        assert client.get(listing).status_code == 200
    for _ in range(5):
        support = SupportFactory(status=SupportStatus.ENDED)
        missions.evaluation_record(
            support=support, author="volunteer", rating=3, comment="Bel échange.", quote_consent=True, by=None
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get(listing).content.decode()
    assert html.count("Bel échange.") == 5
    assert "Bel échange." not in client.get(listing, {"etat": "retenues"}).content.decode()
    assert client.get(listing, {"etat": "n'importe quoi"}).status_code == 400


def test_the_synthesis_page_refuses_a_bad_period_in_french(client, coordinator):
    answer = client.get(reverse("surveys:synthesis"), {"du": "2026-05-01", "au": "2026-04-01"})
    assert answer.status_code == 400 and "La fin de la période doit suivre son début." in answer.content.decode()
    assert "Lien social" in answer.content.decode()  # last month's synthesis still shown
