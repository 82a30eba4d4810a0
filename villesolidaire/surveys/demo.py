"""The demo town's evaluation step: usefulness and « lien gardé » on the evaluations the demo wrote,
consent to be quoted for some comments, and two quotes the CCAS has already rewritten and chosen,
so that a newcomer sees the synthesis and the quotes page filled in."""

import random

from django.utils import timezone

from villesolidaire.missions.models import Evaluation
from villesolidaire.surveys.models import Quote
from villesolidaire.surveys.services import SIGNATURES, quote_offer_evaluations


def seed_evaluation_demo(rng: random.Random, *, coordinator) -> dict[str, int]:
    evaluations = list(Evaluation.objects.order_by("pk"))
    for evaluation in evaluations:
        evaluation.usefulness = rng.choices([3, 4, 5], [1, 3, 5])[0]
        evaluation.kept_link = rng.random() < 0.45
        evaluation.quote_consent = bool(evaluation.comment) and rng.random() < 0.6
    Evaluation.objects.bulk_update(evaluations, ["usefulness", "kept_link", "quote_consent"], batch_size=500)
    quote_offer_evaluations(evaluations)
    chosen = list(Quote.objects.order_by("-given_at", "pk")[:2])
    for quote in chosen:
        quote.text = quote.evaluation.comment
        quote.signature = SIGNATURES[quote.side][0]
        quote.selected = True
        quote.edited_by, quote.edited_at = coordinator, timezone.now()
        quote.save()
    return {"citations à relire": Quote.objects.filter(selected=False).count(), "citations retenues": len(chosen)}
