from django.db import models

from villesolidaire.core.workflow import Workflow


class Status(models.TextChoices):
    NEW = "new", "Nouvelle"
    QUALIFIED = "qualified", "Qualifiée"
    SEARCHING = "searching", "Recherche de volontaire"
    SUPPORTED = "supported", "Soutien en place"
    CLOSED = "closed", "Clôturée"


class ClosureReason(models.TextChoices):
    DONE = "done", "Réalisée"
    CANCELLED = "cancelled", "Annulée"
    NO_FOLLOW_UP = "no_follow_up", "Sans suite"
    REFERRED = "referred", "Orientée vers un partenaire"


class Urgency(models.TextChoices):
    NORMAL = "normal", "Normale (dans la semaine)"
    HIGH = "high", "Urgente (sous 48 h)"
    CRITICAL = "critical", "Très urgente (aujourd'hui)"


class Channel(models.TextChoices):
    HOTLINE = "hotline", "Numéro unique (appel)"
    WEB = "web", "Formulaire en ligne"
    PARTNER = "partner", "Partenaire"
    THIRD_PARTY = "third_party", "Signalement par un tiers"
    OUTREACH = "outreach", "Appel sortant (veille)"
    NEIGHBOURS = "neighbours", "Réseau de voisinage"


class Recurrence(models.TextChoices):
    ONCE = "once", "Une seule fois"
    WEEKLY = "weekly", "Chaque semaine"
    FORTNIGHTLY = "fortnightly", "Toutes les deux semaines"
    MONTHLY = "monthly", "Chaque mois"


class TimeWindow(models.TextChoices):
    ANY = "any", "Indifférent"
    MORNING = "am", "Matin (8 h – 12 h)"
    AFTERNOON = "pm", "Après-midi (12 h – 18 h)"
    EVENING = "eve", "Soirée (18 h – 21 h)"


class Consent(models.TextChoices):
    YES = "yes", "Oui, la personne est d'accord"
    NO = "no", "Non"
    UNKNOWN = "unknown", "Je ne sais pas"


WORKFLOW = Workflow(
    name="help_request",
    states=Status,
    transitions={
        Status.NEW: {Status.QUALIFIED, Status.CLOSED},
        Status.QUALIFIED: {Status.SEARCHING, Status.CLOSED},
        Status.SEARCHING: {Status.SUPPORTED, Status.QUALIFIED, Status.CLOSED},
        Status.SUPPORTED: {Status.SEARCHING, Status.CLOSED},
        Status.CLOSED: set(),
    },
    log="help_requests.HelpRequestTransition",
)
