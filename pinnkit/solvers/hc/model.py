"""The hard-constrained ansatz: a basis network and the coefficients the constraint layer solved for."""
from __future__ import annotations

import torch
from torch import nn

from pinnkit.nn import MLP, InputEncoding, Network
from pinnkit.solvers.hc.experts import ExpertSplit

__all__ = ["StitchedModel", "basis_network"]


def basis_network(problem, n_outputs: int, width: int, depth: int, activation: str, periodic_harmonics: int,
                  fourier_features: int, fourier_sigma: float, generator, dtype, device) -> Network:
    """An MLP ``(N, d) -> (N, n_outputs)`` over the problem's coordinates (normalised, exactly
    periodic where the problem is): the basis functions b(x)."""
    dom = problem.domain
    encoding = InputEncoding(dom.names, dom.lows, dom.highs, problem.periodic, periodic_harmonics, 0,
                             fourier_features, fourier_sigma, generator, dtype, device)
    mlp = MLP(encoding.out_features, n_outputs, width, depth, activation, generator, dtype, device)
    return Network(encoding, mlp, tuple(f"b{i}" for i in range(n_outputs)))


class StitchedModel(nn.Module):
    """u_f(x) = b_f(x) . w_{k(x), f}: expert k(x) is the sub-domain holding x (:class:`ExpertSplit`);
    ``coefficients`` ``(E, n_fields * n_basis)`` is a buffer, saved and restored with the model."""

    def __init__(self, basis: Network, split: ExpertSplit, fields: tuple[str, ...], n_basis: int) -> None:
        super().__init__()
        self.basis, self.split, self.fields, self.n_basis = basis, split, tuple(fields), n_basis
        self.coords = basis.coords
        self.register_buffer("coefficients", torch.zeros(split.n_experts, len(fields) * n_basis,
                                                         dtype=torch.float64, device=next(basis.parameters()).device))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        b = self.basis(points)
        w = self.coefficients[self.split.assign(points)].to(b.dtype)
        return (b * w).reshape(len(points), len(self.fields), self.n_basis).sum(-1)

    def describe(self) -> str:
        return (f"hard-constrained u_f = b_f . w_f, {self.n_basis} basis functions per field, "
                f"{self.split.describe()}; basis network: {self.basis.describe()}")
