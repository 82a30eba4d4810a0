"""The default heatwave questionnaire (questions written from the 2023–2024 heatwave instructions:
indoor temperature, drinking, medicines, isolation, needs)."""

from django.db import migrations

NAME = "Canicule — questionnaire par défaut"
QUESTIONS = [
    ("temperature", "Quelle température fait-il dans votre logement ?", "choice",
     "Frais (moins de 26 °C)\nChaud (26 à 30 °C)\nTrès chaud (plus de 30 °C)\nNe sait pas",
     "Demandez si la personne a un thermomètre ; sinon, comment elle se sent chez elle."),
    ("drinks_enough", "Buvez-vous suffisamment (au moins 1,5 litre par jour) ?", "yes_no", "", ""),
    ("medicines", "Avez-vous vos médicaments et suivez-vous votre traitement ?", "yes_no", "",
     "Ne notez pas le nom des médicaments ni la maladie."),
    ("isolation", "Quelqu'un passe-t-il vous voir ou vous appelle-t-il chaque jour ?", "yes_no", "", ""),
    ("visits_per_week", "Combien de visites avez-vous eues cette semaine ?", "number", "", ""),
    ("needs", "Avez-vous besoin de quelque chose (courses, médicaments, ventilateur, visite) ?", "text", "",
     "Si oui, proposez de créer une demande d'aide avec l'accord de la personne."),
]


def create(apps, schema_editor):
    Questionnaire = apps.get_model("campaigns", "Questionnaire")
    Question = apps.get_model("campaigns", "Question")
    questionnaire, created = Questionnaire.objects.get_or_create(name=NAME, defaults={"is_default": True})
    if not created:
        return
    for order, (code, label, kind, choices, help_text) in enumerate(QUESTIONS, start=1):
        Question.objects.create(questionnaire=questionnaire, order=order, code=code, label=label, kind=kind,
                                choices_text=choices, help_text=help_text)


def remove(apps, schema_editor):
    apps.get_model("campaigns", "Questionnaire").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    replaces = [("campaigns", "0003_default_questionnaire")]

    dependencies = [("campaigns", "0006_consolidated_relations")]
    operations = [migrations.RunPython(create, remove)]
