"""Whatever mobile the sign-up accepts, the sign-in by mobile accepts and finds: the demo town's
ARCEP fiction numbers (06 39 98 …, which libphonenumber calls invalid) included."""

import pytest
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from tests.factories import VolunteerFactory
from tests.volunteers.conftest import signup_data
from tests.volunteers.test_space import EDIT_URL, edit_data
from villesolidaire.core.validation import is_accepted_number, is_mobile
from villesolidaire.notifications.models import Channel, Message
from villesolidaire.volunteers.forms import MagicLinkRequestForm, SignupForm
from villesolidaire.volunteers.models import Volunteer

# How people type the numbers the sign-up accepts: a common mobile, a 07, a demo fiction mobile,
# spaced, dotted, international, with 0033.
TYPED = [
    ("06 98 76 54 32", "+33698765432"),
    ("07.81.22.33.44", "+33781223344"),
    ("06 39 98 00 12", "+33639980012"),
    ("+33 6 39 98 51 23", "+33639985123"),
    ("0033639984567", "+33639984567"),
]


@pytest.mark.parametrize(("typed", "e164"), TYPED)
def test_each_mobile_the_sign_up_accepts_signs_in(client, open_call, typed, e164):
    form = SignupForm(signup_data(email="", phone=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"].as_e164 == e164
    login = MagicLinkRequestForm({"contact": typed})
    assert login.is_valid(), login.errors
    assert login.phone == e164
    VolunteerFactory(phone=e164, active=True)
    client.post(reverse("volunteers:magic_link_request"), {"contact": typed})
    message = Message.objects.get(kind="volunteer_magic_link")
    assert (message.channel, message.recipient) == (Channel.SMS, e164)


@pytest.mark.parametrize("typed", ["06 39 97 00 12", "123", "06 39 98 00 1", "06 39 98 00 123"])
def test_what_neither_accepts_gets_the_same_french_message(typed):
    signup = SignupForm(signup_data(email="", phone=typed))
    login = MagicLinkRequestForm({"contact": typed})
    assert not signup.is_valid() and not login.is_valid()
    assert "Numéro de téléphone invalide" in login.errors["contact"][0]
    assert "Numéro de téléphone invalide" in signup.errors["phone"][0]


def test_a_demo_volunteer_keeps_their_fiction_mobile_when_saving_the_profile(client, groceries):
    volunteer = VolunteerFactory(
        active=True, phone="+33639980042", email="demo@example.org", user__email="demo@example.org"
    )
    client.force_login(volunteer.user)
    response = client.post(EDIT_URL, edit_data(email="demo@example.org", phone="06 39 98 00 42"))
    assert response.status_code == 302, response.content.decode()[:2000]
    volunteer.refresh_from_db()
    assert volunteer.phone.as_e164 == "+33639980042"
    assert Volunteer.objects.with_contact(phone="+33639980042").get() == volunteer


def test_fiction_mobiles_count_as_mobiles_and_nothing_else_does():
    assert is_mobile(PhoneNumber.from_string("+33639980012"))
    assert not is_mobile(PhoneNumber.from_string("+33199007171"))  # fiction landline
    assert not is_accepted_number(PhoneNumber.from_string("+33639970012"))  # next to the block: still invalid
