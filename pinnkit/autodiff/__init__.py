"""The shared residual kernels: derivatives of network outputs with respect to inputs, and
Jacobians of residuals with respect to network parameters.

Every solver asks these functions, and only these, for u, u_t, u_x, u_xx, Laplacians,
divergences and parameter Jacobians. Requests are named by derivative keys (see
:mod:`pinnkit.autodiff.keys`). Three interchangeable paths sit behind one interface:

* :mod:`.forward` (with :mod:`.taylor`, :mod:`.fast_jacobian`): one Taylor-jet pass through the
  networks pinnkit builds, up to second order, and per-point parameter Jacobians from one
  backward pass (the default wherever it applies; tanh MLPs go through the fused steps of
  :mod:`.fused`; 1.4x faster per burgers1d PINN step than nested autograd,
  ``benchmarks/native_loops.py``, 1 thread);
* :mod:`.nested`: batched nested autograd, any callable, any order (the fallback for modules
  the forward path does not know);
* :mod:`.generic`: torch.func (jvp / vmap, vmap(jacrev)), any callable: the oracle.

The tests hold all three to agreement within 1e-12 in float64; ``benchmarks/kernels.py``
measures them against each other.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

import torch

from pinnkit._validate import check_choice
from pinnkit.autodiff.forward import batch_jet_forward, unsupported_reason
from pinnkit.autodiff.generic import batch_jet
from pinnkit.autodiff.nested import batch_jet_nested
from pinnkit.autodiff.jacobian import parameter_jacobian
from pinnkit.autodiff.jet import Jet
from pinnkit.autodiff.keys import DerivativeSpec, gradient_keys, laplacian_keys, parse_keys
from pinnkit.autodiff.policy import generic_kernels

__all__ = [
    "Jet", "DerivativeSpec", "parse_keys", "derivatives", "gradient", "laplacian", "divergence",
    "hessian", "parameter_jacobian", "laplacian_keys", "gradient_keys",
]


METHODS = ("auto", "forward", "autograd", "func")


def derivatives(fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, coords: Iterable[str],
                fields: Iterable[str], keys: Iterable[str], chunk_size: int | None = None,
                method: str = "auto") -> Jet:
    """Evaluate the quantities named by ``keys`` (e.g. ``["u", "u_t", "u_xx"]``) at ``points``.

    ``fn`` maps points ``(N, d)`` (columns ordered as ``coords``) to outputs ``(N, m)``
    (columns ordered as ``fields``; ``(N,)`` for one field) pointwise: row n of the output
    depends on row n of the input only. Returns a :class:`Jet` of ``(N,)`` tensors on the
    points' device and dtype, differentiable with respect to ``fn``'s parameters.

    ``method``: ``"forward"`` (one Taylor-jet pass through a pinnkit network, see
    :mod:`pinnkit.autodiff.forward`), ``"autograd"`` (batched nested autograd, any callable),
    ``"func"`` (torch.func nested jvp under vmap, the generic oracle), ``"auto"`` (``"forward"``
    where it applies, else ``"autograd"``; see ``benchmarks/kernels.py``; ``"autograd"`` under
    ``PINNKIT_KERNELS=generic``, :mod:`.policy`). All agree to rounding
    (tests).
    """
    check_choice("derivative method", method, METHODS)
    if method == "auto" and generic_kernels():
        method = "autograd"
    spec = parse_keys(keys, tuple(coords), tuple(fields))
    _check_points(points, spec)
    if method == "func":
        return Jet(batch_jet(fn, points, spec, chunk_size=chunk_size), spec)
    if method in ("forward", "auto"):
        reason = unsupported_reason(fn, spec)
        if reason is None:
            return Jet(batch_jet_forward(fn, points, spec), spec)
        if method == "forward":
            raise ValueError(f"the forward derivative path cannot handle {reason}; use method='autograd'")
    return Jet(batch_jet_nested(fn, points, spec), spec)


def _check_points(points: torch.Tensor, spec: DerivativeSpec) -> None:
    if points.ndim != 2 or points.shape[1] != len(spec.coords):
        raise ValueError(f"points must have shape (N, {len(spec.coords)}) for coordinates {spec.coords}, "
                         f"got {tuple(points.shape)}")


def gradient(fn, points: torch.Tensor, coords: Iterable[str], fields: Iterable[str], field: str,
             along: Iterable[str] | None = None) -> torch.Tensor:
    """Gradient of ``field`` along ``along`` (default: all coordinates), shape ``(N, len(along))``."""
    coords = tuple(coords)
    keys = gradient_keys(field, along if along is not None else coords)
    jet = derivatives(fn, points, coords, fields, keys)
    return torch.stack([jet[k] for k in keys], dim=-1)


def laplacian(fn, points: torch.Tensor, coords: Iterable[str], fields: Iterable[str], field: str,
              along: Iterable[str] | None = None) -> torch.Tensor:
    """Laplacian of ``field`` over ``along`` (default: all coordinates), shape ``(N,)``."""
    coords = tuple(coords)
    keys = laplacian_keys(field, along if along is not None else coords)
    jet = derivatives(fn, points, coords, fields, keys)
    return sum(jet[k] for k in keys)


def divergence(fn, points: torch.Tensor, coords: Iterable[str], fields: Iterable[str],
               vector: Mapping[str, str]) -> torch.Tensor:
    """Divergence of the vector field whose component along coordinate ``c`` is field ``vector[c]``."""
    keys = [f"{field}_{c}" for c, field in vector.items()]
    jet = derivatives(fn, points, coords, fields, keys)
    return sum(jet[k] for k in keys)


def hessian(fn, points: torch.Tensor, coords: Iterable[str], fields: Iterable[str], field: str) -> torch.Tensor:
    """Hessian of ``field`` over all coordinates, shape ``(N, d, d)``."""
    coords = tuple(coords)
    keys = {(i, j): f"{field}_{coords[i]}{coords[j]}" for i in range(len(coords)) for j in range(len(coords))}
    jet = derivatives(fn, points, coords, fields, set(keys.values()))
    rows = [torch.stack([jet[keys[i, j]] for j in range(len(coords))], dim=-1) for i in range(len(coords))]
    return torch.stack(rows, dim=-2)
