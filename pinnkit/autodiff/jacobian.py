"""Per-point Jacobians with respect to network parameters (the N x P matrices of Gauss-Newton,
natural-gradient and TENG solvers).

For residual components r_k(x_n; theta) built from the network's derivatives at x_n,

    J[n, k, p] = d r_k(x_n; theta) / d theta_p,

computed with ``torch.func.jacrev`` over ``functional_call`` and batched over points with
``vmap`` (chunked, so memory stays bounded). Parameters are flattened in the order of
``module.named_parameters()`` (trainable ones only), as :func:`flat_parameters` returns them.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from pinnkit._validate import check_choice
from pinnkit.autodiff.fast_jacobian import DEFAULT_BUDGET_BYTES, fast_parameter_jacobian
from pinnkit.autodiff.forward import unsupported_reason
from pinnkit.autodiff.generic import point_jet
from pinnkit.autodiff.jet import Jet
from pinnkit.autodiff.keys import parse_keys
from pinnkit.autodiff.policy import generic_kernels

Residual = Callable[[Mapping[str, torch.Tensor]], torch.Tensor]


def flat_parameters(module: nn.Module) -> tuple[list[str], torch.Tensor]:
    """Names and the concatenated flat vector of the trainable parameters, in Jacobian order."""
    named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    return [n for n, _ in named], torch.cat([p.detach().reshape(-1) for _, p in named])


METHODS = ("auto", "forward", "func")


def parameter_jacobian(module: nn.Module, points: torch.Tensor, coords: Iterable[str], fields: Iterable[str],
                       keys: Iterable[str] = (), residual: Residual | None = None,
                       chunk_size: int | None = None, method: str = "auto",
                       budget_bytes: int = DEFAULT_BUDGET_BYTES, columns: torch.Tensor | None = None) -> torch.Tensor:
    """Jacobian of residuals (or of the raw outputs) with respect to the module's parameters.

    ``residual`` maps the derivatives named by ``keys`` to a tensor of shape ``(k,)`` per point
    (write it with ``torch.stack(..., dim=-1)`` so it also works batched). Without a residual
    the Jacobian of the ``m`` network outputs is returned. Result: ``(N, k, P)``.

    ``method``: ``"forward"`` (one jet pass and one backward pass per residual component, for
    networks :func:`pinnkit.autodiff.forward.unsupported_reason` accepts; chunks sized to stay
    near ``budget_bytes``), ``"func"`` (``vmap(jacrev)``, any module, the oracle), ``"auto"``
    (``"forward"`` where supported; ``"func"`` under ``PINNKIT_KERNELS=generic``). ``chunk_size``
    fixes the points per chunk. ``columns`` (indices into the flat parameter vector) returns only
    those columns, ``(N, k, len(columns))``;
    the forward method then never forms the others (TENG's random parameter subsets).
    """
    check_choice("Jacobian method", method, METHODS)
    if method == "auto" and generic_kernels():
        method = "func"
    coords, fields = tuple(coords), tuple(fields)
    spec = parse_keys(list(keys) if residual is not None else list(fields), coords, fields)
    reason = unsupported_reason(module, spec)
    if method == "forward" and reason is not None:
        raise ValueError(f"the forward Jacobian cannot handle {reason}; use method='func'")
    if method != "func" and reason is None:
        total = sum(p.numel() for p in module.parameters() if p.requires_grad)
        if columns is not None and 4 * len(columns) >= total:  # most columns: the full blocks are faster
            jac = fast_parameter_jacobian(module, points, spec, residual, chunk_size, budget_bytes)
            return jac[..., torch.as_tensor(columns, device=jac.device).long()]
        return fast_parameter_jacobian(module, points, spec, residual, chunk_size, budget_bytes, columns)
    jac = _func_parameter_jacobian(module, points, spec, residual, chunk_size)
    return jac if columns is None else jac[..., torch.as_tensor(columns, device=jac.device).long()]


def _func_parameter_jacobian(module: nn.Module, points: torch.Tensor, spec, residual: Residual | None,
                             chunk_size: int | None) -> torch.Tensor:
    fields = spec.fields
    trainable = {n: p.detach() for n, p in module.named_parameters() if p.requires_grad}
    frozen = {n: p.detach() for n, p in module.named_parameters() if not p.requires_grad}
    frozen.update(dict(module.named_buffers()))

    def per_point(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        def f(xx: torch.Tensor) -> torch.Tensor:
            return functional_call(module, {**params, **frozen}, (xx.unsqueeze(0),)).reshape(-1)

        jet = Jet(point_jet(f, x, spec), spec)
        if residual is None:
            return torch.stack([jet[name] for name in fields], dim=-1)
        return residual(jet).reshape(-1)

    blocks = vmap(jacrev(per_point), in_dims=(None, 0), chunk_size=chunk_size)(trainable, points)
    n = points.shape[0]
    return torch.cat([blocks[name].reshape(n, -1, trainable[name].numel()) for name in trainable], dim=-1)
