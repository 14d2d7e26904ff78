"""Release periods as written ("Q2-Q3 2024", "Q4 2021, Q1 2022", "H1 2025") and the quarters they span."""

from __future__ import annotations

import re

from evepub.model import Quarter

TOKEN_RE = re.compile(
    r"Q(?P<quarter>\d+)|H(?P<half>\d+)|(?P<year>\d{4})|(?P<sep>[-–,]|to|and)|(?P<space>\s+)|(?P<other>.)"
)


def parse_period(text: str) -> tuple[Quarter, Quarter]:
    """First and last quarter of a period; each quarter takes the next year written after it."""
    pending: list[int] = []
    quarters: list[Quarter] = []
    for token in TOKEN_RE.finditer(text.strip()):
        if token.group("other"):
            raise ValueError(f"unexpected '{token.group('other')}' in period '{text}'")
        if token.group("quarter"):
            number = int(token.group("quarter"))
            if not 1 <= number <= 4:
                raise ValueError(f"there is no quarter Q{number} in period '{text}'")
            pending.append(number)
        elif token.group("half"):
            pending.extend(_half(int(token.group("half")), text))
        elif token.group("year"):
            if not pending:
                raise ValueError(f"year {token.group('year')} has no quarter before it in period '{text}'")
            quarters.extend(Quarter(int(token.group("year")), number) for number in pending)
            pending = []
    if pending or not quarters:
        raise ValueError(f"period '{text}' is not like 'Q2-Q3 2024' or 'Q4 2021, Q1 2022'")
    if quarters != sorted(quarters):
        raise ValueError(f"period '{text}' ends before it starts")
    return quarters[0], quarters[-1]


def _half(number: int, text: str) -> list[int]:
    """The quarters of half-year H1 or H2."""
    if number not in (1, 2):
        raise ValueError(f"there is no half-year H{number} in period '{text}'")
    return [2 * number - 1, 2 * number]


NAMED_BY_PERIOD_RE = re.compile(r"(?P<period>(?:Q[1-4]|H[12]) \d{4}) [Rr]elease")


def name_period(name: str) -> str | None:
    """The period a release named by it carries in its name ("Q2 2025 release" -> "Q2 2025"), else None."""
    match = NAMED_BY_PERIOD_RE.fullmatch(name)
    return match.group("period") if match else None


def quarters_text(name: str, period: str | None) -> str | None:
    """What a release's quarters are read from: its period, else the period its name is."""
    return period if period is not None else name_period(name)
