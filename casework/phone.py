"""Residents' phone numbers: masked for display, normalised to compare."""

import re
import unicodedata


def phone_masked(phone: str) -> str:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return f"{phone[:3]}****{phone[-4:]}"


# What a resident's number may be written with besides digits: spaces, dashes, brackets and a
# leading plus, in their ASCII, full-width and typographic forms.
_SEPARATORS = frozenset(" \t\u3000\u00a0-－‐‑‒–—―−()（）")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")


def phone_normalised(raw: str) -> str | None:
    """A mainland number as dialled at home — a mobile `13812345678` or a landline with its
    area code `01062345678` — from however it was typed: +86/0086/86 in front, spaces,
    dashes, brackets, digits of any script (full-width １３８…). None if it is not one.
    docs/privacy.md#export."""
    text = (raw or "").strip()
    plus = text[:1] in ("+", "＋")
    digits = []
    for char in text[1:] if plus else text:
        if char in _SEPARATORS:
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    number = "".join(digits)
    if plus or number.startswith("0086"):
        number = number.removeprefix("00")
        if not number.startswith("86"):
            return None  # another country's number
        number = number[2:]
        if not (number.startswith("0") or _MOBILE.fullmatch(number)):
            number = "0" + number  # the area code drops its 0 after +86
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if _MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number):
        return number
    return None
