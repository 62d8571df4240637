# The consultation and the evaluation were built side by side; this joins the two branches.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_consultation"),
        ("casework", "0007_evaluation"),
    ]

    operations = []
