"""Release periods as written ("Q2-Q3 2024", "Q4 2021, Q1 2022") and the quarters they span."""

from __future__ import annotations

import re

from evepub.model import Quarter

TOKEN_RE = re.compile(r"Q(?P<quarter>\d+)|(?P<year>\d{4})|(?P<sep>[-–,]|to|and)|(?P<space>\s+)|(?P<other>.)")


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
