"""{{ rate|percent }}: a frozen rate (a fraction with four places, 0.8519) as the page shows
every rate, 85.19%. The report keeps the fraction; only its display changes."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        share = Decimal(str(value)) * 100
    except InvalidOperation:
        return "—"
    return f"{number_format(share, decimal_pos=2)}%"
