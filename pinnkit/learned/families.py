"""The parametric PDE families of the neural solver, by name."""
from __future__ import annotations

from typing import Any

from pinnkit._validate import check_choice
from pinnkit.learned.evolution import Advection, ReactionDiffusion
from pinnkit.learned.family import Family
from pinnkit.learned.ode import Helmholtz, Poisson

__all__ = ["FAMILIES", "get_family"]

FAMILIES: dict[str, type[Family]] = {f.name: f for f in (Helmholtz, Poisson, ReactionDiffusion, Advection)}


def get_family(name: str, **settings: Any) -> Family:
    """The family ``name`` (one of :data:`FAMILIES`) built with ``settings`` (its constructor's keywords)."""
    check_choice("neural-solver family", name, FAMILIES)
    try:
        return FAMILIES[name](**settings)
    except TypeError as error:
        raise ValueError(f"bad settings for family {name!r}: {error}") from None
