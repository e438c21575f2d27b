"""Problem registry: names -> factories, with "did you mean" errors.

The catalogue ships as ``pinnkit.problems`` (mapped from the top-level ``problems/`` folder by
the build). In a source checkout that is not installed, the folder is loaded from beside the
package so ``python -c "import pinnkit"`` works from the repository root too.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from pinnkit._validate import suggest
from pinnkit.problem import Problem

__all__ = ["list_problems", "get_problem", "problem_info", "ProblemInfo"]


def _load_catalogue() -> ModuleType:
    try:
        return importlib.import_module("pinnkit.problems")
    except ModuleNotFoundError as err:
        if err.name != "pinnkit.problems":
            raise
    source = Path(__file__).resolve().parent.parent / "problems" / "__init__.py"
    if not source.is_file():
        raise ImportError("pinnkit.problems is missing: reinstall pinnkit (pip install .)")
    spec = importlib.util.spec_from_file_location("pinnkit.problems", source,
                                                  submodule_search_locations=[str(source.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["pinnkit.problems"] = module
    spec.loader.exec_module(module)
    return module


def _catalogue() -> dict[str, Callable[..., Problem]]:
    return dict(_load_catalogue().CATALOGUE)


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
