from django.db import migrations, models


def ratings_by_source(apps, schema_editor):
    """Ratings given before the split: a rate event without a staff actor came through the
    resident's follow link; one with a staff actor was recorded for the resident."""
    Case = apps.get_model("casework", "Case")
    CaseEvent = apps.get_model("casework", "CaseEvent")
    for case in Case.objects.exclude(satisfaction="").only("pk").iterator():
        last = CaseEvent.objects.filter(case=case, transition="rate").order_by("-seq").first()
        source = "callback" if last is not None and last.actor_id is not None else "resident"
        Case.objects.filter(pk=case.pk).update(rating_source=source)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0011_case_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='public_consent',
            field=models.BooleanField(default=False, verbose_name='resident agreed to publication'),
        ),
        migrations.AddField(
            model_name='case',
            name='rating_source',
            field=models.CharField(blank=True, choices=[('resident', 'The resident'), ('callback', 'Callback')], max_length=10, verbose_name='rating source'),
        ),
        migrations.RunPython(ratings_by_source, migrations.RunPython.noop),
    ]
