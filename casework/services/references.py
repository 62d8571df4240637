from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import ReferenceSequence


def reference_next(*, at) -> str:
    """Hand out SS-YYYYMM-NNNNNN; call inside the transaction that creates the case.

    The UPDATE locks the month's row until commit, so concurrent intakes queue here
    instead of reading the same number.
    """
    period = timezone.localtime(at).strftime("%Y%m")
    if not ReferenceSequence.objects.filter(period=period).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(period=period, last=1)
        except IntegrityError:  # another intake created the month's row first
            ReferenceSequence.objects.filter(period=period).update(last=F("last") + 1)
    last = ReferenceSequence.objects.values_list("last", flat=True).get(period=period)
    return f"SS-{period}-{last:06d}"
