from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.factories import ResidentFactory
from tests.fake_server import closed_port_url
from villesolidaire.notifications import services
from villesolidaire.notifications.models import CallTask, CallTaskStatus, Channel, Message, MessageStatus
from villesolidaire.notifications.sms import MemorySmsBackend
from villesolidaire.notifications.tasks import deliver_message, due_messages, retry_delay, send_message


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk, status=MessageStatus.RETRYING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def queue_sms(
    django_capture_on_commit_callbacks, body="Bonjour, votre demande est prise en compte.", to="06 12 34 56 78"
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_queue(channel=Channel.SMS, recipient=to, body=body, kind="test")
    message.refresh_from_db()
    return message


def test_sms_is_logged_and_sent_with_an_e164_number(django_capture_on_commit_callbacks):
    message = queue_sms(django_capture_on_commit_callbacks, body="L’équipe « Solidarité » vous rappelle.")
    assert message.status == MessageStatus.SENT
    assert message.recipient == "+33612345678"
    assert message.body == 'L\'équipe "Solidarité" vous rappelle.'
    assert message.attempts == 1
    assert message.provider_id == "memory-1"
    assert message.sent_at is not None
    assert [(sms.recipient, sms.body) for sms in MemorySmsBackend.outbox] == [("+33612345678", message.body)]


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.message_queue(channel=Channel.SMS, recipient="+33612345678", body="Bonjour", kind="test")
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert MemorySmsBackend.outbox == []


def test_long_sms_is_sent_concatenated_with_a_warning(django_capture_on_commit_callbacks, caplog):
    message = queue_sms(django_capture_on_commit_callbacks, body="Bonjour " * 30)
    assert message.status == MessageStatus.SENT
    assert "concatenated" in caplog.text


def test_email_goes_through_django_mail_backend(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email_send(
            to="marie@example.org",
            subject="Votre inscription",
            template="notifications/email/generic.txt",
            context={"name": "Marie", "text": "Votre inscription est enregistrée."},
            kind="inscription",
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (email,) = mail.outbox
    assert email.to == ["marie@example.org"]
    assert email.subject == "Votre inscription"
    assert "Bonjour Marie" in email.body


def test_email_failure_is_retried(django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(closed_port_url().rsplit(":", 1)[1])
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_queue(
            channel=Channel.EMAIL, recipient="a@example.org", body="x", subject="s", kind="test"
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.RETRYING
    assert "ConnectionRefusedError" in message.last_error


def test_contact_send_prefers_sms_then_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        by_sms = services.contact_send(
            email="a@example.org",
            phone="+33612345678",
            subject="Objet",
            email_template="notifications/email/generic.txt",
            sms_template="notifications/email/generic.txt",
            context={"name": "A"},
            kind="test",
        )
        by_email = services.contact_send(
            email="a@example.org",
            subject="Objet",
            email_template="notifications/email/generic.txt",
            sms_template="notifications/email/generic.txt",
            context={"name": "A"},
            kind="test",
        )
        nobody = services.contact_send(
            subject="Objet",
            email_template="notifications/email/generic.txt",
            sms_template="notifications/email/generic.txt",
            context={},
            kind="test",
        )
    assert by_sms.channel == Channel.SMS
    assert by_email.channel == Channel.EMAIL
    assert nobody is None


def test_resident_with_mobile_gets_an_sms(django_capture_on_commit_callbacks):
    resident = ResidentFactory(with_mobile=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.resident_inform(resident=resident, text="Un volontaire passera jeudi.", kind="soutien")
    assert isinstance(result, Message)
    assert result.recipient == resident.mobile.as_e164
    assert MemorySmsBackend.outbox[0].body == "Un volontaire passera jeudi."


def test_resident_without_mobile_gets_a_call_task():
    resident = ResidentFactory()
    result = services.resident_inform(resident=resident, text="Un volontaire passera jeudi.", kind="soutien")
    assert isinstance(result, CallTask)
    assert result.status == CallTaskStatus.OPEN
    assert result.reason == "Un volontaire passera jeudi."
    assert not Message.objects.exists()


class TestRetries:
    def test_provider_down_then_back(self, django_capture_on_commit_callbacks):
        MemorySmsBackend.fail_next = 2
        message = queue_sms(django_capture_on_commit_callbacks)
        assert message.status == MessageStatus.RETRYING
        assert message.attempts == 1
        assert "Prestataire indisponible" in message.last_error
        assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)

        # Not due yet: a cron run leaves it alone.
        call_command("retry_messages")
        message.refresh_from_db()
        assert message.attempts == 1

        make_due(message)
        call_command("retry_messages")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.RETRYING, 2)
        assert message.next_attempt_at - timezone.now() > timedelta(minutes=4)  # growing delay

        make_due(message)
        call_command("retry_messages")
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
        assert len(MemorySmsBackend.outbox) == 1

    def test_fails_after_max_attempts_and_stays_listed(self, django_capture_on_commit_callbacks, settings):
        settings.NOTIFICATION_MAX_ATTEMPTS = 3
        MemorySmsBackend.fail_next = 10
        message = queue_sms(django_capture_on_commit_callbacks)
        for _ in range(5):
            make_due(message)
            call_command("retry_messages")
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert message.attempts == 3
        assert message.next_attempt_at is None
        assert list(Message.objects.failed()) == [message]

    def test_sent_and_failed_messages_are_never_sent_again(self, django_capture_on_commit_callbacks):
        message = queue_sms(django_capture_on_commit_callbacks)
        assert deliver_message(message.pk) == "skipped"
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
        assert deliver_message(message.pk) == "skipped"
        assert deliver_message(999999) == "skipped"
        assert len(MemorySmsBackend.outbox) == 1

    def test_a_message_being_sent_is_not_claimed_twice(self):
        message = Message.objects.create(channel=Channel.SMS, recipient="+33612345678", body="x", kind="test")
        # Another runner claimed it a moment ago: its lease is still running.
        Message.objects.filter(pk=message.pk).update(attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5))
        assert deliver_message(message.pk) == "skipped"
        assert MemorySmsBackend.outbox == []

    def test_forgotten_queued_message_is_picked_up(self):
        old = Message.objects.create(
            channel=Channel.SMS,
            recipient="+33612345678",
            body="x",
            kind="test",
            created_at=timezone.now() - timedelta(hours=1),
        )
        fresh = Message.objects.create(channel=Channel.SMS, recipient="+33612345679", body="y", kind="test")
        assert list(due_messages()) == [old]
        call_command("retry_messages")
        old.refresh_from_db()
        fresh.refresh_from_db()
        assert old.status == MessageStatus.SENT
        assert fresh.status == MessageStatus.QUEUED

    def test_retry_is_deferred_when_the_backend_can(self, django_capture_on_commit_callbacks):
        from django_tasks import task_backends

        MemorySmsBackend.fail_next = 1
        message = Message.objects.create(channel=Channel.SMS, recipient="+33612345678", body="x", kind="test")
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
            assert send_message.call(message.pk) == MessageStatus.RETRYING
            (queued,) = task_backends["default"].results
        message.refresh_from_db()
        assert queued.task.run_after == message.next_attempt_at
        assert queued.args == [message.pk]

    def test_retry_delays_grow(self):
        delays = [retry_delay(n) for n in range(1, 7)]
        assert delays == sorted(delays)
        assert delays[0] == timedelta(minutes=1)
        assert delays[-1] == timedelta(hours=2)


class TestBrevoEndToEnd:
    @pytest.fixture(autouse=True)
    def _brevo(self, settings):
        settings.SMS_BACKEND = "villesolidaire.notifications.sms.BrevoSmsBackend"
        settings.BREVO_API_KEY = "cle-test"
        settings.NOTIFICATION_MAX_ATTEMPTS = 3

    def test_success_stores_the_provider_id(self, fake_server, settings, django_capture_on_commit_callbacks):
        server = fake_server([(201, {"messageId": 42})])
        settings.BREVO_API_URL = server.url
        message = queue_sms(django_capture_on_commit_callbacks)
        assert (message.status, message.provider_id) == (MessageStatus.SENT, "42")
        assert server.requests[0].json()["recipient"] == "33612345678"

    def test_server_error_retries_then_fails(self, fake_server, settings, django_capture_on_commit_callbacks):
        server = fake_server([(500, {"message": "boom"})])
        settings.BREVO_API_URL = server.url
        message = queue_sms(django_capture_on_commit_callbacks)
        assert message.status == MessageStatus.RETRYING
        assert "HTTP 500" in message.last_error
        for _ in range(2):
            make_due(message)
            call_command("retry_messages")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
        assert len(server.requests) == 3

    def test_provider_recovers(self, fake_server, settings, django_capture_on_commit_callbacks):
        server = fake_server([(503, {}), (201, {"messageId": "abc"})])
        settings.BREVO_API_URL = server.url
        message = queue_sms(django_capture_on_commit_callbacks)
        assert message.status == MessageStatus.RETRYING
        make_due(message)
        call_command("retry_messages")
        message.refresh_from_db()
        assert (message.status, message.provider_id, message.attempts) == (MessageStatus.SENT, "abc", 2)

    def test_connection_refused_is_retried(self, settings, django_capture_on_commit_callbacks):
        settings.BREVO_API_URL = closed_port_url()
        message = queue_sms(django_capture_on_commit_callbacks)
        assert message.status == MessageStatus.RETRYING
        assert "Brevo injoignable" in message.last_error

    def test_invalid_number_fails_at_once(self, fake_server, settings, django_capture_on_commit_callbacks):
        server = fake_server([(400, {"code": "invalid_parameter", "message": "Invalid phone number"})])
        settings.BREVO_API_URL = server.url
        message = queue_sms(django_capture_on_commit_callbacks, to="+3361")
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)


def test_resend_resets_and_sends_again(django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    MemorySmsBackend.fail_next = 1
    message = queue_sms(django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        assert services.message_resend(message=message) is True
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    # Already sent: nothing to resend.
    assert services.message_resend(message=message) is False


def test_sms_recipient_normalisation():
    from phonenumber_field.phonenumber import PhoneNumber

    assert services.sms_recipient("06 12 34 56 78") == "+33612345678"
    assert services.sms_recipient("+33 6 12 34 56 78") == "+33612345678"
    assert services.sms_recipient(PhoneNumber.from_string("0612345678", region="FR")) == "+33612345678"
    assert services.sms_recipient("pas un numéro") == "pas un numéro"
