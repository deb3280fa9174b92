"""The rule catalogue and rule selection (``--select PAD1``, ``--ignore PAD202``...)."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

from padlint.static.catalogue import RULES

if TYPE_CHECKING:  # pragma: no cover
    from padlint.static.rule import Rule

SYNTAX_ERROR = ("PAD000", "invalid-syntax", "The file does not parse as Python.")
UNUSED_SUPPRESSION = ("PAD100", "unused-suppression", "A suppression comment suppresses nothing.")


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """One instance of every rule, in code order (imports the rule modules and libcst)."""
    found = []
    for _code, _name, _summary, _opt_in, module, cls in RULES:
        found.append(getattr(importlib.import_module(f"padlint.static.rules.{module}"), cls)())
    return tuple(found)


def catalogue() -> list[tuple[str, str, str, bool]]:
    """(code, name, summary, opt_in) for every code, PAD000 and PAD100 included."""
    rows = [(*SYNTAX_ERROR, False), (*UNUSED_SUPPRESSION, True)]
    rows += [(code, name, summary, opt_in) for code, name, summary, opt_in, _, _ in RULES]
    return sorted(rows)


def all_codes() -> dict[str, str]:
    """code -> name."""
    return {code: name for code, name, _, _ in catalogue()}


class SelectionError(ValueError):
    pass


def _expand(selector: str, codes: dict[str, str]) -> set[str]:
    selector = selector.strip()
    if not selector:
        return set()
    if selector.upper() == "ALL":
        return set(codes)
    upper = selector.upper()
    matched = {code for code in codes if code.startswith(upper)}
    if not matched:
        by_name = {code for code, name in codes.items() if name == selector.lower()}
        matched = by_name
    if not matched:
        raise SelectionError(f"unknown rule selector {selector!r} (see `padlint rule --all`)")
    return matched


def resolve_selection(
    select: list[str] | None,
    ignore: list[str] | None = None,
    extend_select: list[str] | None = None,
    preview: bool = False,
) -> set[str]:
    """The codes that run.  Default: every rule that is not opt-in.

    Like ruff, an explicit selector picks opt-in rules too when it names them exactly or
    names a prefix that covers them only with ``preview``; ``ALL``/``PAD`` alone does not
    switch on opt-in rules unless ``preview`` is set.
    """
    codes = all_codes()
    opt_in = {code for code, _, _, flag in catalogue() if flag}
    chosen: set[str] = set()
    if select is None:
        chosen = set(codes) - (set() if preview else opt_in)
    else:
        for selector in select:
            expanded = _expand(selector, codes)
            if not preview and len(expanded) > 1:
                expanded -= opt_in
            chosen |= expanded
    for selector in extend_select or ():
        expanded = _expand(selector, codes)
        if not preview and len(expanded) > 1:
            expanded -= opt_in
        chosen |= expanded
    for selector in ignore or ():
        chosen -= _expand(selector, codes)
    return chosen


def code_for(token: str) -> str | None:
    """A code from a code or a rule name (as used in suppression comments)."""
    codes = all_codes()
    upper = token.strip().upper()
    if upper in codes:
        return upper
    for code, name in codes.items():
        if name == token.strip().lower():
            return code
    return None
