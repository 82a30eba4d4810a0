"""Evaluation as the « Ville Solidaire » method asks: quotes, the periodic questionnaire, and the
synthesis the bilan prints. Placed between `matching` and `missions` in the layers: it reads
missions, volunteers and residents and sends through notifications; reporting reads it.
See models.py for the whole reasoning."""
