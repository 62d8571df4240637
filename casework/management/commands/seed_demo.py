from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.demo import CONCERNS, demo_seed
from casework.management.progress import progress_bar


class Command(BaseCommand):
    help = "Create the demo street, communities, units, users and cases (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="casework-demo", help="Password for every demo user.")
        parser.add_argument("--no-cases", action="store_true", help="Only organisation and users.")

    def handle(self, *args, password, no_cases, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                _("seed_demo refuses to run under production settings: its users share one "
                  "known password. Create real users with createsuperuser and the admin.")
            )
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        total = 2 * len(CONCERNS)  # demo_seed files each concern twice
        with progress_bar(self.stdout._out, description="seed_demo") as update:
            demo_seed(password=password, cases=not no_cases, progress=lambda n: update(n, total))
        self.stdout.write(self.style.SUCCESS("Demo data ready. Users: gridworker, dispatcher, "
                                             "unitmember, the six party representatives, "
                                             "supervisor, outsider, admin."))
