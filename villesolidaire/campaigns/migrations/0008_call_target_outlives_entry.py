"""A call target outlives its register entry (issue 10): purging a removed entry empties the
link instead of deleting the campaign's calls, whose anonymous counts the reports show. The
calls of entries removed before this release are anonymised here as a removal now does
(services/erasure.py): what callers typed emptied, the help-request link cut, flags cleared,
the person out of the queue of campaigns still running."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def anonymise_removed_entries(apps, schema_editor):
    alias = schema_editor.connection.alias
    CallTarget = apps.get_model("campaigns", "CallTarget")
    CallAttempt = apps.get_model("campaigns", "CallAttempt")
    EscalationStep = apps.get_model("campaigns", "EscalationStep")
    CallTargetTransition = apps.get_model("campaigns", "CallTargetTransition")
    targets = CallTarget.objects.using(alias).filter(entry__status="removed")
    CallAttempt.objects.using(alias).filter(target__in=targets).update(
        notes="", answers={}, advice=[], actions=[], help_request=None
    )
    now = timezone.now()
    EscalationStep.objects.using(alias).filter(target__in=targets, done_at__isnull=True).update(done_at=now)
    EscalationStep.objects.using(alias).filter(target__in=targets).update(result_notes="")
    still_called = targets.exclude(status="closed").exclude(campaign__status="closed")
    CallTargetTransition.objects.using(alias).bulk_create(
        CallTargetTransition(target_id=pk, from_status=status, to_status="closed", at=now, note="Radiation du registre")
        for pk, status in still_called.values_list("pk", "status")
    )
    still_called.update(status="closed", next_call_at=None, locked_by=None, locked_at=None, locked_until=None)
    targets.update(birth_year=None, is_isolated=False, callback_requested=False)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_default_questionnaire"),
        ("register", "0005_role_designations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="calltarget",
            name="entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="call_targets",
                to="register.registerentry",
            ),
        ),
        migrations.RunPython(anonymise_removed_entries, migrations.RunPython.noop, elidable=True),
    ]
