"""Reference lists from the seeds (Rennes, "Volontaires Solidaires", 2020–21): help categories,
skills, and which skills help for which category. Towns edit them in the admin afterwards."""

from django.db import migrations

SKILLS = [
    (0, "Permis B et véhicule"),
    (1, "Aide aux démarches administratives"),
    (2, "Informatique et numérique"),
    (3, "Soutien scolaire"),
    (4, "Écoute et convivialité"),
    (5, "Français langue étrangère (enseignement)"),
    (6, "Lecture à voix haute"),
    (7, "Traduction / interprétariat"),
    (8, "Bricolage"),
    (9, "Accompagnement de personnes âgées"),
]

CATEGORIES = [
    # (bit, slug, name, involves_money, order, skill bits)
    (0, "courses", "Courses, médicaments, livres", True, 10, [0]),
    (1, "demarches", "Démarches administratives", False, 20, [1, 7]),
    (2, "convivialite", "Appel de convivialité", False, 30, [4, 9]),
    (3, "promenade", "Promenade", False, 40, [4, 9]),
    (4, "francais", "Cours de français", False, 50, [5]),
    (5, "accompagnement-rdv", "Accompagnement à un rendez-vous", False, 60, [0, 9]),
    (6, "soutien-scolaire", "Soutien scolaire", False, 70, [3]),
    (7, "aide-informatique", "Aide informatique", False, 80, [2]),
    (8, "lecture", "Lecture (personne malvoyante)", False, 90, [6]),
    (9, "autre", "Autre", False, 200, []),
]


def create(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    HelpCategory = apps.get_model("help_requests", "HelpCategory")
    skills = {bit: Skill.objects.get_or_create(bit=bit, defaults={"name": name})[0] for bit, name in SKILLS}
    for bit, slug, name, money, order, skill_bits in CATEGORIES:
        category, _ = HelpCategory.objects.get_or_create(
            slug=slug, defaults={"bit": bit, "name": name, "involves_money": money, "order": order}
        )
        category.skills.set([skills[b] for b in skill_bits])


class Migration(migrations.Migration):
    replaces = [("help_requests", "0003_reference_data")]

    dependencies = [
        ("help_requests", "0007_consolidated_relations"),
        ("volunteers", "0005_consolidated"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
