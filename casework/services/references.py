from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..models import ReferenceSequence


def reference_next(*, at) -> str:
    """Hand out SS-YYYYMM-NNNNNN; call inside the transaction that creates the case.

    The UPDATE locks the month's row until commit, so concurrent intakes queue here
    instead of reading the same number.
    """
    period = timezone.localtime(at).strftime("%Y%m")
    last = _increment(period)
    if last is None:
        try:
            with transaction.atomic():
                last = ReferenceSequence.objects.create(period=period, last=1).last
        except IntegrityError:  # another intake created the month's row first
            last = _increment(period)
    return f"SS-{period}-{last:06d}"


def _increment(period: str) -> int | None:
    # One statement instead of UPDATE then SELECT: RETURNING (PostgreSQL, SQLite ≥ 3.35).
    quote = connection.ops.quote_name
    table, last = quote(ReferenceSequence._meta.db_table), quote("last")  # a keyword
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE period = %s RETURNING {last}",
            [period],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
