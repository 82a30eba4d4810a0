"""Fixed lists defined in code and stored as bit masks (see core.bitmask)."""

from villesolidaire.core.bitmask import Flag, FlagSet

LANGUAGES = FlagSet(
    [
        Flag("fr", "Français", 0),
        Flag("en", "Anglais", 1),
        Flag("es", "Espagnol", 2),
        Flag("pt", "Portugais", 3),
        Flag("it", "Italien", 4),
        Flag("de", "Allemand", 5),
        Flag("ar", "Arabe", 6),
        Flag("ber", "Berbère / tamazight", 7),
        Flag("tr", "Turc", 8),
        Flag("ru", "Russe", 9),
        Flag("uk", "Ukrainien", 10),
        Flag("ro", "Roumain", 11),
        Flag("pl", "Polonais", 12),
        Flag("zh", "Chinois", 13),
        Flag("vi", "Vietnamien", 14),
        Flag("wo", "Wolof", 15),
        Flag("ff", "Peul", 16),
        Flag("ln", "Lingala", 17),
        Flag("fa", "Persan / dari", 18),
        Flag("ps", "Pachto", 19),
        Flag("ta", "Tamoul", 20),
        Flag("lsf", "Langue des signes française", 21),
    ]
)

DAYS = [
    ("mon", "lundi"),
    ("tue", "mardi"),
    ("wed", "mercredi"),
    ("thu", "jeudi"),
    ("fri", "vendredi"),
    ("sat", "samedi"),
    ("sun", "dimanche"),
]
PERIODS = [("am", "matin", 8, 12), ("pm", "après-midi", 12, 18), ("eve", "soirée", 18, 21)]

# 21 weekly slots: bit = day_index * 3 + period_index.
AVAILABILITY = FlagSet(
    [
        Flag(f"{day}_{period}", f"{day_label} {period_label}", day_index * 3 + period_index)
        for day_index, (day, day_label) in enumerate(DAYS)
        for period_index, (period, period_label, _start, _end) in enumerate(PERIODS)
    ]
)

MOBILITY = FlagSet(
    [
        Flag("foot", "À pied", 0),
        Flag("bike", "À vélo", 1),
        Flag("car", "En voiture", 2),
        Flag("transit", "En transports en commun", 3),
    ]
)

ENGAGEMENT_DOMAINS = FlagSet(
    [
        Flag("solidarity", "Solidarité", 0),
        Flag("eco", "Éco-citoyenneté", 1),
        Flag("events", "Événements", 2),
        Flag("democracy", "Démocratie et citoyenneté", 3),
    ]
)

REQUEST_CONSTRAINTS = FlagSet(
    [
        Flag("contactless", "Livraison sans contact (personne positive ou cas contact)", 0),
        Flag("stairs", "Étages sans ascenseur", 1),
        Flag("pets", "Animaux au domicile", 2),
        Flag("reduced_mobility", "Mobilité réduite", 3),
        Flag("hearing", "Difficultés d'audition", 4),
        Flag("sight", "Difficultés de vision", 5),
    ]
)


def availability_mask_for(days: list[int] | None, periods: list[str] | None) -> int:
    """Slots mask for given weekday indexes (0 = Monday) and period codes; None means any."""
    day_indexes = range(7) if not days else days
    period_indexes = [i for i, p in enumerate(PERIODS) if not periods or p[0] in periods]
    mask = 0
    for day in day_indexes:
        for period in period_indexes:
            mask |= 1 << (day * 3 + period)
    return mask
