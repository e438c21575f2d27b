"""The solver interface every method implements (PINN, TENG, LPINN, ...).

A solver says *how*: the shared driver (:mod:`pinnkit.driver`) owns the loop and calls

* ``check(problem)``  (class method) refuse a problem it cannot do, with the reason (or say it
  in ``refusal(problem)``, which the default ``check`` raises);
* ``step(k)``         one iteration; returns metrics, at least ``"loss"``;
* ``terminate()``     a reason to stop early (converged, line search failed ...) or ``None``;
* ``predict(points)`` the current solution at points ``(N, d)`` -> ``(N, n_fields)``;
* ``finish()`` / ``notes()`` (optional) bring the model up to date at the end; warnings for the
  run's message;
* ``state_dict()`` / ``load_state_dict()``  everything needed to resume (checkpoints).

Solvers are configured by a frozen dataclass (``Config``); unknown keys are errors by name.
"""
from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

import torch
from torch import nn

from pinnkit._validate import suggest
from pinnkit.problem import Problem
from pinnkit.problems.presets import preset


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def build_config(config_cls: type, values: Mapping[str, Any] | Any | None) -> Any:
    """A ``config_cls`` instance from ``None`` (defaults), an instance, or a mapping of overrides.

    Unknown keys raise ValueError naming the valid ones; values are converted to the field's
    type where that is a plain int / float / bool / str (so ``--set steps=100`` works).
    """
    if values is None:
        return config_cls()
    if isinstance(values, config_cls):
        return values
    fields = {f.name: f for f in dataclasses.fields(config_cls)}
    kwargs = {}
    for key, value in dict(values).items():
        if key not in fields:
            raise ValueError(f"unknown config key {key!r} for {config_cls.__name__}.{suggest(key, fields)} "
                             f"Valid: {', '.join(fields)}")
        kwargs[key] = _coerce(key, value, fields[key].default)
    return config_cls(**kwargs)


def _coerce(key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() in ("true", "1", "yes"):
                return True
            if value.lower() in ("false", "0", "no"):
                return False
            raise ValueError(f"config key {key!r} takes true/false, got {value!r}")
        return bool(value)
    for kind in (int, float):
        if isinstance(default, kind) and not isinstance(value, kind):
            try:
                converted = kind(value)
            except (TypeError, ValueError):
                article = "an" if kind is int else "a"
                raise ValueError(f"config key {key!r} takes {article} {kind.__name__}, got {value!r}") from None
            if kind is int and converted != float(value):
                raise ValueError(f"config key {key!r} takes an int, got {value!r}")
            return converted
    return value


class Solver(ABC):
    """Base class of all solvers; see the module docstring for the protocol."""

    name: ClassVar[str]
    Config: ClassVar[type]

    def __init__(self, problem: Problem, config: Any, device: torch.device, dtype: torch.dtype,
                 generator: torch.Generator) -> None:
        self.problem = problem
        self.config = config
        self.device = device
        self.dtype = dtype
        self.generator = generator

    @classmethod
    def default_config(cls, problem_name: str, overrides: Mapping[str, Any] | None = None) -> Any:
        """The configuration for ``problem_name``: the solver's preset for it
        (``problems/presets/<solver>.toml``) with ``overrides`` on top (unknown keys are errors)."""
        return build_config(cls.Config, {**preset(cls.name, problem_name), **dict(overrides or {})})

    @classmethod
    def refusal(cls, problem: Problem) -> str | None:
        """Why this solver cannot handle ``problem``, or ``None`` when it can."""
        return None

    @classmethod
    def check(cls, problem: Problem) -> None:
        """Raise ValueError with :meth:`refusal`'s reason if this solver cannot handle ``problem``."""
        reason = cls.refusal(problem)
        if reason is not None:
            raise ValueError(reason)

    @property
    @abstractmethod
    def planned_steps(self) -> int:
        """Steps the configuration asks for (the driver's default budget)."""

    @property
    @abstractmethod
    def model(self) -> nn.Module:
        """The trained network (its parameters are what the driver guards and saves)."""

    @abstractmethod
    def step(self, k: int) -> dict[str, float]:
        """Run iteration ``k``; return metrics including ``"loss"``."""

    def terminate(self) -> str | None:
        """Why to stop before the step budget, or ``None`` to go on."""
        return None

    @property
    def work_per_step(self) -> float | None:
        """A rough count of the multiply-adds of one step's largest operation (chooses the default
        thread count, :func:`pinnkit.threads.choose_threads`; ``None``: unknown, one thread)."""
        return None

    @property
    def time_reached(self) -> float | None:
        """For time steppers: the time up to which a solution exists (``None``: the whole domain)."""
        return None

    def finish(self) -> None:
        """Bring the model up to date after the last step (the driver calls it once, at the end)."""

    def notes(self) -> list[str]:
        """Warnings the run's message must carry (e.g. an inner solve that missed its tolerance)."""
        return []

    def predict(self, points: torch.Tensor) -> torch.Tensor:
        """The solution at ``points`` (N, d): ``(N, n_fields)``."""
        return self.model(points.to(self.device, self.dtype))

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
