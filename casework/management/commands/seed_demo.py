from django.core.management.base import BaseCommand

from casework.demo import CONCERNS, demo_seed
from casework.management.progress import progress_bar


class Command(BaseCommand):
    help = "Create the demo street, communities, units, users and cases (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="casework-demo", help="Password for every demo user.")
        parser.add_argument("--no-cases", action="store_true", help="Only organisation and users.")

    def handle(self, *args, password, no_cases, **options):
        total = 2 * len(CONCERNS)  # demo_seed files each concern twice
        with progress_bar(self.stdout._out, description="seed_demo") as update:
            demo_seed(password=password, cases=not no_cases, progress=lambda n: update(n, total))
        self.stdout.write(self.style.SUCCESS("Demo data ready. Users: gridworker, dispatcher, "
                                             "unitmember, the six party representatives, "
                                             "supervisor, outsider, admin."))
