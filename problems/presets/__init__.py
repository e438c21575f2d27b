"""Solver presets: each solver's tuned configuration per problem, as data.

One TOML file per solver beside this module (``pinn.toml``, ``teng.toml``), one table per
problem name; keys are the solver's config fields. A problem without a table runs on the
config dataclass's defaults. Users override presets with ``--set KEY=VALUE`` or a file of
their own (``--config FILE.toml``, :func:`read_config_file`).
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

PRESET_DIR = Path(__file__).resolve().parent

__all__ = ["PRESET_DIR", "preset", "problem_presets", "read_config_file", "read_toml", "solver_presets"]


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file raises ValueError naming it and the fault."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ValueError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"config file {path} is not valid TOML: {err}") from None


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A user's file of config overrides: one flat TOML table of ``key = value`` lines."""
    values = read_toml(path)
    nested = [key for key, value in values.items() if isinstance(value, dict)]
    if nested:
        raise ValueError(f"config file {path}: expected plain 'key = value' lines, found the table(s) "
                         f"{nested} (a preset file holds one table per problem: copy one table's lines)")
    return values


@functools.cache
def solver_presets(solver: str) -> dict[str, dict[str, Any]]:
    """Every preset of ``solver``: ``{problem name: {key: value}}`` (empty without a file)."""
    path = PRESET_DIR / f"{solver}.toml"
    return read_toml(path) if path.is_file() else {}


def preset(solver: str, problem: str) -> dict[str, Any]:
    """The preset of ``solver`` for ``problem`` (a copy; empty where there is none)."""
    return dict(solver_presets(solver).get(problem, {}))


def problem_presets(problem: str, solvers: list[str]) -> dict[str, dict[str, Any]]:
    """``{solver: preset}`` for the given solvers that have a preset for ``problem``."""
    return {s: preset(s, problem) for s in solvers if problem in solver_presets(s)}
