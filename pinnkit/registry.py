"""Problem registry: names -> factories, with "did you mean" errors.

The catalogue ships as ``pinnkit.problems`` (the build maps the repository's top-level
``problems/`` folder to it; install the package, e.g. ``pip install -e .``, to use a checkout).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from pinnkit._validate import suggest
from pinnkit.problem import Problem
from pinnkit.problems import CATALOGUE

__all__ = ["list_problems", "get_problem", "problem_info", "ProblemInfo"]


def _catalogue() -> dict[str, Callable[..., Problem]]:
    return dict(CATALOGUE)


@dataclass(frozen=True)
class ProblemInfo:
    """A catalogue entry: name, one-line summary, full docstring and parameter defaults."""

    name: str
    summary: str
    doc: str
    params: dict[str, Any]


def list_problems() -> list[str]:
    """Names of the problems in the catalogue, sorted."""
    return sorted(_catalogue())


def _factory(name: str) -> Callable[..., Problem]:
    catalogue = _catalogue()
    if name not in catalogue:
        raise ValueError(f"unknown problem {name!r}.{suggest(name, catalogue)} "
                         f"Available: {', '.join(sorted(catalogue))}")
    return catalogue[name]


def problem_info(name: str) -> ProblemInfo:
    """Summary and parameter defaults of problem ``name`` (without building it)."""
    factory = _factory(name)
    doc = inspect.getdoc(factory) or ""
    params = {p.name: p.default for p in inspect.signature(factory).parameters.values()}
    return ProblemInfo(name, doc.splitlines()[0] if doc else name, doc, params)


def get_problem(name: str, **params: Any) -> Problem:
    """Build problem ``name`` with keyword parameters (defaults from the factory).

    Raises ValueError for an unknown name or parameter, naming the close matches.
    """
    factory = _factory(name)
    valid = list(inspect.signature(factory).parameters)
    for key in params:
        if key not in valid:
            raise ValueError(f"unknown parameter {key!r} for problem {name!r}.{suggest(key, valid)} "
                             f"Parameters: {', '.join(valid) or '(none)'}")
    return factory(**params)
