"""Minimise a landscape loss directly (Adam under the shared driver), and the paper's residual network.

The PINN solver minimises the soft-constraint strong-form loss; the Deep Ritz energy and the
hard-factor losses need their own minimiser. :class:`LossMinimizer` is a small solver that runs
Adam on any :class:`~pinnkit.landscape.losses.Loss` under :func:`pinnkit.driver.run`, so the
driver's history, non-finite checks and callbacks (e.g. the roughness index along training)
work unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from pinnkit.landscape.losses import Loss
from pinnkit.nn import get_activation, xavier_normal
from pinnkit.problem import Problem
from pinnkit.solvers.base import Solver

__all__ = ["Swish", "ResNet", "LossMinimizerConfig", "LossMinimizer"]


class Swish(nn.Module):
    """``x sigmoid(x)`` written out, so nested forward-mode AD (torch.func jvp) works through it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class ResNet(nn.Module):
    """The Deep Ritz residual network (E & Yu 2018): ``h_0 = W_in x``,
    ``h_{i+1} = h_i + s(W_{i,2} s(W_{i,1} h_i + b_{i,1}) + b_{i,2})``, ``u = W_out h_n + b_out``.

    ``activation`` defaults to swish ``x sigmoid(x)``; weights Glorot-normal, biases zero.
    """

    def __init__(self, in_features: int, out_features: int = 1, width: int = 10, blocks: int = 3,
                 activation: str = "swish", generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        for name, value in (("width", width), ("blocks", blocks)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ResNet {name} must be an integer >= 1, got {value!r}")
        self.act = Swish() if activation == "swish" else get_activation(activation)
        self.inp = nn.Linear(in_features, width, dtype=torch.float64)
        self.blocks = nn.ModuleList(nn.ModuleList([nn.Linear(width, width, dtype=torch.float64),
                                                   nn.Linear(width, width, dtype=torch.float64)])
                                    for _ in range(blocks))
        self.out = nn.Linear(width, out_features, dtype=torch.float64)
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                xavier_normal(layer, generator)
        self.to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        for first, second in self.blocks:
            h = h + self.act(second(self.act(first(h))))
        return self.out(h)


@dataclass(frozen=True)
class LossMinimizerConfig:
    """Adam with learning rate ``lr`` for ``steps`` steps."""

    steps: int = 5000
    lr: float = 1e-3

    def __post_init__(self) -> None:
        if self.steps < 0 or not self.lr > 0:
            raise ValueError(f"need steps >= 0 and lr > 0, got steps={self.steps}, lr={self.lr}")


class LossMinimizer(Solver):
    """Adam on ``loss`` for ``network`` (its parameters are trained in place)."""

    name = "adam-on-loss"
    Config = LossMinimizerConfig

    def __init__(self, problem: Problem, loss: Loss, network: nn.Module,
                 config: LossMinimizerConfig = LossMinimizerConfig()) -> None:
        p = next(network.parameters())
        super().__init__(problem, config, p.device, p.dtype, torch.Generator())
        self.network, self.loss = network, loss.to(p.device, p.dtype)
        self.adam = torch.optim.Adam(network.parameters(), lr=config.lr)

    @property
    def planned_steps(self) -> int:
        return self.config.steps

    @property
    def model(self) -> nn.Module:
        return self.network

    def predict(self, points: torch.Tensor) -> torch.Tensor:
        return self.loss.solution(self.network)(points.to(self.device, self.dtype))

    def step(self, k: int) -> dict[str, float]:
        value = self.loss(self.network)[0]
        self.adam.zero_grad(set_to_none=True)
        value.backward()
        self.adam.step()
        return {"loss": value.item()}

    def state_dict(self):
        return {"model": self.network.state_dict(), "adam": self.adam.state_dict()}

    def load_state_dict(self, state) -> None:
        self.network.load_state_dict(state["model"])
        self.adam.load_state_dict(state["adam"])
