from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.demo import demo_seed
from casework.management.progress import progress_bar

MONTHS_MAX = 24


class Command(BaseCommand):
    help = "Create the demo street, communities, units, users and cases (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="casework-demo", help="Password for every demo user.")
        parser.add_argument("--no-cases", action="store_true", help="Only organisation and users.")
        parser.add_argument(
            "--months", type=int, default=0,
            help="Play this many months of history up to now (./bin/start uses 6); "
                 "0: a few sample cases at every step.",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same history.")

    def handle(self, *args, password, no_cases, months, seed, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                _("seed_demo refuses to run under production settings: its users share one "
                  "known password. Create real users with createsuperuser and the admin.")
            )
        if not 0 <= months <= MONTHS_MAX:
            raise CommandError(_("--months must be between 0 and %(max)s.") % {"max": MONTHS_MAX})
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # Time-machine holds the clock in the past while history plays, so the bar shows no
        # rate or time left.
        with progress_bar(self.stdout._out, description="seed_demo", timed=not months) as update:
            demo_seed(password=password, cases=not no_cases, months=months, seed=seed, progress=update)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Users: gridworker, dispatcher, "
                                             "unitmember, the six party representatives, "
                                             "supervisor, outsider, admin."))
