"""Creating, routing, suspending and deleting towns; the host console (decision 0014)."""

import html
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context, schema_exists

from villesolidaire.accounts.models import User
from villesolidaire.hosting.models import Domain, HostEvent, Tenant, TenantKind, TenantState
from villesolidaire.hosting.services import HostingError, create_town, delete_town, set_state, set_up_host
from villesolidaire.territory.models import Commune, Town

CONSOLE = "console.villes.test"


def test_create_town_makes_a_town_ready(towns):
    a, _ = towns
    tenant = Tenant.objects.get(schema_name=a.schema)
    assert tenant.get_primary_domain().domain == a.domain
    assert tenant.insee_codes == ["35001"]
    assert tenant.wrapped_keys
    with schema_context(a.schema):
        assert Town.objects.get().name == a.name
        admin = User.objects.get(email="maire@mairie.test")
        assert admin.has_role("admin") and admin.is_superuser and admin.is_staff
        assert admin.check_password(a.admin_password)
        assert admin.password_is_provisional  # printed once by the host: replaced at the first sign-in
    assert HostEvent.objects.filter(action="create_town", tenant_schema=a.schema).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Le nom de la commune est obligatoire."),
        ({"insee_codes": ["123"]}, "Code INSEE attendu"),
        ({"domains": ["pas un domaine"]}, "Domaine invalide"),
        ({"domains": ["alpha.villes.test"]}, "Domaine déjà utilisé : alpha.villes.test."),
        ({"schema_name": "public"}, "Nom de schéma réservé"),
        ({"schema_name": "Pas-Valide"}, "Nom de schéma refusé"),
        ({"schema_name": "town_alpha"}, "Le schéma 'town_alpha' existe déjà."),
        ({"admin_email": "pas-une-adresse"}, "Adresse e-mail de l'administrateur invalide"),
    ],
)
def test_create_town_refuses_bad_input_in_french_and_creates_nothing(towns, changes, message):
    arguments = {
        "name": "Charlie",
        "insee_codes": ["35003"],
        "domains": ["charlie.villes.test"],
        "admin_email": "admin@charlie.test",
        "schema_name": "town_charlie",
        "actor": "tests",
    } | changes
    before = Tenant.objects.count()
    with pytest.raises(HostingError, match=message):
        create_town(**arguments)
    assert Tenant.objects.count() == before
    assert not schema_exists("town_charlie")


def test_delete_town_drops_its_schema_after_confirmation(towns, django_db_blocker):
    new = create_town(
        name="Delta", insee_codes=["35004"], domains=["delta.villes.test"], admin_email="a@delta.test", actor="tests"
    )
    tenant = new.tenant
    assert schema_exists(tenant.schema_name)
    with pytest.raises(HostingError, match="tapez exactement 'town_delta'"):
        delete_town(tenant, confirm="delta", actor="tests")
    delete_town(tenant, confirm="town_delta", actor="tests")
    assert not schema_exists("town_delta")
    assert not Domain.objects.filter(domain="delta.villes.test").exists()
    assert HostEvent.objects.filter(action="delete_town", tenant_schema="town_delta").exists()


def test_each_domain_serves_its_own_town(client, towns):
    a, b = towns
    for town in (a, b):
        response = client.get("/", headers={"host": town.domain})
        assert response.status_code == 200
        assert town.name in response.content.decode()


def test_an_unknown_host_gets_a_plain_404(client, towns):
    response = client.get("/", headers={"host": "inconnue.villes.test"})
    assert response.status_code == 404
    assert "Aucune commune n'est servie à cette adresse" in response.content.decode()


def test_a_suspended_town_answers_503(client, towns):
    a, _ = towns
    tenant = Tenant.objects.get(schema_name=a.schema)
    set_state(tenant, TenantState.SUSPENDED, actor="tests")
    response = client.get("/", headers={"host": a.domain})
    assert response.status_code == 503
    assert "suspendu" in response.content.decode()


def _host_operator(client):
    set_up_host(domains=[CONSOLE], actor="tests")
    connection.set_schema_to_public()
    operator = User.objects.create_superuser("ops@hebergeur.test", "mot-de-passe-hebergeur")
    device = TOTPDevice.objects.create(user=operator, name="Téléphone", confirmed=True)
    return operator, device


def test_the_console_lists_towns_without_personal_data(client, towns):
    a, b = towns
    operator, device = _host_operator(client)
    response = client.post(
        "/connexion/",
        {"username": operator.email, "password": "mot-de-passe-hebergeur", "otp_token": f"{totp(device.bin_key):06d}"},
        headers={"host": CONSOLE},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/", headers={"host": CONSOLE}).content.decode()
    assert a.name in page and b.name in page
    assert a.domain in page and "En service" in page
    for marker in (a.marker, b.marker, "+33", "0299"):
        assert marker not in page
    log = client.get("/journal/", headers={"host": CONSOLE}).content.decode()
    assert "Commune créée" in log


def test_the_console_refuses_anyone_but_a_verified_host_operator(client, towns):
    a, _ = towns
    set_up_host(domains=[CONSOLE], actor="tests")
    assert client.get("/", headers={"host": CONSOLE})["Location"] == "/connexion/"
    # A town's administrator has no account on the host: same e-mail, same password, refused.
    response = client.post(
        "/connexion/",
        {"username": "maire@mairie.test", "password": a.admin_password, "otp_token": "123456"},
        headers={"host": CONSOLE},
    )
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    # A host account without its second factor does not enter either.
    connection.set_schema_to_public()
    User.objects.create_superuser("sans-otp@hebergeur.test", "mot-de-passe-hebergeur")
    client.force_login(User.objects.get(email="sans-otp@hebergeur.test"))
    assert client.get("/", headers={"host": CONSOLE}).status_code == 404


def test_the_console_suspends_and_reactivates_a_town(client, towns):
    a, _ = towns
    operator, device = _host_operator(client)
    client.post(
        "/connexion/",
        {"username": operator.email, "password": "mot-de-passe-hebergeur", "otp_token": f"{totp(device.bin_key):06d}"},
        headers={"host": CONSOLE},
    )
    tenant = Tenant.objects.get(schema_name=a.schema)
    client.post(f"/communes/{tenant.pk}/etat/", {"state": "suspended"}, headers={"host": CONSOLE})
    tenant.refresh_from_db()
    assert tenant.state == TenantState.SUSPENDED
    response = client.post(f"/communes/{tenant.pk}/etat/", {"state": "n'importe"}, headers={"host": CONSOLE})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.state == TenantState.SUSPENDED
    assert HostEvent.objects.filter(action="state:suspended", actor=operator.email).exists()


def test_an_intercommunal_service_gets_its_communes(towns):
    new = create_town(
        name="CIAS du Pays de Rance",
        insee_codes=["35288", "35049"],
        commune_names={"35288": "Saint-Malo", "35049": "Cancale"},
        domains=["cias-rance.villes.test"],
        admin_email="cias@rance.test",
        kind=TenantKind.INTERCOMMUNAL,
        actor="tests",
    )
    with schema_context(new.tenant.schema_name):
        assert sorted(Commune.objects.values_list("insee_code", "name")) == [
            ("35049", "Cancale"),
            ("35288", "Saint-Malo"),
        ]
    delete_town(new.tenant, confirm=new.tenant.schema_name, actor="tests")


def test_an_intercommunal_service_needs_each_commune_named(towns):
    with pytest.raises(HostingError, match="chacune nommée"):
        create_town(
            name="CIAS sans noms",
            insee_codes=["35288", "35049"],
            commune_names={"35288": "Saint-Malo"},
            domains=["cias-sans-noms.villes.test"],
            admin_email="cias@sans-noms.test",
            kind=TenantKind.INTERCOMMUNAL,
            actor="tests",
        )
    assert not Tenant.objects.filter(name="CIAS sans noms").exists()


def test_the_whole_database_backup_refuses_a_host_and_says_what_to_do(tmp_path):
    from villesolidaire.core.backups import BackupError, backup

    with pytest.raises(BackupError, match="backup_town --all"):
        backup(tmp_path)


def test_each_town_runs_a_command_in_every_town_and_nowhere_else(towns):
    a, b = towns
    out = io.StringIO()
    call_command("each_town", "check_proposals", stdout=out)
    text = out.getvalue()
    assert f"({a.schema})" in text and f"({b.schema})" in text
    assert "(public)" not in text and "(town_template)" not in text


def test_each_town_goes_on_after_a_failure_and_names_it(towns):
    with pytest.raises(CommandError, match="Échec dans"):
        call_command("each_town", "commande_qui_n_existe_pas", stdout=io.StringIO(), stderr=io.StringIO())


def test_create_host_operator_gives_a_password_an_app_link_and_backup_codes(client, towns):
    set_up_host(domains=[CONSOLE], actor="tests")
    out = io.StringIO()
    call_command("create_host_operator", "--email", "Nouvel.Ops@Hebergeur.test", stdout=out)
    text = out.getvalue()
    password = text.split("Mot de passe provisoire (affiché une seule fois) : ")[1].split()[0]
    code = text.split("Codes de secours (un seul usage chacun, à garder hors ligne) : ")[1].split()[0]
    assert "otpauth://totp/" in text
    signed_in = client.post(
        "/connexion/",
        {"username": "nouvel.ops@hebergeur.test", "password": password, "otp_token": code},
        headers={"host": CONSOLE},
    )
    assert signed_in.status_code == 302
    # The password was printed on a terminal: the console opens once the operator has replaced it.
    for page in ("/", "/journal/"):
        assert client.get(page, headers={"host": CONSOLE})["Location"] == "/mot-de-passe/"
    form = client.get("/mot-de-passe/", headers={"host": CONSOLE}).content.decode()
    assert "Ce mot de passe provisoire a été affiché à la création du compte" in form
    new_password = "Un-autre-mot-de-passe-hebergeur-7"
    change = {"old_password": password, "new_password1": new_password, "new_password2": new_password}
    refused = client.post("/mot-de-passe/", {**change, "old_password": "pas-le-bon"}, headers={"host": CONSOLE})
    assert refused.status_code == 400 and "Mot de passe actuel incorrect." in refused.content.decode()
    changed = client.post("/mot-de-passe/", change, headers={"host": CONSOLE})
    assert changed["Location"] == "/"
    operator = User.objects.get(email="nouvel.ops@hebergeur.test")
    assert operator.check_password(new_password) and not operator.password_is_provisional
    assert client.get("/", headers={"host": CONSOLE}).status_code == 200  # still signed in
    assert HostEvent.objects.filter(action="create_host_operator").exists()
    assert HostEvent.objects.filter(action="password_change", actor="nouvel.ops@hebergeur.test").exists()
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("create_host_operator", "--email", "nouvel.ops@hebergeur.test", stdout=io.StringIO())


def test_a_locked_out_console_sign_in_gets_a_french_429_not_an_error(client, towns):
    operator, device = _host_operator(client)
    for _ in range(6):
        response = client.post(
            "/connexion/",
            {"username": operator.email, "password": "pas-le-bon", "otp_token": "000000"},
            headers={"host": CONSOLE},
        )
    assert response.status_code == 429
    assert "Trop d'envois" in html.unescape(response.content.decode())
    assert "Console de l'hébergeur" in response.content.decode()


def test_the_console_domain_answers_the_hosts_health_check(client, towns):
    set_up_host(domains=[CONSOLE], actor="tests")
    response = client.get("/sante/", headers={"host": CONSOLE})
    assert response.status_code in (200, 503)
    assert response.json()["checks"]["database"] == "ok"  # the host's own database, from public
