import django_filters

from villesolidaire.notifications.kinds import kind_label
from villesolidaire.notifications.models import Channel, Message, MessageStatus


class MessageFilter(django_filters.FilterSet):
    """Filters of the message log. Unknown values are reported, never a 500."""

    status = django_filters.ChoiceFilter(label="Statut", choices=MessageStatus.choices, empty_label="Tous")
    channel = django_filters.ChoiceFilter(label="Canal", choices=Channel.choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Type de message", choices=[], empty_label="Tous")

    class Meta:
        model = Message
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds that exist, read once per request (the form is built lazily, after this).
        self.filters["kind"].extra["choices"] = sorted(
            ((kind, kind_label(kind)) for kind in known_kinds()), key=lambda choice: choice[1]
        )


def known_kinds() -> list[str]:
    return list(Message.objects.order_by("kind").values_list("kind", flat=True).distinct())
