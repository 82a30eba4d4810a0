"""Two bare views measured beside the public sign-up in the same gunicorn (bench/signup.py).

Served only when the bench sets `VS_BENCH_VIEWS=true` (config/urls.py): production never routes
here. Both take the sign-up's own form body (same CSRF check, same middleware, same server) and
answer a 302 like it, so one wrk script drives all three:

- `bare_insert`: a small form (two fields) and one INSERT: what any form view costs;
- `bare_same_rows`: without the application's forms and services, the rows one sign-up writes
  (user, role, volunteer, skill and category links, status log, matching row, welcome message,
  its task) in one transaction, one bulk INSERT per table: the floor the sign-up is compared to.
"""

from functools import lru_cache

from django import forms
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.core.text import fold
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Channel, Message
from villesolidaire.notifications.tasks import send_message
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import RecruitmentCall, Skill, Volunteer, VolunteerStatusChange

THANKS = "/devenir-volontaire/merci/"


class BareForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    email = forms.EmailField(max_length=254)


@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    User(email=form.cleaned_data["email"].lower(), first_name=form.cleaned_data["first_name"], password="!").save()
    return redirect(THANKS)


@lru_cache(maxsize=1)
def _reference() -> tuple[int | None, dict[int, int], dict[int, int]]:
    """The open call, and the bit of each skill and category: read once per process."""
    call = RecruitmentCall.objects.open_now().values_list("pk", flat=True).first()
    skills = dict(Skill.objects.values_list("pk", "bit"))
    categories = dict(HelpCategory.objects.values_list("pk", "bit"))
    return call, skills, categories


def _ids(request: HttpRequest, name: str, known: dict[int, int]) -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit() and int(value) in known]


def _mask(ids: list[int], bits: dict[int, int]) -> int:
    mask = 0
    for pk in ids:
        mask |= 1 << bits[pk]
    return mask


@require_POST
def bare_same_rows(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    call, skill_bits, category_bits = _reference()
    skills, categories = _ids(request, "skills", skill_bits), _ids(request, "categories", category_bits)
    email, first_name = form.cleaned_data["email"].lower(), form.cleaned_data["first_name"]
    last_name, now = request.POST.get("last_name", "")[:80], timezone.now()
    with transaction.atomic():
        [user] = User.objects.bulk_create(
            [User(email=email, first_name=first_name, last_name=last_name, password=make_password(None))]
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=Role.VOLUNTEER)])
        [volunteer] = Volunteer.objects.bulk_create(
            [
                Volunteer(
                    user=user,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    address=request.POST.get("address", "")[:250],
                    postcode=request.POST.get("postcode", "")[:5],
                    city=request.POST.get("city", "")[:120],
                    recruitment_call_id=call,
                    categories_mask=_mask(categories, category_bits),
                    created_at=now,
                    gdpr_notice_accepted_at=now,
                    charter_accepted_at=now,
                    search_name=fold(f"{last_name} {first_name}"),  # what Volunteer.save writes
                )
            ]
        )
        Volunteer.skills.through.objects.bulk_create(
            [Volunteer.skills.through(volunteer_id=volunteer.pk, skill_id=pk) for pk in skills]
        )
        Volunteer.categories.through.objects.bulk_create(
            [Volunteer.categories.through(volunteer_id=volunteer.pk, helpcategory_id=pk) for pk in categories]
        )
        VolunteerStatusChange.objects.bulk_create(
            [
                VolunteerStatusChange(
                    volunteer=volunteer,
                    from_status="",
                    to_status=Status.REGISTERED,
                    by=user,
                    at=now,
                    note="Inscription en ligne",
                )
            ]
        )
        VolunteerMatchProfile.objects.bulk_create(
            [
                VolunteerMatchProfile(
                    volunteer_id=volunteer.pk,
                    categories_mask=volunteer.categories_mask,
                    skills_mask=_mask(skills, skill_bits),
                    languages_mask=volunteer.languages,
                )
            ]
        )
        [message] = Message.objects.bulk_create(
            [
                Message(
                    channel=Channel.EMAIL,
                    recipient=email,
                    subject="Votre inscription comme volontaire",
                    body=f"Bonjour {first_name},\n\nMerci pour votre inscription.\n",
                    kind="volunteer_signup",
                )
            ]
        )
        # The database backend writes the task row in this same transaction.
        send_message.enqueue(message.pk)
    return redirect(THANKS)


urlpatterns = [
    path("insertion-simple/", bare_insert, name="bench_bare_insert"),
    path("memes-lignes/", bare_same_rows, name="bench_bare_same_rows"),
]
