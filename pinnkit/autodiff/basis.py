"""Derivatives of *all* outputs of a network at once, as matrices: the basis-function path.

A hard-constraint solver's network outputs many basis functions b_1..b_m at every point; the
constraint system needs, for each derivative it reads (``""`` value, ``"x"``, ``"xx"``, ``"xt"``
...), the ``(N, m)`` matrix of every output's derivative. The forward Taylor jet
(:mod:`.forward`) carries all outputs through one pass, so the matrices cost one pass whatever
m is; modules that path does not know go through nested autograd, one output column at a time.
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch

from pinnkit.autodiff import taylor
from pinnkit.autodiff.forward import network_jet, unsupported_reason
from pinnkit.autodiff.keys import parse_keys
from pinnkit.autodiff.nested import batch_jet_nested
from pinnkit.autodiff.policy import generic_kernels

__all__ = ["output_derivatives"]


def output_derivatives(fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, coords: Iterable[str],
                       suffixes: Iterable[str], n_outputs: int, method: str = "auto") -> dict[str, torch.Tensor]:
    """``{suffix: (N, n_outputs)}``: the derivative of every output along ``suffix``'s coordinates.

    ``suffix`` is ``""`` for the values, else the letters of the coordinates (``"x"``, ``"xx"``,
    ``"xt"``; order 2 at most on the forward path). ``method``: ``"auto"`` (forward jet where it
    applies, else nested autograd; nested autograd under ``PINNKIT_KERNELS=generic``),
    ``"forward"`` or ``"autograd"``. Differentiable with respect to ``fn``'s parameters.
    """
    coords, suffixes = tuple(coords), tuple(dict.fromkeys(suffixes))
    fields = tuple(f"o{i}" for i in range(n_outputs))
    spec = parse_keys([f"o0_{s}" if s else "o0" for s in suffixes], coords, fields)
    if method not in ("auto", "forward", "autograd"):
        raise ValueError(f"method must be 'auto', 'forward' or 'autograd', got {method!r}")
    if method == "auto" and generic_kernels():
        method = "autograd"
    reason = unsupported_reason(fn, spec)
    if method == "forward" and reason is not None:
        raise ValueError(f"the forward derivative path cannot handle {reason}; use method='autograd'")
    if method != "autograd" and reason is None:
        layout = taylor.layout_for(spec.multi_indices)
        jet = network_jet(fn, points, layout)
        out = {}
        for suffix, partial in zip(suffixes, spec.partials):
            if not partial.axes:
                out[suffix] = jet.value
            elif len(partial.axes) == 1:
                out[suffix] = jet.first[layout.first_index(partial.axes[0])]
            elif jet.second is None:
                out[suffix] = torch.zeros_like(jet.value)
            else:
                out[suffix] = jet.second[layout.second_index(*partial.axes)]
        return out
    keys = [f"{f}_{s}" if s else f for s in suffixes for f in fields]
    values = batch_jet_nested(fn, points, parse_keys(keys, coords, fields))
    return {s: torch.stack([values[f"{f}_{s}" if s else f] for f in fields], dim=-1) for s in suffixes}
