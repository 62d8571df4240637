"""Configure Django for the bare baseline, migrate its database, make its user and token.

    DATABASE_URL=postgres://…/db python -m bench.bare.setup     # prints the user's API token
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def bare_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def bare_setup(database_url: str) -> str:
    """Migrate and return the API token of user `bench` (made on first use)."""
    bare_django(database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    return Token.objects.get_or_create(user=user)[0].key


if __name__ == "__main__":
    print(bare_setup(os.environ["DATABASE_URL"]))
