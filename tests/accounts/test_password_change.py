"""Staff replace their own password; one someone else chose (an administrator, the host) is
provisional and opens no staff page, nor the Django admin, until it is replaced."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.factories import QuartierFactory, VolunteerFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditEntry
from villesolidaire.territory.scopes import set_quartier_scope

CHANGE = reverse("accounts:password_change")
CURRENT = "motdepasse-de-test"  # the factories' password
NEW = "Une-phrase-de-passe-solide-42"


def _change(client, old=CURRENT, new=NEW, again=None, next_page=""):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    if next_page:
        data["next"] = next_page
    return client.post(CHANGE, data)


def test_a_staff_member_replaces_their_password_and_stays_signed_in(client, coordinator):
    page = client.get(CHANGE).content.decode()
    assert "Mot de passe actuel" in page and "Nouveau mot de passe, à nouveau" in page
    assert "choisi par quelqu'un d'autre" not in page
    assert 'autocomplete="new-password"' in page and 'autocomplete="current-password"' in page
    # The rules are in the hint the field points to (a sentence: the hint is a <p>).
    hint = page.split('id="id_new_password1_helptext">', 1)[1].split("</p>", 1)[0]
    assert "au minimum 10 caractères" in hint and "<ul" not in hint
    response = _change(client, next_page=reverse("volunteers:list"))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:list")
    coordinator.refresh_from_db()
    assert coordinator.check_password(NEW) and not coordinator.check_password(CURRENT)
    assert client.get(reverse("volunteers:list")).status_code == 200  # the session survived the change
    entry = AuditEntry.objects.get(object_type="accounts.User", object_id=str(coordinator.pk))
    assert entry.actor == coordinator and entry.fields == ["password"]
    assert "changé par son titulaire" in entry.detail


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("pas-le-bon", NEW, None, "Mot de passe actuel incorrect."),
        (CURRENT, NEW, NEW + "x", "Les deux mots de passe ne sont pas identiques."),
        (CURRENT, "court-1", None, "trop court"),
        (CURRENT, "1234567890123", None, "entièrement numérique"),
        (CURRENT, "", None, "Ce champ est obligatoire."),
        # Kept, a password an administrator chose would stay known to them.
        (CURRENT, CURRENT, None, "Choisissez un mot de passe différent"),
    ],
)
def test_a_refused_password_is_told_in_french_and_nothing_changes(client, coordinator, old, new, again, message):
    response = _change(client, old=old, new=new, again=again)
    assert response.status_code == 400
    assert message in response.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.check_password(CURRENT)
    assert not AuditEntry.objects.filter(object_type="accounts.User").exists()


def test_a_provisional_password_opens_only_the_change_page_then_the_page_asked_for(client):
    user = staff_user(Role.COORDINATOR, password_is_provisional=True)
    login_staff(client, user)
    target = reverse("volunteers:list") + "?statut=active"
    response = client.get(target)
    assert response["Location"] == f"{CHANGE}?{urlencode({'next': target})}"
    page = client.get(response["Location"]).content.decode()
    assert "choisi par quelqu'un d'autre" in page
    assert f'href="{reverse("volunteers:list")}"' not in page  # no menu: every staff page would send back here
    # Nor do the menu's counts, fetched by htmx: a fragment answers 404.
    assert client.get(reverse("operations:nav_counts"), headers={"HX-Request": "true"}).status_code == 404
    assert _change(client, next_page=target)["Location"] == target
    user.refresh_from_db()
    assert not user.password_is_provisional
    assert client.get(target).status_code == 200


def test_an_administrator_who_chooses_a_password_makes_it_provisional(client, town):
    admin = staff_user(Role.ADMIN, is_staff=True, is_superuser=True)
    agent = staff_user(Role.COORDINATOR)
    login_staff(client, admin)
    chosen = {"password1": "Un-nouveau-mot-de-passe-42", "password2": "Un-nouveau-mot-de-passe-42"}
    assert client.post(reverse("admin:auth_user_password_change", args=[agent.pk]), chosen).status_code == 302
    assert User.objects.get(pk=agent.pk).password_is_provisional
    # Their own password, changed through the admin, is theirs.
    assert client.post(reverse("admin:auth_user_password_change", args=[admin.pk]), chosen).status_code == 302
    assert not User.objects.get(pk=admin.pk).password_is_provisional


def test_a_provisional_password_does_not_open_the_django_admin(client, town):
    admin = staff_user(Role.ADMIN, is_staff=True, is_superuser=True, password_is_provisional=True)
    other = staff_user(Role.AUDITOR)
    login_staff(client, admin)
    # Every admin page, those the admin wraps when its URLs are built (UserAdmin's password page) too.
    for page in (reverse("admin:index"), reverse("admin:auth_user_password_change", args=[other.pk])):
        assert client.get(page)["Location"] == f"{CHANGE}?{urlencode({'next': page})}"
    chosen = {"password1": "Un-nouveau-mot-de-passe-42", "password2": "Un-nouveau-mot-de-passe-42"}
    client.post(reverse("admin:auth_user_password_change", args=[other.pk]), chosen)
    assert User.objects.get(pk=other.pk).check_password(CURRENT)
    signed_out = client.post(reverse("admin:logout"))  # signing out stays possible
    assert signed_out.status_code == 302 and not signed_out["Location"].startswith(CHANGE)
    assert not client.get(CHANGE).wsgi_request.user.is_authenticated


def test_the_page_is_for_signed_in_staff_with_their_second_factor(client):
    assert client.get(CHANGE)["Location"].startswith(reverse("accounts:login"))
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    assert client.get(CHANGE).status_code == 404
    user = staff_user(Role.OPERATOR)
    client.force_login(user)  # password only: the second factor comes first
    assert client.get(CHANGE)["Location"].startswith(reverse("accounts:otp"))


def test_someone_limited_to_some_quartiers_may_change_their_password(client):
    user = staff_user(Role.OPERATOR, password_is_provisional=True)
    set_quartier_scope(user, [QuartierFactory()], by=None)
    login_staff(client, user)
    assert client.get(CHANGE).status_code == 200
    assert _change(client).status_code == 302
    assert client.get(reverse("help_requests:list")).status_code == 200
