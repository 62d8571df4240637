"""Residents' personal data in free text: phone numbers, ID numbers and the reporter's name
that people type into descriptions, results and comments, masked before the text is shown
to someone who may not read them (the public; staff other than the case's dispatcher).

Pure Python, no Django: every door (Open311, the public pages, staff pages, the API) calls
the same rules.

What is masked, and what stays (docs/privacy.md says who sees what):
- Mainland mobiles, 11 digits 1[3-9]…, also written 3-4-4 with spaces or dashes, after
  +86/0086/86: the first 3 and last 4 digits stay, like the bare phone field
  (`casework.phone.phone_masked`): 138****5678. A prefix stays as typed.
- Landlines: an area code (010, 02x, 0xxx; bracketed or not, or +86 without its 0) and a
  local number of 7–8 digits starting 2–9; or a local number alone right after a word such
  as 电话/座机/联系/tel. The area code stays; of the local number four digits are always
  hidden: 010-****5678, 0755-****678.
- ID numbers: 18 characters (17 digits and a digit or X), also grouped 6-4-4-4 or 6-8-4;
  and any other run of 15–19 digits (old 15-digit IDs, bank cards). Nothing of them stays:
  the first six digits name the place of registration, the next eight the birthday and
  the 17th the sex, so every digit becomes "*".
- The reporter's name, wherever it occurs (whole name; for names in Latin letters also each
  part of two letters or more, as a word): every letter becomes "*". One-letter names are
  left alone, as masking every 王 would mangle the text and tell nobody anything.

Digits are read in any Unicode script (full-width １３８… too) and masked output is written
with ASCII digits. Dates (2026-12-03), amounts, case references (SS-202612-000001), house
numbers (3号楼502) and times have no 7-digit run that fits these shapes and stay as they are.
Numbers spelt in Chinese numerals (一三八…) are not recognised.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "*"


def _fold_table() -> dict[int, str]:
    """One character for one: every decimal digit of the BMP to ASCII, and the full-width or
    typographic forms of + - ( ) X and spaces to theirs. Positions stay, so a match in the
    folded text is a match at the same place in the original."""
    table = {}
    for code in range(0x80, 0x10000):
        value = unicodedata.decimal(chr(code), None)
        if value is not None:
            table[code] = str(value)
    for chars, ascii_char in (
        ("＋", "+"),
        ("－‐‑‒–—―−﹣", "-"),
        ("（﹙", "("),
        ("）﹚", ")"),
        ("Ｘ", "X"),
        ("ｘ", "x"),
        ("\u3000\u00a0\u2002\u2003\u2009\u202f", " "),
    ):
        for char in chars:
            table[ord(char)] = ascii_char
    return table


_FOLD = _fold_table()

_SEP = r"(?:[ \t]*-[ \t]*|[ \t]+)?"  # between digit groups: spaces, or one dash
_AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_AREA_ABROAD = r"(?:10|2[0-9]|[3-9][0-9]{2})"  # the area code after +86 drops its 0
_LOCAL = rf"[2-9][0-9]{{2,3}}{_SEP}[0-9]{{4}}"
_PHONE_WORDS = r"(?i:电话|手机|座机|固话|联系方式|联系|致电|tel|phone|mobile|call)"

_NUMBERS = re.compile(
    rf"""
    (?<![0-9])
    (?:
        (?P<id>[1-9][0-9]{{5}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{3}}[0-9Xx]
              |[0-9]{{15,19}})
      | (?P<mobile_prefix>(?:\+|00)?86{_SEP}|\(\+?86\)[ \t]*)?
        (?P<mobile>1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}})
      | (?P<area>(?:\+|00)86{_SEP}(?:\(0\)[ \t]*)?{_AREA_ABROAD}{_SEP}
                |\([ \t]*{_AREA}[ \t]*\)[ \t]*
                |{_AREA}{_SEP})
        (?P<local>{_LOCAL})
    )
    (?![0-9])
    |
    (?P<said>{_PHONE_WORDS}[^0-9\n]{{0,8}}?)(?<![0-9])(?P<said_local>{_LOCAL})(?![0-9])
    """,
    re.VERBOSE,
)
_DIGIT = re.compile(r"[0-9]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _digits(text: str) -> str:
    return "".join(_DIGIT.findall(text))


def _local_masked(local: str) -> str:
    digits = _digits(local)
    return MASK * 4 + digits[4:]


def _number_masked(match: re.Match, original: str, whole: bool) -> str:
    def typed(group):  # the original characters of a group: a kept prefix stays as typed
        start, end = match.span(group)
        return original[start:end]

    if match.group("id"):
        return MASK * sum(char.isalnum() for char in match.group("id"))
    if whole:  # retention: no digit stays; the words and separators around them do, as typed
        start, end = match.span()
        return "".join(
            MASK if folded.isdigit() else typed_char
            for folded, typed_char in zip(match.group(), original[start:end], strict=True)
        )
    if match.group("mobile"):
        digits = _digits(match.group("mobile"))
        prefix = typed("mobile_prefix") if match.group("mobile_prefix") else ""
        return f"{prefix}{digits[:3]}{MASK * 4}{digits[-4:]}"
    if match.group("local"):
        return typed("area") + _local_masked(match.group("local"))
    return typed("said") + _local_masked(match.group("said_local"))


def _name_pattern(name: str) -> re.Pattern | None:
    name = " ".join(name.split())
    if len(name.replace(" ", "")) < 2:
        return None
    if _CJK.search(name):
        # 李明 is also typed 李 明 or 李　明.
        chars = [re.escape(char) for char in name.replace(" ", "")]
        return re.compile(r"[ \t\u3000]*".join(chars))
    words = [re.escape(word) for word in name.split(" ")]
    alternatives = [r"[ \t]+".join(words)] + [w for w in words if len(w) >= 2]
    return re.compile(
        r"(?<![^\W\d_])(?:" + "|".join(alternatives) + r")(?![^\W\d_])", re.IGNORECASE
    )


def _letters_masked(match: re.Match) -> str:
    return "".join(char if char.isspace() else MASK for char in match.group())


def _names_masked(text: str, names: Iterable[str]) -> str:
    # Longest first, so 李明华 is masked whole before a 李明 among the names could split it.
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        pattern = _name_pattern(name)
        if pattern is not None:
            text = pattern.sub(_letters_masked, text)
    return text


def personal_data_masked(
    text: str | None, *, names: Iterable[str] = (), whole: bool = False
) -> str:
    """`text` with phone numbers, ID numbers and the given names masked (see the module).
    `whole`: every digit of a phone number too, for good (retention, docs/privacy.md)."""
    if not text:
        return ""
    text = _names_masked(text, names)
    folded = text.translate(_FOLD)
    out, last = [], 0
    for match in _NUMBERS.finditer(folded):
        out.append(text[last : match.start()])
        out.append(_number_masked(match, text, whole))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def payload_masked(value, *, names: Iterable[str] = (), whole: bool = False):
    """An event payload with every string in it masked (ids, times, choices and references
    have no shape that masking touches)."""
    names = tuple(names)
    if isinstance(value, str):
        return personal_data_masked(value, names=names, whole=whole)
    if isinstance(value, dict):
        return {key: payload_masked(item, names=names, whole=whole) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [payload_masked(item, names=names, whole=whole) for item in value]
    return value


# ---------------------------------------------------------------- a case's texts


@dataclass(frozen=True)
class CaseTexts:
    """The free text of a case as one reader may see it."""

    title: str
    description: str
    address: str
    resolution: str
    rating_comment: str
    reject_reason: str


TEXT_FIELDS = tuple(CaseTexts.__dataclass_fields__)


def reporter_names(case) -> tuple[str, ...]:
    return (case.reporter_name,) if case.reporter_name else ()


def case_texts(case, *, masked: bool) -> CaseTexts:
    names = reporter_names(case)
    values = {name: getattr(case, name) or "" for name in TEXT_FIELDS}
    if masked:
        values = {name: personal_data_masked(v, names=names) for name, v in values.items()}
    return CaseTexts(**values)


def sees_personal_data(actor, case) -> bool:
    """Who reads a case's personal data unmasked is who reads the reporter's phone: the
    case's community's dispatchers and superusers (workflows.actors.Actor)."""
    return actor is not None and actor.sees_phone_numbers(case.community_id)


def case_texts_for(actor, case) -> CaseTexts:
    return case_texts(case, masked=not sees_personal_data(actor, case))
