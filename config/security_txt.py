"""/.well-known/security.txt (RFC 9116): where to report a security problem (SECURITY.md).

The address is the office's own, from SECURITY_CONTACT (an e-mail address or an https://
page); without one there is nothing to publish and the file is a 404.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone

# The RFC asks for an expiry less than a year ahead; the file is made on each request, so it
# never lapses while the setting stands.
VALID_FOR = timedelta(days=180)


def security_txt(request):
    contact = settings.SECURITY_CONTACT.strip()
    if not contact:
        raise Http404("SECURITY_CONTACT is not set.")
    if "://" not in contact and not contact.startswith("mailto:"):
        contact = f"mailto:{contact}"
    expires = (timezone.now() + VALID_FOR).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: zh, en",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
