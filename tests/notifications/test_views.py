from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpRequestFactory as _HelpRequestFactory
from tests.factories import ResidentFactory, UserFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.notifications.models import CallTask, CallTaskStatus, Channel, Message, MessageStatus
from villesolidaire.notifications.sms import MemorySmsBackend


def HelpRequestFactory(**kwargs):  # noqa: N802
    # Reuse a reference category (created by a data migration) rather than a new one.
    return _HelpRequestFactory(category=HelpCategory.objects.order_by("pk").first(), **kwargs)


def make_message(status=MessageStatus.FAILED, **kwargs):
    defaults = {
        "channel": Channel.SMS,
        "recipient": "+33612345678",
        "body": "Votre lien : https://exemple.org/jeton=SECRET",
        "kind": "proposition",
        "status": status,
        "attempts": 5 if status == MessageStatus.FAILED else 1,
        "last_error": "SmsError: Brevo injoignable" if status != MessageStatus.SENT else "",
    }
    defaults.update(kwargs)
    return Message.objects.create(**defaults)


class TestFailures:
    url = reverse("notifications:failures")

    def test_lists_failed_and_retrying_messages_only(self, client, coordinator):
        failed = make_message(recipient="+33611111111")
        retrying = make_message(
            MessageStatus.RETRYING,
            recipient="marie@example.org",
            channel=Channel.EMAIL,
            next_attempt_at=timezone.now() + timedelta(minutes=5),
        )
        make_message(MessageStatus.SENT, recipient="+33699999999")
        response = client.get(self.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Envois en échec (2)" in html
        assert "06 11 11 11 11" in html and retrying.recipient in html  # SMS numbers in French spacing
        assert failed.recipient not in html
        assert "+33699999999" not in html
        assert "Brevo injoignable" in html
        assert "SECRET" not in html  # bodies are not shown here
        assert html.count("Renvoyer</button>") == 2
        assert '<th scope="col">Dernière erreur</th>' in html

    def test_resend_queues_the_message_again(self, client, coordinator, django_capture_on_commit_callbacks):
        message = make_message()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("notifications:resend", args=[message.pk]), {"next": self.url})
        assert response.status_code == 302
        assert response["Location"] == self.url
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        assert message.attempts == 1
        assert len(MemorySmsBackend.outbox) == 1
        response = client.get(self.url)
        assert "est de nouveau en file" in response.content.decode()

    def test_resend_of_a_sent_message_changes_nothing(self, client, coordinator):
        message = make_message(MessageStatus.SENT)
        response = client.post(
            reverse("notifications:resend", args=[message.pk]), {"next": "https://evil.example.com/"}
        )
        assert response["Location"] == self.url
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        assert MemorySmsBackend.outbox == []

    def test_resend_needs_post_and_an_existing_message(self, client, coordinator):
        message = make_message()
        assert client.get(reverse("notifications:resend", args=[message.pk])).status_code == 405
        assert client.post(reverse("notifications:resend", args=[999999])).status_code == 404

    @pytest.mark.parametrize("role", [Role.OPERATOR, Role.VOLUNTEER])
    def test_other_roles_get_404(self, client, role):
        login_staff(client, staff_user(role))
        message = make_message()
        assert client.get(self.url).status_code == 404
        assert client.post(reverse("notifications:resend", args=[message.pk])).status_code == 404
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(self.url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_query_count_does_not_grow(self, client, coordinator, django_assert_num_queries):
        make_message()
        client.get(self.url)  # warm caches (content types, session)
        with django_assert_num_queries(8):
            client.get(self.url)
        for _ in range(30):
            make_message()
        with django_assert_num_queries(8):
            response = client.get(self.url)
        assert "Envois en échec (31)" in response.content.decode()


class TestMessageLog:
    url = reverse("notifications:log")

    def test_filters_by_status_channel_and_kind(self, client, coordinator):
        make_message(MessageStatus.SENT, recipient="a@example.org", channel=Channel.EMAIL, kind="inscription")
        make_message(MessageStatus.SENT, recipient="+33622222222", kind="proposition")
        make_message(MessageStatus.FAILED, recipient="+33633333333", kind="proposition")
        html = client.get(self.url).content.decode()
        assert "Journal des envois (3)" in html
        html = client.get(self.url, {"status": "sent", "channel": "sms"}).content.decode()
        assert "Journal des envois (1)" in html and "06 22 22 22 22" in html
        html = client.get(self.url, {"kind": "inscription"}).content.decode()
        assert "Journal des envois (1)" in html and "a@example.org" in html

    def test_kinds_are_shown_in_french_words_not_codes(self, client, coordinator):
        make_message(MessageStatus.FAILED, kind="proposal_offer")
        make_message(MessageStatus.FAILED, kind="some_new_kind")
        for url in (self.url, reverse("notifications:failures")):
            html = client.get(url).content.decode()
            assert "<td>Proposition d&#x27;aide (volontaire)</td>" in html
            assert "<td>Some new kind</td>" in html
            assert "proposal_offer</td>" not in html
        # The filter offers the labels and still filters by the code.
        html = client.get(self.url).content.decode()
        assert '<option value="proposal_offer">Proposition d&#x27;aide (volontaire)</option>' in html
        html = client.get(self.url, {"kind": "proposal_offer"}).content.decode()
        assert "Journal des envois (1)" in html

    def test_unknown_filter_values_get_a_french_message(self, client, coordinator):
        make_message()
        response = client.get(self.url, {"status": "<script>", "kind": "x" * 500, "page": "abc"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Sélectionnez un choix valide" in html
        assert "<script>" not in html

    def test_bodies_are_shown_to_admins_only(self, client):
        make_message()
        login_staff(client, staff_user(Role.COORDINATOR))
        html = client.get(self.url).content.decode()
        assert "SECRET" not in html
        assert "n'est visible que des administrateur" in html
        client.logout()
        login_staff(client, staff_user(Role.ADMIN))
        html = client.get(self.url).content.decode()
        assert "https://exemple.org/jeton=SECRET" in html

    def test_paginated(self, client, coordinator):
        for n in range(55):
            make_message(MessageStatus.SENT, recipient=f"+336000000{n:02d}")
        html = client.get(self.url).content.decode()
        assert "Page 1 sur 2" in html
        assert html.count("<tr>") == 51  # header + 50 rows
        html = client.get(self.url, {"page": 2, "status": "sent"}).content.decode()
        assert html.count("<tr>") == 6

    def test_query_count_does_not_grow(self, client, coordinator, django_assert_num_queries):
        make_message()
        client.get(self.url)
        with django_assert_num_queries(9):
            client.get(self.url, {"status": "failed"})
        for n in range(30):
            make_message(kind=f"type-{n % 3}")
        with django_assert_num_queries(9):
            client.get(self.url, {"status": "failed"})


class TestCallTasks:
    url = reverse("notifications:call_tasks")

    def test_open_tasks_oldest_first_with_count(self, client, operator):
        now = timezone.now()
        resident = ResidentFactory(first_name="Lucienne", last_name="Martin", phone="+33299001122")
        request = HelpRequestFactory(resident=resident)
        recent = CallTask.objects.create(
            resident=resident,
            reason="Volontaire trouvé : Paul passera jeudi.",
            kind="soutien",
            help_request=request,
            created_at=now - timedelta(hours=1),
        )
        old = CallTask.objects.create(
            resident=ResidentFactory(first_name="Henri", last_name="Durand"),
            reason="Mission annulée",
            kind="mission",
            created_at=now - timedelta(days=2),
        )
        CallTask.objects.create(resident=resident, reason="Déjà appelée", kind="x", status=CallTaskStatus.DONE)
        response = client.get(self.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "2 appels à passer" in html
        assert html.index("Henri Durand") < html.index("Lucienne Martin")
        assert "Déjà appelée" not in html
        assert 'href="tel:+33299001122"' in html
        assert reverse("help_requests:detail", args=[request.pk]) in html
        assert f'id="appel-{old.pk}"' in html and f'id="appel-{recent.pk}"' in html
        assert '<th scope="row">Henri Durand</th>' in html

    def test_call_done_records_outcome_who_and_when(self, client, operator):
        task = CallTask.objects.create(resident=ResidentFactory(), reason="Prévenir", kind="soutien")
        response = client.post(
            reverse("notifications:call_task_done", args=[task.pk]), {"outcome": "  Informée, contente.  "}
        )
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.status == CallTaskStatus.DONE
        assert task.outcome == "Informée, contente."
        assert task.done_by == operator
        assert timezone.now() - task.done_at < timedelta(minutes=1)
        html = client.get(self.url).content.decode()
        assert "noté comme fait" in html
        assert "aucun appel à passer" in html

    @pytest.mark.parametrize("outcome", ["", "   ", "x" * 501])
    def test_bad_outcome_gets_a_french_message_and_saves_nothing(self, client, operator, outcome):
        task = CallTask.objects.create(resident=ResidentFactory(), reason="Prévenir", kind="soutien")
        response = client.post(reverse("notifications:call_task_done", args=[task.pk]), {"outcome": outcome})
        assert response.status_code == 200
        html = response.content.decode()
        assert ("Notez en quelques mots le résultat de l" in html) or ("au plus 500 caract" in html)
        assert f'id="resultat-{task.pk}-outcome"' in html
        task.refresh_from_db()
        assert task.status == CallTaskStatus.OPEN

    def test_second_operator_sees_it_was_already_done(self, client, operator):
        other = UserFactory()
        task = CallTask.objects.create(
            resident=ResidentFactory(),
            reason="Prévenir",
            kind="soutien",
            status=CallTaskStatus.DONE,
            done_by=other,
            outcome="Fait",
            done_at=timezone.now(),
        )
        client.post(reverse("notifications:call_task_done", args=[task.pk]), {"outcome": "Refait"})
        task.refresh_from_db()
        assert (task.done_by, task.outcome) == (other, "Fait")
        assert "avait déjà été noté" in client.get(self.url).content.decode()

    def test_volunteers_and_anonymous_cannot_see_the_queue(self, client):
        task = CallTask.objects.create(resident=ResidentFactory(), reason="Prévenir", kind="soutien")
        assert client.get(self.url).status_code == 302
        login_staff(client, staff_user(Role.VOLUNTEER))
        assert client.get(self.url).status_code == 404
        assert (
            client.post(reverse("notifications:call_task_done", args=[task.pk]), {"outcome": "x"}).status_code == 404
        )

    def test_coordinators_see_it_too(self, client, coordinator):
        assert client.get(self.url).status_code == 200

    def test_query_count_does_not_grow(self, client, operator, django_assert_num_queries):
        CallTask.objects.create(
            resident=ResidentFactory(), reason="Prévenir", kind="soutien", help_request=HelpRequestFactory()
        )
        client.get(self.url)
        with django_assert_num_queries(8):
            client.get(self.url)
        for _ in range(20):
            CallTask.objects.create(
                resident=ResidentFactory(with_mobile=True),
                reason="Prévenir",
                kind="soutien",
                help_request=HelpRequestFactory(),
            )
        with django_assert_num_queries(8):
            response = client.get(self.url)
        assert "21 appels à passer" in response.content.decode()


def test_admin_lists_messages_read_only_and_call_tasks(client):
    login_staff(client, staff_user(Role.ADMIN, is_staff=True, is_superuser=True))
    message = make_message()
    CallTask.objects.create(resident=ResidentFactory(), reason="Prévenir", kind="soutien")
    assert client.get(reverse("admin:notifications_message_changelist")).status_code == 200
    assert client.get(reverse("admin:notifications_calltask_changelist")).status_code == 200
    assert client.get(reverse("admin:notifications_message_add")).status_code == 403
    client.post(reverse("admin:notifications_message_change", args=[message.pk]), {"status": "sent"})
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_register_campaign_numbers_are_masked_in_the_coordinators_log(client):
    from villesolidaire.notifications.models import Message

    Message.objects.create(
        channel="sms", recipient="+33639987001", body="Répondez 1", kind="campaign_sms_wave", status="failed"
    )
    Message.objects.create(channel="sms", recipient="+33639987002", body="Bonjour", kind="welcome", status="failed")
    login_staff(client, staff_user(Role.COORDINATOR))
    for url in ("/gestion/envois/", "/gestion/envois/echecs/"):
        page = client.get(url).content.decode()
        assert "39987001" not in page and "numéro du registre (masqué)" in page
        assert "06 39 98 70 02" in page and "+33639987002" not in page


def test_the_admin_message_log_leaves_out_messages_to_people_on_the_register(client):
    """Their numbers are register data; an administrator is not a register officer."""
    from tests.factories import login_staff, staff_user
    from villesolidaire.accounts.enums import Role
    from villesolidaire.notifications.models import Message

    admin = staff_user(Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    Message.objects.create(channel="sms", recipient="+33600000042", body="…", kind="campaign_sms_wave")
    Message.objects.create(channel="email", recipient="benevole@example.org", body="…", kind="volunteer_magic_link")
    login_staff(client, admin)
    page = client.get("/admin/notifications/message/").content.decode()
    assert "benevole@example.org" in page and "+33600000042" not in page
    searched = client.get("/admin/notifications/message/?q=%2B33600000042").content.decode()
    assert ">+33600000042<" not in searched and "0 message" in searched  # the box echoes the query only
