"""Create an Open311 API key and print it; only its hash is kept, so this is the one time
anyone sees it. Revoke keys in the admin (Open311 API keys → "Revoke")."""

from django.core.management.base import BaseCommand, CommandError

from casework.errors import Invalid
from casework.services.resident import api_key_create


class Command(BaseCommand):
    help = "Create an Open311 API key for a client and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help="Who the key is for, e.g. the app's name."
        )

    def handle(self, *args, name, **options):
        try:
            key, raw = api_key_create(name=name)
        except Invalid as exc:
            raise CommandError("; ".join(str(m) for ms in exc.fields.values() for m in ms)) from exc
        self.stderr.write(
            f"Open311 API key {key.prefix}… for {key.name!r} (store it now; it is not shown again):"
        )
        self.stdout.write(raw)
