"""Limits a criterion sets and the numbers a fact gives: ages ('age over 65' against 'a
71-year-old claimant'), counts ('up to 10 visits' against 'completed 18 sessions'), shares of
relief ('at least 50%' against '40% relief') and durations ('short-term', 'beyond 3-4 weeks'
against 'nightly for over a year'). Each comparison says met, not_met, or nothing when the
criterion sets no such limit or the facts give no such number. The phrases are in
data/rationale.yaml.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.lexicon import load_yaml


def aged(criterion: str, facts: list[str]) -> str | None:
    """An age floor ('age over 65') against the age a fact gives ('a 71-year-old claimant')."""
    floor = rp("criterion_age").search(criterion)
    ages = [int(next(g for g in m.groups() if g)) for f in facts for m in rp("application_age").finditer(f)]
    if floor is None or not ages:
        return None
    return "met" if max(ages) > int(floor.group("age")) else "not_met"


def _counted(criterion: str, facts: list[str]) -> str | None:
    """A count limit ('up to 10 visits') against the counts the facts give: met when the
    request fits, not met when it, or what was done plus what is asked, passes the limit."""
    limit = count_limit(criterion)
    if limit is None:
        return None
    unit, most = limit
    # 'would bring the total to 14' counts in the criterion's unit, all of it asked for
    counts = [(n, past) for f in facts for u, n, past in _counts(f) if u == unit]
    counts += [(int(m.group("n")), False) for f in facts for m in rp("application_total").finditer(f)]
    if not counts:
        return None
    done = sum(n for n, past in counts if past)
    asked = max((n for n, past in counts if not past), default=0)
    return "not_met" if done >= most or done + asked > most or asked > most else "met"


@lru_cache(maxsize=4096)  # asked of every criterion of a rationale, and again when its status is read
def count_limit(criterion: str) -> tuple[str, int] | None:
    """The unit and the largest number of a criterion's count limit ('up to 18 visits' ->
    ('visit', 18)), if it sets one."""
    limit = _counts(criterion)
    return (limit[-1][0], max(n for _, n, _ in limit)) if limit else None


def measured(criterion: str, facts: list[str]) -> str | None:
    """A criterion's count, share and duration limits against the facts' numbers: not met
    when any falls short ('70% relief for about two weeks' against 'at least 50% relief for six
    to eight weeks'), met when those compared all hold."""
    found = {_counted(criterion, facts), _percented(criterion, facts), _timed(criterion, facts)} - {None}
    return ("not_met" if "not_met" in found else "met") if found else None


def _percented(criterion: str, facts: list[str]) -> str | None:
    """A floor of relief ('at least 50% pain relief') against the share a fact gives ('relieved
    40% of her pain'): met when it reaches it."""
    floor = rp("criterion_percent").search(criterion)
    given = [int(m.group("pct")) for f in facts for m in rp("application_percent").finditer(f)]
    if floor is None or not given:
        return None
    return "met" if max(given) >= int(floor.group("pct")) else "not_met"


@cache
def _numbers() -> dict[str, int]:
    return {w: i for i, w in enumerate(load_yaml("rationale.yaml")["criterion_number_words"], start=1)}


def _counts(text: str) -> list[tuple[str, int, bool]]:
    """Each count of a unit in the text: (unit, number, whether it is already done)."""
    units = load_yaml("rationale.yaml")["criterion_count_units"]
    out = []
    for m in rp("criterion_count").finditer(text):
        n = (m.group("m") or m.group("n")).lower()
        value = int(n) if n.isdigit() else _numbers().get(n)
        if value is not None:
            out.append((units.get(m.group("unit").lower(), m.group("unit").lower()), value, bool(m.group("past"))))
    for m in rp("application_hours_week").finditer(text):  # 'eight hours a day, seven days a week'
        hours, days = _number(m.group("h")), _number(m.group("d"))
        if hours and days:
            out.append(("hours", hours * days, False))
    if not any(unit == "level" for unit, _, _ in out):  # 'at L3-L4, L4-L5 and L5-S1' asks for three levels
        levels = 1 if rp("single_level").search(text) else len({re.sub(r"\s", "", m.group()).lower()
                                                                 for m in rp("spinal_level").finditer(text)})
        if levels:
            out.append(("level", levels, False))
    return out


def _timed(criterion: str, facts: list[str]) -> str | None:
    """A duration limit ('short-term', 'limit their use to 4 weeks', 'persisting beyond 3-4
    weeks') against the longest time the facts give ('nightly for over a year')."""
    limit = time_limit(criterion)
    spans = [high for f in facts for _, high, _ in durations(f)]
    if limit is None or not spans:
        return None
    cap, days = limit
    if cap:
        return "not_met" if max(spans) > days else "met"
    return "met" if max(spans) >= days else "not_met"


@lru_cache(maxsize=1024)
def time_limit(criterion: str) -> tuple[bool, int] | None:
    """(whether it is a cap, days) of a criterion that limits a duration: the duration right
    after a cue ('limit their use to', 'beyond'), a floor taking the low end of a range and a
    cap the high end; else 'short-term' with the first duration given, or two to six weeks. A
    criterion that counts visits ('9-10 visits over 8 weeks') is left to the count."""
    if _counts(criterion):
        return None
    spans = durations(criterion)
    for low, high, start in spans:
        lead = criterion[max(0, start - 40):start]
        if rp("criterion_time_max").search(lead):  # first: 'not be used for longer than' is a cap
            return True, high
        if rp("criterion_time_min").search(lead):
            return False, low
    if m := rp("criterion_short_term").search(criterion):
        after = [high for _, high, start in spans if start >= m.start()]
        return True, after[0] if after else load_yaml("rationale.yaml")["short_term_days"]
    return None


@lru_cache(maxsize=4096)
def durations(text: str) -> tuple[tuple[int, int, int], ...]:
    """Each span of time in the text: (low, high) in days and where it starts."""
    units = load_yaml("rationale.yaml")["duration_days"]
    out = []
    for m in rp("duration").finditer(text):
        if m.group("since") or m.group("years"):
            out.append((365, 365, m.start()))
            continue
        low, high = _number(m.group("n")), _number(m.group("m") or m.group("n"))
        if low is not None and high is not None:
            unit = units[m.group("unit").lower()]
            out.append((low * unit, high * unit, m.start()))
    return tuple(out)


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else 1 if word in ("a", "an") else _numbers().get(word)
