"""The default SLA policies (docs/sla.md#policies), after Beijing 12345 practice; editable in admin
afterwards."""

from django.db import migrations

DEFAULTS = [
    # kind, urgency, difficulty, amount, unit
    ("respond", "", "", 1, "working_days"),
    ("respond", "urgent", "", 2, "hours"),
    ("resolve", "", "", 7, "days"),
    ("resolve", "urgent", "", 24, "hours"),
    ("resolve", "", "hard", 15, "days"),
    ("consult", "", "", 7, "working_days"),
    ("vote", "", "", 48, "hours"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("casework", "SlaPolicy")
    for kind, urgency, difficulty, amount, unit in DEFAULTS:
        SlaPolicy.objects.get_or_create(
            kind=kind,
            category=None,
            urgency=urgency,
            difficulty=difficulty,
            defaults={"amount": amount, "unit": unit},
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_sla")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
