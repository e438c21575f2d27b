"""Small input checks shared by the package: errors that name the bad value and the options."""
from __future__ import annotations

import difflib
from typing import Iterable


def suggest(name: str, options: Iterable[str]) -> str:
    """A " Did you mean ...?" hint for ``name`` among ``options`` (empty when nothing is close)."""
    options = list(options)
    close = difflib.get_close_matches(str(name), options, n=3, cutoff=0.5)
    close.sort(key=lambda c: (-difflib.SequenceMatcher(None, str(name), c).ratio(), c))
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def check_int(what: str, value, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ``>= minimum``; else ValueError naming ``what``."""
    if not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def check_choice(what: str, value: str, options: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``options``; else ValueError naming the valid ones."""
    options = list(options)
    if value not in options:
        raise ValueError(
            f"unknown {what} {value!r}.{suggest(value, options)} Valid: {', '.join(map(str, options))}"
        )
    return value
