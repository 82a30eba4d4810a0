"""French labels of the message kinds, for the staff's message log and failures list.

A message's `kind` is an internal code chosen by the app that sends it (« proposal_offer »). The
pages show this label instead; a kind missing here still reads as words (« Nouveau type »), never
as a code. Add a line here when a new kind of message is sent.
"""

MESSAGE_KIND_LABELS: dict[str, str] = {
    # help_requests, matching, missions
    "request_received": "Demande d'aide reçue (habitant·e)",
    "missed_call": "Appel manqué au numéro unique (à rappeler)",
    "proposal_offer": "Proposition d'aide (volontaire)",
    "proposal_taken": "Proposition déjà acceptée par un·e autre",
    "proposal_expired": "Proposition expirée",
    "support_started": "Mise en relation confirmée",
    "support_handed_over": "Soutien transmis à une association",
    "missions_cancelled": "Missions annulées (soutien terminé ou transmis)",
    "support_evaluation": "Questionnaire de fin de soutien",
    # surveys
    "survey_invitation": "Questionnaire périodique (volontaire)",
    "survey_call": "Questionnaire périodique (appel à l'habitant·e)",
    "mission_planned": "Mission prévue (habitant·e)",
    "mission_done": "Mission réalisée (habitant·e)",
    "mission_missed": "Mission non réalisée (habitant·e)",
    "mission_cancelled": "Mission annulée (habitant·e)",
    "mission_moved": "Mission déplacée (habitant·e)",
    "reschedule_requested": "Demande d'un autre créneau",
    "reschedule_answered": "Réponse à une demande d'autre créneau",
    # needs
    "need_invitation": "Appel à volontaires pour un besoin",
    "need_cancelled": "Besoin annulé",
    "need_notification_decided": "Décision sur l'envoi d'un besoin",
    "shift_signup": "Inscription à un créneau reçue",
    "shift_waiting": "Liste d'attente d'un créneau",
    "shift_confirmed": "Inscription à un créneau confirmée",
    "shift_promoted": "Place obtenue sur un créneau",
    "shift_reminder": "Rappel de créneau",
    # trainings
    "training_invitation": "Invitation à une formation",
    "training_session_registered": "Inscription à une formation",
    "training_session_cancelled": "Session de formation annulée",
    "training_seat_freed": "Place libérée en formation",
    # volunteers
    "volunteer_signup": "Inscription de volontaire",
    "volunteer_signup_attempt": "Nouvelle inscription avec un contact connu",
    "volunteer_validated": "Volontaire validé·e",
    "volunteer_magic_link": "Lien de connexion (volontaire)",
    "volunteer_inactivity_notice": "Avis d'inactivité (volontaire)",
    "volunteer_briefing": "Message aux volontaires (épisode)",
    # campaigns (register)
    "campaign_sms_wave": "SMS « Répondez 1 si tout va bien » (registre)",
    # partners, neighbours
    "partner_proposal": "Proposition d'un partenaire",
    "partner_proposal_known_address": "Proposition d'un partenaire (adresse connue)",
    "partner_proposal_review": "Proposition d'un partenaire à examiner",
    "partner_invitation": "Invitation d'un partenaire",
    "partner_change_decided": "Décision sur une modification demandée par un partenaire",
    "neighbours_referent_named": "Nomination d'un·e référent·e de voisinage",
}


def kind_label(kind: str) -> str:
    """« Proposition d'aide (volontaire) » for « proposal_offer »; an unknown kind as words."""
    if kind in MESSAGE_KIND_LABELS:
        return MESSAGE_KIND_LABELS[kind]
    return kind.replace("_", " ").strip().capitalize() or "—"
