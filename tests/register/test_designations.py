"""Register roles (officer, caller) need two people and the mayor's decision (R121-7, issue 10):
an administrator never reaches the register by changing roles alone, neither in the Django admin
nor through the designation service."""

import datetime
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, VolunteerFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.register.designations import (
    DesignationError,
    designation_approve,
    designation_propose,
    designation_refuse,
)
from villesolidaire.register.models import DesignationKind, DesignationStatus, RoleDesignation

DECISION = {
    "designated_by": "Mme Claire Dubois, maire",
    "decision_reference": "arrêté n° 2026-114",
    "decision_date": datetime.date(2026, 5, 4),
}


def _admin(**kwargs) -> User:
    user = staff_user(Role.ADMIN, **kwargs)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # roles are cached on the instance


def _propose(user, by, role=Role.REGISTER_OFFICER, kind=DesignationKind.GRANT):
    return designation_propose(user=user, role=role, kind=kind, by=by, **DECISION)


def test_admin_cannot_designate_themselves_alone():
    admin = _admin()
    with pytest.raises(DesignationError, match="vous concerne"):
        _propose(admin, by=admin)
    # Proposed by a colleague, an administrator still cannot approve their own designation…
    colleague = _admin()
    designation = _propose(admin, by=colleague)
    with pytest.raises(DesignationError, match="vous concerne"):
        designation_approve(designation=designation, by=admin)
    # …nor may the proposer approve it: a second person is needed.
    with pytest.raises(DesignationError, match="autre personne"):
        designation_approve(designation=designation, by=colleague)
    assert not _fresh(admin).has_role(Role.REGISTER_OFFICER)
    assert RoleDesignation.objects.get().status == DesignationStatus.PROPOSED


def test_grant_then_revoke_by_two_people_with_the_mayors_decision_and_audit_rows(client, town):
    proposer, approver = _admin(), staff_user(Role.REGISTER_OFFICER)
    agent = UserFactory(roles=[Role.COORDINATOR])
    designation = _propose(agent, by=proposer)
    assert not _fresh(agent).has_role(Role.REGISTER_OFFICER)
    designation_approve(designation=designation, by=approver)
    designation.refresh_from_db()
    assert _fresh(agent).has_role(Role.REGISTER_OFFICER)
    assert designation.status == DesignationStatus.APPROVED and designation.decided_by == approver
    assert designation.decision_reference == "arrêté n° 2026-114" and designation.designated_by.startswith("Mme")
    assert [t.to_status for t in designation.transitions.all()] == ["proposed", "approved"]
    assert RoleGrant.objects.get(user=agent, role=Role.REGISTER_OFFICER).granted_by == approver

    removal = _propose(agent, by=proposer, kind=DesignationKind.REVOKE)
    assert _fresh(agent).has_role(Role.REGISTER_OFFICER)  # not before the second person
    designation_approve(designation=removal, by=approver)
    assert not _fresh(agent).has_role(Role.REGISTER_OFFICER)

    rows = AuditEntry.objects.filter(object_type="register.RoleDesignation").order_by("pk")
    assert [(r.action, r.actor) for r in rows] == [
        (AuditAction.CREATE, proposer),
        (AuditAction.TRANSITION, approver),
        (AuditAction.CREATE, proposer),
        (AuditAction.TRANSITION, approver),
    ]
    assert "arrêté n° 2026-114 du 04/05/2026" in rows[0].detail and "approuvée" in rows[1].detail
    grants = AuditEntry.objects.filter(object_type="accounts.RoleGrant").order_by("pk")
    assert [r.action for r in grants] == [AuditAction.CREATE, AuditAction.DELETE]


def test_refusal_changes_nothing_and_is_logged():
    proposer, other = _admin(), _admin()
    caller = VolunteerFactory(active=True).user
    designation = _propose(caller, by=proposer, role=Role.CALLER)
    with pytest.raises(DesignationError, match="attend déjà"):
        _propose(caller, by=other, role=Role.CALLER)
    designation_refuse(designation=designation, by=other)
    assert not _fresh(caller).has_role(Role.CALLER)
    with pytest.raises(DesignationError, match="déjà été traitée"):
        designation_approve(designation=designation, by=other)
    assert AuditEntry.objects.filter(object_id=str(designation.pk), action=AuditAction.TRANSITION).count() == 1


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR, Role.CALLER, Role.AUDITOR])
def test_other_roles_may_not_designate(role):
    with pytest.raises(DesignationError, match="Seul·es"):
        _propose(UserFactory(), by=staff_user(role))


def test_other_roles_get_404_on_the_pages(client, town):
    designation = _propose(UserFactory(), by=_admin())
    urls = [
        reverse("register:designations"),
        reverse("register:designation_approve", args=[designation.pk]),
        reverse("register:designation_refuse", args=[designation.pk]),
    ]
    for role in (Role.COORDINATOR, Role.OPERATOR, Role.CALLER, Role.AUDITOR, Role.PARTNER):
        login_staff(client, staff_user(role))
        for url in urls:
            assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    client.force_login(VolunteerFactory(active=True).user)
    assert client.get(urls[0]).status_code == 404
    assert RoleDesignation.objects.get().status == DesignationStatus.PROPOSED


def test_pages_propose_then_approve_and_the_admin_never_reaches_the_register(client, town):
    admin, colleague = _admin(email="admin@example.org"), _admin(email="collegue@example.org")
    login_staff(client, admin)
    page = client.get(reverse("register:designations"))
    assert page.status_code == 200 and "Habilitations au registre" in page.content.decode()
    data = {"email": "ADMIN@example.org", "role": Role.REGISTER_OFFICER, "kind": "grant", **DECISION}
    data["decision_date"] = "04/05/2026"
    refused = client.post(reverse("register:designations"), data)
    assert refused.status_code == 400 and "vous concerne" in refused.content.decode()
    bad = client.post(reverse("register:designations"), {"email": "x", "role": "admin", "decision_date": "31/02/2026"})
    assert bad.status_code == 400 and "Rôle inconnu" in bad.content.decode()
    # A colleague proposes the administrator; the administrator cannot approve it.
    login_staff(client, colleague)
    assert client.post(reverse("register:designations"), data).status_code == 302
    designation = RoleDesignation.objects.get()
    login_staff(client, admin)
    response = client.post(reverse("register:designation_approve", args=[designation.pk]), follow=True)
    assert "vous concerne" in response.content.decode()
    assert client.get(reverse("register:list")).status_code == 404
    # Administrators see that a grant waits for an officer, not a button that would be refused.
    page = client.get(reverse("register:designations")).content.decode()
    assert "À approuver par un·e agent·e habilité·e au registre" in page
    assert reverse("register:designation_approve", args=[designation.pk]) not in page
    # A third person approves: now (and only now) the administrator is an officer.
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    client.post(reverse("register:designation_approve", args=[designation.pk]))
    login_staff(client, admin)
    assert client.get(reverse("register:list")).status_code == 200
    page = client.get(reverse("register:designations")).content.decode()
    assert "arrêté n° 2026-114" in page and "Approuvée" in page
    assert client.post(reverse("register:designation_refuse", args=[999999])).status_code == 404


def test_django_admin_cannot_grant_or_remove_register_roles(client, town):
    admin = _admin()
    target = UserFactory(roles=[Role.COORDINATOR])
    officer = staff_user(Role.REGISTER_OFFICER)
    login_staff(client, admin)
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk])).content.decode()
    assert 'value="register_officer"' not in page and 'value="caller"' not in page

    def post(user, rows, register_rows):
        data = {
            "email": user.email,
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "10:00:00",
            "role_grants-TOTAL_FORMS": str(len(rows)),
            "role_grants-INITIAL_FORMS": str(sum(1 for r in rows if "id" in r)),
            "role_grants-MIN_NUM_FORMS": "0",
            "role_grants-MAX_NUM_FORMS": "1000",
            "role_grants-2-TOTAL_FORMS": str(len(register_rows)),
            "role_grants-2-INITIAL_FORMS": str(len(register_rows)),
            "role_grants-2-MIN_NUM_FORMS": "0",
            "role_grants-2-MAX_NUM_FORMS": "0",
        }
        for i, row in enumerate(rows):
            data.update({f"role_grants-{i}-{k}": v for k, v in row.items()})
            data[f"role_grants-{i}-user"] = str(user.pk)
        for i, row in enumerate(register_rows):
            data.update({f"role_grants-2-{i}-{k}": v for k, v in row.items()})
            data[f"role_grants-2-{i}-user"] = str(user.pk)
        return client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    coordinator_grant = RoleGrant.objects.get(user=target)
    # Adding the officer role to someone else, or to themselves: refused by the form.
    for user in (target, admin):
        existing = [{"id": str(g.pk), "role": g.role} for g in user.role_grants.all()]
        response = post(user, [*existing, {"role": Role.REGISTER_OFFICER}], [])
        assert response.status_code == 200, response.status_code
        assert not _fresh(user).has_role(Role.REGISTER_OFFICER)
    # Turning an existing role into the officer role: refused too.
    post(target, [{"id": str(coordinator_grant.pk), "role": Role.REGISTER_OFFICER}], [])
    assert _fresh(target).roles == {Role.COORDINATOR}
    # An officer's role cannot be deleted from the admin either.
    officer_grant = RoleGrant.objects.get(user=officer)
    post(officer, [], [{"id": str(officer_grant.pk), "DELETE": "on"}])
    assert _fresh(officer).has_role(Role.REGISTER_OFFICER)
    # The admin form still works for the other roles.
    response = post(target, [{"id": str(coordinator_grant.pk), "role": Role.COORDINATOR}, {"role": Role.OPERATOR}], [])
    assert response.status_code == 302
    assert _fresh(target).roles == {Role.COORDINATOR, Role.OPERATOR}
    # Turning an existing row into another role is a new grant, by this administrator (the
    # walkthrough changed a coordinator into an administrator with « attribué par » left empty).
    assert coordinator_grant.granted_by is None
    operator_grant = RoleGrant.objects.get(user=target, role=Role.OPERATOR)
    rows = [
        {"id": str(coordinator_grant.pk), "role": Role.ADMIN},
        {"id": str(operator_grant.pk), "role": Role.OPERATOR},
    ]
    assert post(target, rows, []).status_code == 302
    assert RoleGrant.objects.get(pk=coordinator_grant.pk).granted_by == admin


def _admin_made_by(granter: User) -> User:
    """An administrator whose role `granter` gave (as the admin's role inline records it)."""
    user = _admin()
    RoleGrant.objects.filter(user=user, role=Role.ADMIN).update(granted_by=granter)
    return user


def test_accounts_an_admin_made_cannot_designate_that_admin():
    """The walkthrough's attack: an administrator makes two accounts administrators, one proposes
    him, the other approves. Refused, directly or down a chain of grants."""
    admin = _admin()
    first, second = _admin_made_by(admin), _admin_made_by(admin)
    with pytest.raises(DesignationError, match="par la personne concernée"):
        _propose(admin, by=first)
    third, fourth = _admin_made_by(first), _admin_made_by(first)  # made by an account admin made
    with pytest.raises(DesignationError, match="par la personne concernée"):
        _propose(admin, by=third)
    independent, officer = _admin(), staff_user(Role.REGISTER_OFFICER)
    designation = _propose(admin, by=independent)
    with pytest.raises(DesignationError, match="par la personne concernée"):
        designation_approve(designation=designation, by=fourth)
    assert not _fresh(admin).has_role(Role.REGISTER_OFFICER)
    # A proposer whose power does not come from him, and an officer, may.
    designation_approve(designation=designation, by=officer)
    assert _fresh(admin).has_role(Role.REGISTER_OFFICER)
    # A removal may be proposed by anyone who designates, and is approved by an officer.
    revocation = _propose(admin, by=second, kind=DesignationKind.REVOKE)
    with pytest.raises(DesignationError, match="agent·e habilité·e au registre"):
        designation_approve(designation=revocation, by=third)
    designation_approve(designation=revocation, by=staff_user(Role.REGISTER_OFFICER))
    assert not _fresh(admin).has_role(Role.REGISTER_OFFICER)


def test_the_admin_cannot_take_over_a_register_account(client, town):
    """No password or e-mail change for a register officer, no second-factor device created or
    shown, no deletion of an account whose grants make the chain."""
    admin = _admin()
    officer = staff_user(Role.REGISTER_OFFICER)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    login_staff(client, admin)

    refused = client.get(reverse("admin:auth_user_password_change", args=[officer.pk]))
    assert refused.status_code == 403 and "Action non autorisée" in refused.content.decode()
    assert (
        client.post(
            reverse("admin:auth_user_password_change", args=[officer.pk]),
            {"password1": "Un-nouveau-mot-de-passe-42", "password2": "Un-nouveau-mot-de-passe-42"},
        ).status_code
        == 403
    )
    assert _fresh(officer).check_password("Un-nouveau-mot-de-passe-42") is False
    assert client.get(reverse("admin:auth_user_password_change", args=[coordinator.pk])).status_code == 200
    page = client.get(reverse("admin:accounts_user_change", args=[officer.pk])).content.decode()
    assert f'name="email" value="{officer.email}"' not in page  # shown, not editable

    assert client.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    device = officer.staticdevice_set.get()
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[device.pk])).content.decode()
    assert "12345678" not in page
    totp = TOTPDevice.objects.create(user=officer, name="Application", confirmed=True)
    secret = b32encode(totp.bin_key).decode().rstrip("=")
    for view in ("config", "qrcode", "change"):  # django-otp's pages with the device's key are gone
        response = client.get(f"/admin/otp_totp/totpdevice/{totp.pk}/{view}/", follow=True)
        page = response.content.decode()
        assert totp.key not in page and secret not in page and "otpauth" not in page

    made = _admin_made_by(admin)
    assert client.get(reverse("admin:accounts_user_delete", args=[admin.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_user_delete", args=[made.pk])).status_code == 200


def test_a_grant_is_approved_by_a_register_officer_not_by_a_second_administrator():
    """The walkthrough's second attack: an admin proposes an account he made (he knows its
    password) and another account he made approves. Administrators are not two people."""
    admin = _admin()
    puppet, accomplice = UserFactory(roles=[Role.COORDINATOR]), _admin()
    designation = _propose(puppet, by=admin)
    with pytest.raises(DesignationError, match="agent·e habilité·e au registre"):
        designation_approve(designation=designation, by=accomplice)
    assert not _fresh(puppet).has_role(Role.REGISTER_OFFICER)
    designation_approve(designation=designation, by=staff_user(Role.REGISTER_OFFICER))
    assert _fresh(puppet).has_role(Role.REGISTER_OFFICER)
    # Nor can administrators remove the town's officers between themselves (in a heat wave).
    officer = staff_user(Role.REGISTER_OFFICER)
    removal = _propose(officer, by=admin, kind=DesignationKind.REVOKE)
    with pytest.raises(DesignationError, match="agent·e habilité·e au registre"):
        designation_approve(designation=removal, by=accomplice)
    assert _fresh(officer).has_role(Role.REGISTER_OFFICER)


def test_an_account_waiting_for_a_designation_is_not_the_admins_to_change_and_changes_are_shown(client, town):
    """Third walkthrough: the admin proposed an account, changed its password and second factor
    while the proposal waited, and the officer approved an account he controlled."""
    admin, officer = _admin(), staff_user(Role.REGISTER_OFFICER)
    agent, other = staff_user(Role.COORDINATOR), staff_user(Role.COORDINATOR)
    login_staff(client, admin)
    # Before any proposal the admin may still change a coordinator's password: it is journaled.
    new = {"password1": "Un-nouveau-mot-de-passe-42", "password2": "Un-nouveau-mot-de-passe-42"}
    assert client.post(reverse("admin:auth_user_password_change", args=[agent.pk]), new).status_code == 302
    device = agent.staticdevice_set.get()
    client.post(reverse("admin:otp_static_staticdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not agent.staticdevice_set.exists()
    changes = AuditEntry.objects.filter(object_type="accounts.User", object_id=str(agent.pk))
    assert sorted(f for r in changes for f in r.fields) == ["password", "second_factor"]
    assert all(r.actor == admin for r in changes)

    designation = _propose(agent, by=admin)
    _propose(other, by=admin)
    # While it waits: no password, e-mail or activity change, no deletion.
    assert client.get(reverse("admin:auth_user_password_change", args=[agent.pk])).status_code == 403
    page = client.get(reverse("admin:accounts_user_change", args=[agent.pk])).content.decode()
    assert 'name="email"' not in page and 'name="is_active"' not in page
    assert client.get(reverse("admin:accounts_user_delete", args=[agent.pk])).status_code == 403
    page = client.get(reverse("admin:accounts_user_change", args=[agent.pk])).content.decode()
    assert 'name="first_name"' not in page  # the officer matches the names with the mayor's act
    # An account the admin creates with a password of his choosing is journaled the same way.
    management = {
        f"{prefix}-{name}": value
        for prefix in ("role_grants", "role_grants-2")
        for name, value in (
            ("TOTAL_FORMS", "0"),
            ("INITIAL_FORMS", "0"),
            ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"),
        )
    }
    password = "Mot-de-passe-choisi-42"
    created = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "jeanne.martin@example.org",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            **management,
            "role_grants-TOTAL_FORMS": "1",
            "role_grants-0-role": Role.OPERATOR,
        },
    )
    assert created.status_code == 302, created.context["adminform"].form.errors
    jeanne = User.objects.get(email="jeanne.martin@example.org")
    _propose(jeanne, by=admin)
    # The officer who approves is told what the admin did to those accounts, and only those.
    login_staff(client, officer)
    page = client.get(reverse("register:designations")).content.decode()
    assert page.count("a été changé par un·e administrateur·rice") == 2
    assert page.count("Compte créé le") == 1  # `other`, new, untouched by an admin
    # Nor can the admin date an account back to hide that it is new (sixth walkthrough).
    login_staff(client, admin)
    page = client.get(reverse("admin:accounts_user_change", args=[other.pk])).content.decode()
    assert 'name="date_joined_0"' not in page and 'name="last_login_0"' not in page
    login_staff(client, officer)
    designation_approve(designation=designation, by=officer)
    assert _fresh(agent).has_role(Role.REGISTER_OFFICER)


def test_an_e_mail_changed_by_an_admin_and_a_recent_account_are_flagged_to_the_officer(client, town):
    """Fourth walkthrough: an account made through the partner pages, claimed, then given another
    e-mail in the admin, was approved with no warning."""
    import datetime

    from django.utils import timezone

    admin, officer = _admin(), staff_user(Role.REGISTER_OFFICER)
    old, moved = staff_user(Role.OPERATOR), staff_user(Role.OPERATOR)
    User.objects.filter(pk__in=[old.pk, moved.pk]).update(date_joined=timezone.now() - datetime.timedelta(days=400))
    login_staff(client, admin)
    data = {
        "email": "claire.martin@example.org",
        "first_name": "Claire",
        "last_name": "Martin",
        "is_active": "on",
        "date_joined_0": "01/01/2025",
        "date_joined_1": "10:00:00",
        "role_grants-TOTAL_FORMS": "1",
        "role_grants-INITIAL_FORMS": "1",
        "role_grants-0-id": str(moved.role_grants.get().pk),
        "role_grants-0-role": Role.OPERATOR,
        "role_grants-0-user": str(moved.pk),
        "role_grants-2-TOTAL_FORMS": "0",
        "role_grants-2-INITIAL_FORMS": "0",
    }
    assert client.post(reverse("admin:accounts_user_change", args=[moved.pk]), data).status_code == 302
    assert AuditEntry.objects.get(object_type="accounts.User", object_id=str(moved.pk)).fields == ["email"]
    _propose(old, by=admin)
    _propose(_fresh(moved), by=admin)
    login_staff(client, officer)
    page = client.get(reverse("register:designations")).content.decode()
    assert page.count("a été changé par un·e administrateur·rice") == 1 and "Compte créé le" not in page


def test_the_first_officer_is_designated_once_from_the_server():
    from django.core.management import CommandError, call_command

    agent = UserFactory(roles=[Role.COORDINATOR], email="ines@example.org")
    args = ["--designated-by", "Mme Dubois, maire", "--decision", "arrêté n° 2026-001", "--decision-date"]
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("designate_first_register_officer", "--email", agent.email, *args, "04/05/2026")
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("designate_first_register_officer", "--email", "x@example.org", *args, "2026-05-04")
    call_command("designate_first_register_officer", "--email", "INES@example.org", *args, "2026-05-04")
    assert _fresh(agent).has_role(Role.REGISTER_OFFICER)
    designation = RoleDesignation.objects.get(user=agent)
    assert designation.status == DesignationStatus.APPROVED and designation.decision_reference == "arrêté n° 2026-001"
    rows = AuditEntry.objects.filter(object_type="register.RoleDesignation")
    assert [r.action for r in rows] == [AuditAction.CREATE] and "depuis le serveur" in rows[0].detail
    other = UserFactory(roles=[Role.COORDINATOR])
    with pytest.raises(CommandError, match="déjà"):
        call_command("designate_first_register_officer", "--email", other.email, *args, "2026-05-04")
    assert not _fresh(other).has_role(Role.REGISTER_OFFICER)
