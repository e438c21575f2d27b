"""Random filter-normalised directions in parameter space (Li et al., NeurIPS 2018).

A direction ``d`` has the shape of the parameters ``theta``. Its entries are standard normal,
then every *filter* (a row of a weight matrix: the weights feeding one neuron) is rescaled to
the norm of the same row of ``theta``, ``d_i <- d_i ||theta_i|| / ||d_i||``, so a step
``theta + alpha d`` is equally large, relative to the weights, in every layer. Bias vectors
(and other 1-D or scalar parameters) are set to zero (``biases="zero"``, the default of Li et
al.) or moved too (``biases="filter"``: the whole vector is one filter, rescaled to the norm of
``theta``'s vector). Directions are drawn in float64 from a seeded CPU generator and then cast,
so a seed gives the same directions in every dtype and on every device.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from pinnkit._validate import check_choice

__all__ = ["BIAS_MODES", "Direction", "parameters_of", "filter_normalize", "random_directions"]

BIAS_MODES = ("zero", "filter")
Direction = dict[str, torch.Tensor]


def parameters_of(model: nn.Module) -> Direction:
    """Detached copies of the trainable parameters of ``model``, by name."""
    return {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def filter_normalize(direction: Mapping[str, torch.Tensor], reference: Mapping[str, torch.Tensor],
                     biases: str = "zero") -> Direction:
    """Rescale each filter of ``direction`` to the norm of the same filter of ``reference``.

    Parameters with two or more dimensions are split into rows along the first axis; 1-D and
    scalar parameters are zeroed (``biases="zero"``) or rescaled as a whole (``"filter"``).
    A filter of ``reference`` with norm zero gives a zero filter.
    """
    check_choice("bias mode", biases, BIAS_MODES)
    missing = sorted(set(reference) - set(direction))
    if missing:
        raise ValueError(f"direction lacks parameter(s) {missing}")
    out = {}
    for name, ref in reference.items():
        d = direction[name].to(device=ref.device, dtype=torch.float64)
        r = ref.to(torch.float64)
        if ref.ndim <= 1:
            if biases == "zero":
                out[name] = torch.zeros_like(ref)
                continue
            rows_d, rows_r = d.reshape(1, -1), r.reshape(1, -1)
        else:
            rows_d, rows_r = d.reshape(d.shape[0], -1), r.reshape(r.shape[0], -1)
        norm_d = rows_d.norm(dim=1, keepdim=True)
        scale = torch.where(norm_d > 0, rows_r.norm(dim=1, keepdim=True) / norm_d.clamp_min(1e-300),
                            torch.zeros_like(norm_d))
        out[name] = (rows_d * scale).reshape(ref.shape).to(ref.dtype)
    return out


def random_directions(params: nn.Module | Mapping[str, torch.Tensor], count: int, seed: int = 0,
                      biases: str = "zero") -> list[Direction]:
    """``count`` filter-normalised Gaussian directions around ``params`` (a module or a name -> tensor map)."""
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"number of directions must be an integer >= 1, got {count!r}")
    check_choice("bias mode", biases, BIAS_MODES)
    reference = parameters_of(params) if isinstance(params, nn.Module) else dict(params)
    if not reference:
        raise ValueError("the model has no trainable parameters to perturb")
    generator = torch.Generator().manual_seed(int(seed))
    directions = []
    for _ in range(count):
        raw = {name: torch.randn(p.shape, generator=generator, dtype=torch.float64) for name, p in reference.items()}
        directions.append(filter_normalize(raw, reference, biases))
    return directions
