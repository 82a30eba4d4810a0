"""Nothing of one town is reachable from another (decision 0014, issue 13).

Two towns hold the same people, phone numbers and ids (tests/hosting/conftest.py). Every URL of
the town site is walked, as every role of town A signed in on A, on town B's domain: nothing of
either town's private data is shown and nothing of B is written. On A's own domain, A's people see
A's row for an id both towns hold and a 404 for an id only B holds. Keys, tasks, files and no-login
links carry their town.
"""

import datetime

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client, override_settings
from django.urls import get_resolver
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_context
from sesame.utils import get_query_string

from tests.factories import HelpRequestFactory, ResidentFactory, VolunteerFactory, login_staff
from tests.factories.register import RegisterEntryFactory
from tests.hosting.conftest import ROLES
from tests.test_permissions import _concrete, _walk
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.api.services import api_key_create
from villesolidaire.core import crypto
from villesolidaire.core.health import heartbeat_age
from villesolidaire.core.models import WorkerHeartbeat
from villesolidaire.core.tasks import heartbeat
from villesolidaire.core.tenancy import TOWN_KWARG, site_url, town_scope
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.notifications.models import Channel, Message
from villesolidaire.notifications.tasks import send_message
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import MAGIC_LINK_SCOPE, magic_link_url

TOWN_URLS = sorted({_concrete(route) for route, _ in _walk(get_resolver().url_patterns)})
# Tables a visit may write whatever the town: sessions, lock-outs, the audit log of refusals.
_VISIT_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


def _row_counts(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [schema],
        )
        tables = [name for (name,) in cursor.fetchall() if name not in _VISIT_TABLES]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_two_towns_hold_the_same_ids(towns):
    a, b = towns
    assert a.ids == b.ids
    assert len(TOWN_URLS) > 100


def _signed_in_client(town, role):
    client = Client()
    with schema_context(town.schema):
        login_staff(client, User.objects.get(pk=town.ids[f"user_{role}"]))
    return client


@pytest.mark.parametrize("role", [*ROLES, "volunteer"])
def test_every_url_as_every_role_of_a_on_b_shows_and_writes_nothing(towns, role):
    a, b = towns
    if role == "volunteer":
        client = Client()
        with schema_context(a.schema):
            client.force_login(Volunteer.objects.get(pk=a.ids["volunteer"]).user)
    else:
        client = _signed_in_client(a, role)
    before = _row_counts(b.schema)
    for url in TOWN_URLS:
        for method in (client.get, client.post):
            response = method(url, headers={"host": b.domain})
            # A's session means nothing on B: B treats the visitor as anonymous.
            assert not response.wsgi_request.user.is_authenticated, (role, url)
            # 401: an API address, which a session does not open (only a key of that town does).
            assert response.status_code in (200, 302, 400, 401, 403, 404, 405, 410), (role, url, response.status_code)
            if response.status_code == 302:
                assert "//" not in response["Location"] or b.domain in response["Location"], (
                    url,
                    response["Location"],
                )
            body = response.content.decode(errors="replace") if not response.streaming else ""
            for marker in (a.marker, b.marker, a.name):
                assert marker not in body, (role, url, marker)
    connection.set_schema_to_public()
    assert _row_counts(b.schema) == before, role


def test_a_staff_session_of_a_opens_its_pages_on_a_only(towns):
    a, b = towns
    client = _signed_in_client(a, "coordinator")
    own = client.get("/gestion/demandes/", headers={"host": a.domain})
    assert own.status_code == 200 and a.marker in own.content.decode()
    other = client.get("/gestion/demandes/", headers={"host": b.domain})
    assert other.status_code == 302 and other["Location"].startswith("/comptes/connexion/")


def test_an_api_key_of_a_opens_the_api_of_a_only(towns):
    a, b = towns
    with schema_context(a.schema):
        token = api_key_create(
            name="Logiciel du CCAS de A",
            role=Role.COORDINATOR,
            scopes=["help_requests:read"],
            expires_at=timezone.now() + datetime.timedelta(days=1),
            by=User.objects.get(pk=a.ids["user_admin"]),
        ).token
    client = Client()
    auth = {"authorization": f"Bearer {token}"}
    own = client.get(f"/api/v1/help-requests/{a.ids['request']}/", headers={"host": a.domain, **auth})
    assert own.status_code == 200 and a.marker in own.content.decode()
    # The same id exists in B; the key is unknown there.
    other = client.get(f"/api/v1/help-requests/{a.ids['request']}/", headers={"host": b.domain, **auth})
    assert other.status_code == 401 and b.marker not in other.content.decode()


def test_on_its_own_domain_a_sees_its_row_for_a_shared_id_and_404_for_an_id_only_b_has(towns):
    a, b = towns
    with schema_context(b.schema):
        only_in_b = HelpRequestFactory(
            category=HelpCategory.objects.get(slug="courses"), resident__first_name=b.marker, description="B seule"
        )
    assert only_in_b.pk > a.ids["request"]
    client = _signed_in_client(a, "coordinator")
    shared = client.get(f"/gestion/demandes/{a.ids['request']}/", headers={"host": a.domain})
    assert shared.status_code == 200
    assert a.marker in shared.content.decode() and b.marker not in shared.content.decode()
    assert client.get(f"/gestion/demandes/{only_in_b.pk}/", headers={"host": a.domain}).status_code == 404


def test_the_register_of_a_is_read_on_a_only(towns):
    a, b = towns
    officer = _signed_in_client(a, "register_officer")
    own = officer.get(f"/gestion/registre/{a.ids['entry']}/", headers={"host": a.domain})
    assert own.status_code == 200 and a.marker in own.content.decode()
    assert b.marker not in own.content.decode()


def test_a_key_of_a_cannot_decrypt_nor_find_the_register_of_b(towns):
    a, b = towns
    with schema_context(a.schema):
        stored_in_a = crypto.encrypt("Alphonsine Inscrit")
        index_in_a = crypto.blind_index("Alphonsine Inscrit")
        keys_of_a = crypto._keys()
    with schema_context(b.schema):
        keys_of_b = crypto._keys()
        assert crypto.blind_index("Alphonsine Inscrit") != index_in_a
        with pytest.raises(ImproperlyConfigured, match="cannot be read"):
            crypto.decrypt(stored_in_a)
    assert set(keys_of_a).isdisjoint(keys_of_b)
    with pytest.raises(InvalidToken):
        crypto._fernet(keys_of_b).decrypt(stored_in_a.removeprefix("enc1:").encode())
    # The host's schema has no key at all.
    with pytest.raises(ImproperlyConfigured, match="n'a pas de clé"):
        crypto.encrypt("x")


def test_a_task_enqueued_in_a_runs_in_a(towns):
    a, b = towns
    backend = {"default": {"BACKEND": "villesolidaire.core.tenancy.TownDatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=backend), schema_context(a.schema):
        message = Message.objects.create(
            channel=Channel.SMS, recipient="+33612345678", body="Rendez-vous demain", kind="essai", status="queued"
        )
        result = send_message.enqueue(message.pk)
    connection.set_schema_to_public()
    row = DBTaskResult.objects.get(id=result.id)  # the host's one queue, in public
    assert row.args_kwargs["kwargs"][TOWN_KWARG] == a.schema
    # The worker runs from the host's schema: the task goes back to its town.
    send_message.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    assert connection.schema_name == "public"
    with schema_context(a.schema):
        assert Message.objects.get(pk=message.pk).status == "sent"
    with schema_context(b.schema):
        assert not Message.objects.filter(body="Rendez-vous demain").exists()


def test_a_task_enqueued_in_a_runs_in_a_through_redis(towns, redis_task_queue, django_capture_on_commit_callbacks):
    """The same with the queue on Redis (TownRQBackend) and an RQ worker started from the host's schema."""
    a, b = towns
    with schema_context(a.schema):
        message = Message.objects.create(
            channel=Channel.SMS, recipient="+33612345678", body="Rendez-vous par Redis", kind="essai", status="queued"
        )
        with django_capture_on_commit_callbacks(execute=True):
            result = send_message.using(queue_name=redis_task_queue.name).enqueue(message.pk)
    connection.set_schema_to_public()
    assert redis_task_queue.queue.fetch_job(result.id).kwargs[TOWN_KWARG] == a.schema
    redis_task_queue.work()
    assert connection.schema_name == "public"
    with schema_context(a.schema):
        assert Message.objects.get(pk=message.pk).status == "sent"
    with schema_context(b.schema):
        assert not Message.objects.filter(body="Rendez-vous par Redis").exists()


def test_the_workers_heartbeat_is_the_hosts_and_every_town_reads_it(towns):
    a, _ = towns
    heartbeat.call("file-hote")  # what `manage.py worker_heartbeat` has the worker run, from public
    with schema_context(a.schema):
        assert WorkerHeartbeat.objects.filter(queue_name="file-hote").exists()
        assert heartbeat_age("file-hote") is not None  # what the town's /sante/ reads
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"{a.schema}.core_workerheartbeat"])
            assert cursor.fetchone() == (None,)


def test_files_and_links_carry_their_town(towns):
    a, b = towns
    with schema_context(a.schema):
        name = default_storage.save("logos/logo.png", ContentFile(b"png"))
        path_in_a = default_storage.path(name)
        assert f"/{a.schema}/" in path_in_a
        assert site_url().split("//")[1].startswith(a.domain)
        link = magic_link_url(volunteer=Volunteer.objects.get(pk=a.ids["volunteer"]))
        assert a.domain in str(link)
        default_storage.delete(name)
    with schema_context(b.schema):
        assert not default_storage.exists(name)


def test_a_no_login_link_of_a_signs_no_one_in_on_b(towns):
    a, b = towns
    with schema_context(a.schema):
        volunteer_user = Volunteer.objects.get(pk=a.ids["volunteer"]).user
        query = get_query_string(volunteer_user, scope=town_scope(MAGIC_LINK_SCOPE))
    client = Client()
    response = client.get(f"/mon-espace/{query}", headers={"host": b.domain})
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize("role", ["admin", "coordinator", "register_officer"])
def test_every_url_of_a_with_ids_only_b_holds_shows_nothing_of_b(towns, role):
    a, b = towns
    with schema_context(b.schema):
        extra = _seed_rows_only_in(b)
    # Each new row's id is one its model does not hold in A (same ids up to there, one more in B).
    assert all(pk > a.ids[kind] for kind, pk in extra.items())
    only_in_b = sorted(set(extra.values()))
    client = _signed_in_client(a, role)
    routes = sorted({route for route, _ in _walk(get_resolver().url_patterns) if "<int:" in route})
    for route in routes:
        for pk in only_in_b:
            url = _concrete(route).replace("/1/", f"/{pk}/")
            response = client.get(url, headers={"host": a.domain})
            body = response.content.decode(errors="replace") if not response.streaming else ""
            assert b.marker not in body, (role, url)


def _seed_rows_only_in(town) -> dict[str, int]:
    """One more of each seeded row, in `town` only: ids the other town does not hold."""
    resident = ResidentFactory(first_name=town.marker, last_name="Seconde", phone="+33299001199")
    request = HelpRequestFactory(resident=resident, category=HelpCategory.objects.get(slug="courses"))
    volunteer = VolunteerFactory(active=True, first_name=town.marker, user__email="v2@mairie.test")
    entry = RegisterEntryFactory(first_names=town.marker, last_name="Seconde")
    return {"resident": resident.pk, "request": request.pk, "volunteer": volunteer.pk, "entry": entry.pk}
