"""Activation functions selectable by name."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from pinnkit._validate import check_choice

__all__ = ["ACTIVATIONS", "Sin", "get_activation"]


class Sin(nn.Module):
    """``sin(x)``, the SIREN activation (Sitzmann et al., NeurIPS 2020)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "sin": Sin,
    "gelu": nn.GELU,  # exact: x Phi(x)
    "silu": nn.SiLU,  # x sigmoid(x)
    "swish": nn.SiLU,
    "softplus": nn.Softplus,  # log(1 + e^x)
    "relu": nn.ReLU,  # not twice differentiable: u_xx of a ReLU network is zero almost everywhere
}


def get_activation(name: str) -> nn.Module:
    """A fresh activation module by name; unknown names raise ``ValueError`` listing the valid ones."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]()
