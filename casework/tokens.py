"""Random secrets handed to outsiders (Open311 API keys, residents' follow links), and the
hash we keep instead of them.

Each secret is 32 random bytes, far beyond guessing, so a plain SHA-256 is enough: a slow
password hash would only add work to every request, and the digest doubles as the lookup key.
"""

import hashlib
import secrets

SECRET_BYTES = 32


def secret_new(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
