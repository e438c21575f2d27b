"""A driver callback that records the roughness index along training.

The paper (Wu et al. 2021) observes that the RI rises and then falls along gradient descent.
``RoughnessCallback(loss, every=k)`` recomputes it from the solver's current parameters after
the first and every k-th step (fresh filter-normalised directions from the same seed each time) and keeps
``curve``: one row per record with the step, RI, mean and std of the TVs and the loss.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from pinnkit.landscape.losses import Loss
from pinnkit.landscape.roughness import roughness

__all__ = ["RoughnessCallback"]


class RoughnessCallback:
    """Call signature of :data:`pinnkit.driver.Callback`; never stops the run."""

    def __init__(self, loss: Loss, every: int, directions: int = 50, span: float = 0.01, points: int = 11,
                 seed: int = 0, biases: str = "zero", method: str = "batched", dtype=None) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        self.loss, self.every = loss, every
        self.options = dict(directions=directions, span=span, points=points, seed=seed, biases=biases, method=method,
                            dtype=dtype)
        self.curve: list[dict[str, Any]] = []

    def record(self, step: int, model: nn.Module) -> dict[str, Any]:
        """Compute the RI at ``model``'s parameters now and append it to ``curve`` as ``step``."""
        r = roughness(model, self.loss, **self.options)
        centre = r.profiles.values[0, r.points // 2] if r.points % 2 else None
        row = dict(step=int(step), ri=r.ri, tv_mean=r.tv_mean, tv_std=r.tv_std,
                   loss=None if centre is None else float(centre))
        self.curve.append(row)
        return row

    def __call__(self, k: int, solver, info: dict[str, float]) -> bool:
        if k == 0 or (k + 1) % self.every == 0:
            self.record(k + 1, solver.model)
        return False
