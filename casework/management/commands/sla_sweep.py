from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils import timezone

from casework.services.sla_sweep import sla_sweep


class Command(BaseCommand):
    help = "Fire the SLA timers due at an instant (default: now), as the beat sweep does."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 instant, e.g. 2026-12-01T09:00+08:00")

    def handle(self, *args, at=None, **options):
        now = None
        if at:
            now = parse_datetime(at)
            if now is None:
                raise CommandError(f"--at: not an ISO-8601 date-time: {at!r}")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = sla_sweep(now=now)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
