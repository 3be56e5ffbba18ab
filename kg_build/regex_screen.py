"""Quick tests of whether a regex can match a text, made by reading the regex itself (with
the standard library's parser): the literals one of which each of its matches contains, and
what may stand where a match begins. They let a caller skip scans that cannot succeed, so a
search, a substitution or a choice among many patterns gives the same result sooner.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as sre, _parser as sre_parse
from typing import Iterable, Sequence


class LiteralScreen:
    """Which of many regexes may match a text, found without searching it: the literals one
    of which each regex's every match contains (required_literals) are looked up by the
    text's trigrams (or, when shorter, tried all) and confirmed by `in`. A regex without such
    literals is always a candidate, and so is every regex on non-ASCII text."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self._all = list(range(len(patterns)))
        self._always: list[int] = []
        self._by_literal: dict[str, list[int]] = {}
        for i, pattern in enumerate(patterns):
            literals = required_literals(pattern)
            if literals is None:
                self._always.append(i)
            for literal in literals or ():
                self._by_literal.setdefault(literal, []).append(i)
        self._by_trigram: dict[str, list[str]] = {}
        self._short: list[str] = []
        for literal in self._by_literal:
            if len(literal) >= 3:
                self._by_trigram.setdefault(literal[:3], []).append(literal)
            else:
                self._short.append(literal)

    def candidates(self, text: str) -> list[int]:
        """The indexes of the patterns that may match text, ascending."""
        if not text.isascii():
            return self._all
        folded = text.lower()
        found = set(self._always)
        for literal in self._short:
            if literal in folded:
                found.update(self._by_literal[literal])
        for trigram in {folded[i:i + 3] for i in range(len(folded) - 2)}:
            for literal in self._by_trigram.get(trigram, ()):
                if literal in folded:
                    found.update(self._by_literal[literal])
        return sorted(found)


def may_match(pattern: re.Pattern[str], text: str) -> bool:
    """False only when the pattern cannot match anywhere in text, as the text lacks every one
    of its required literals: a quick test before a costly scan of a long text."""
    literals = required_literals(pattern)
    if literals is None or not text.isascii():
        return True
    folded = text.lower()
    return any(literal in folded for literal in literals)


@cache
def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which every match of the pattern contains, whatever its
    case flags; None when the pattern has no such set. On ASCII text, `pattern.search(text)`
    can then only succeed when text.lower() contains one of them. (Not on other text:
    case-insensitive 's' also matches 'ſ'.)"""
    try:
        return _best(*_analyse(sre_parse.parse(pattern.pattern, pattern.flags)))
    except (re.error, TypeError, ValueError):
        return None


_Strings = frozenset[str] | None
_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}  # literals on both sides stay adjacent in the match
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_MAX_STRINGS = 32  # a part matching more strings than this is not spelled out
_EMPTY = frozenset({""})


def _analyse(items: Iterable[tuple]) -> tuple[_Strings, _Strings]:
    """(exact, required) of a parsed sequence: every string it can match, lower-cased, when
    that is a small finite set; and strings one of which each of its matches contains. Parts
    in a row that are exact are spelled out together ('(not)(medically|necessary)'); any
    one part's requirement holds for the whole."""
    candidates: list[_Strings] = []
    run, exact_throughout = _EMPTY, True
    for op, av in items:
        exact, required = _part(op, av)
        if exact is not None and len(run) * len(exact) <= _MAX_STRINGS:
            run = frozenset(a + b for a in run for b in exact)
            continue
        exact_throughout = False
        candidates += [run, required]
        run = _EMPTY if exact is None else exact
    candidates.append(run)
    return (run if exact_throughout else None), _best(None, *candidates)


def _part(op: object, av: object) -> tuple[_Strings, _Strings]:
    if op is sre.LITERAL:
        return (frozenset({chr(av).lower()}),) * 2 if av < 128 else (None, None)  # type: ignore[call-overload, operator]
    if op in _ZERO_WIDTH:
        return _EMPTY, None
    if op is sre.SUBPATTERN:
        return _analyse(av[-1])  # type: ignore[index]
    if op is sre.ATOMIC_GROUP:
        return _analyse(av)  # type: ignore[arg-type]
    if op is sre.BRANCH:
        alternatives = [_analyse(a) for a in av[1]]  # type: ignore[index]
        exacts = [e for e, _ in alternatives if e is not None]
        exact = frozenset().union(*exacts) if len(exacts) == len(alternatives) else None
        needs = [_best(*a) for a in alternatives]
        return (exact if exact is not None and len(exact) <= _MAX_STRINGS else None,
                None if None in needs else frozenset().union(*needs))  # type: ignore[arg-type]
    if op in _REPEATS:
        low, high, sub = av  # type: ignore[misc]
        exact, required = _analyse(sub)
        if exact is not None and high <= 3:  # 's?', '(?:-)?'
            spelled, power = (_EMPTY if low == 0 else frozenset()), _EMPTY
            for times in range(1, high + 1):
                power = frozenset(a + b for a in power for b in exact)
                spelled |= power if times >= low else frozenset()
            exact = spelled if len(spelled) <= _MAX_STRINGS else None
        else:
            exact = None
        return exact, (required if low >= 1 else None)
    return None, None


def _best(*candidates: _Strings) -> _Strings:
    """The most selective of the requirements: the length of a set's shortest string decides
    how often it is met by chance, then fewer strings are better. A string that contains
    another of its set adds nothing; a set with the empty string requires nothing."""
    kept = []
    for strings in candidates:
        if strings and "" not in strings:
            kept.append(frozenset(s for s in strings if not any(t != s and t in s for t in strings)))
    return max(kept, key=lambda c: (min(map(len, c)), -len(c)), default=None)


def guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """The pattern compiled behind a lookahead for what may stand where one of its matches
    begins (start_guard): the same matches, found sooner where the regex engine would
    otherwise try every alternative at every position of a long text."""
    guard = start_guard(pattern, flags)
    try:
        return re.compile(f"(?={guard})(?:{pattern})" if guard else pattern, flags)
    except re.error:  # the pattern opens with global flags, which must stay first: pass them as flags instead
        return re.compile(pattern, flags)


def start_guard(pattern: str, flags: int = 0) -> str | None:
    """A regex that, compiled with the same flags, matches at every position where the
    pattern can begin a match: one class of all the characters a match may begin with and,
    for a beginning that any character may make ('[^:]'), the assertions before it
    ('(?<=^Dear )'). None when that cannot be told (a match may be empty)."""
    try:
        starts = _guard(list(sre_parse.parse(pattern, flags)))
    except (re.error, TypeError, ValueError):
        return None
    if starts is None:
        return None
    # an assertion before a character of a class is dropped: one class test is faster than alternatives
    merged = "".join(dict.fromkeys(members for _, members, negated in starts if members is not None and not negated))
    apart = [assertions + ("" if members is None else f"[^{members}]") for assertions, members, negated in starts
             if members is None or negated]
    if "" in apart:
        return None  # any position may begin a match
    return "|".join(([f"[{merged}]"] if merged else []) + list(dict.fromkeys(apart)))


_Start = tuple[str, str | None, bool]  # assertions, members of the class of the first character (None: any), negated
_ONE_CHARACTER = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY}


def _guard(items: list[tuple]) -> list[_Start] | None:
    """The ways a parsed sequence may begin; None when unknown."""
    if not items:
        return None
    (op, av), rest = items[0], items[1:]
    if op in _ZERO_WIDTH:  # it holds where the match begins; one that cannot be written is left out, a weaker but true guard
        own = _render([(op, av)]) or ""
        after = _guard(rest)
        if after is None:
            return [(own, None, False)] if own else None
        return [(own + assertions, members, negated) for assertions, members, negated in after]
    if op in _ONE_CHARACTER:
        return [_first_character(op, av)]
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _guard(list(sub) + rest)
    if op is sre.BRANCH:
        alternatives = [_guard(list(a) + rest) for a in av[1]]
        return None if None in alternatives else [start for a in alternatives for start in a]  # type: ignore[union-attr]
    if op in _REPEATS:
        low, _, sub = av
        first = _guard(list(sub)) if sub.getwidth()[0] > 0 else None
        if low >= 1 or first is None:
            return first
        after = _guard(rest)  # an optional part may be left out
        return None if after is None else first + after
    return None


def _first_character(op: object, av: object) -> _Start:
    if op is sre.LITERAL:
        return "", re.escape(chr(av)), False  # type: ignore[arg-type]
    if op is sre.NOT_LITERAL:
        return "", re.escape(chr(av)), True  # type: ignore[arg-type]
    if op is sre.IN:
        members = _render_class(av)  # type: ignore[arg-type]
        if members is not None:
            return "", members.removeprefix("[^" if members.startswith("[^") else "[")[:-1], members.startswith("[^")
    return "", None, False


_AT = {sre.AT_BEGINNING: "^", sre.AT_BEGINNING_STRING: r"\A", sre.AT_END: "$", sre.AT_END_STRING: r"\Z",
       sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B"}
_CATEGORY = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
             sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}


def _render(items: Iterable[tuple]) -> str | None:
    """Parsed regex items written out again; None for what this does not write."""
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre.NOT_LITERAL:
            out.append(f"[^{re.escape(chr(av))}]")
        elif op is sre.ANY:
            out.append(".")
        elif op is sre.IN:
            out.append(_render_class(av))
        elif op is sre.AT:
            out.append(_AT.get(av))
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            direction, sub = av
            body = _render(sub)
            out.append(None if body is None else
                       "(?" + ("<" if direction < 0 else "") + ("=" if op is sre.ASSERT else "!") + body + ")")
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:
            body = _render(av[3])
            out.append(None if body is None else f"(?:{body})")
        elif op is sre.BRANCH:
            bodies = [_render(a) for a in av[1]]
            out.append(None if None in bodies else "(?:" + "|".join(bodies) + ")")  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, sub = av
            body = _render(sub)
            bound = f"{{{low},{'' if high == sre.MAXREPEAT else high}}}"
            out.append(None if body is None else f"(?:{body}){bound}" + ("?" if op is sre.MIN_REPEAT else ""))
        else:
            out.append(None)
        if out[-1] is None:
            return None
    return "".join(out)


def _render_class(members: list[tuple]) -> str | None:
    out = []
    for op, av in members:
        if op is sre.NEGATE:
            out.append("^")
        elif op is sre.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORY:
            out.append(_CATEGORY[av])
        else:
            return None
    return "[" + "".join(out) + "]"
