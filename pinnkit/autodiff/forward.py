"""The one-pass fast path: Taylor jets pushed through the ansatz networks pinnkit builds (tanh MLPs
through the fused steps of :mod:`.fused` in eager mode).

Supported: :class:`pinnkit.nn.Network` (normalisation, fixed or trainable periodic embedding,
random Fourier features, MLP with any activation of :data:`pinnkit.nn.ACTIVATIONS`) and
:class:`pinnkit.nn.HardConstraint` around one (``u = g + D N``; ``g`` and ``D`` are
parameter-free and differentiated by nested autograd). Derivatives up to second order, mixed
ones included. Anything else goes to the generic paths (:mod:`.nested`, :mod:`.generic`),
which also serve as the oracle in the tests.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from pinnkit.autodiff import fused, taylor
from pinnkit.autodiff.keys import DerivativeSpec
from pinnkit.autodiff.taylor import JetLayout
from pinnkit.nn import HardConstraint, Network
from pinnkit.nn.activations import Sin
from pinnkit.nn.build import InputEncoding
from pinnkit.nn.embeddings import FourierFeatures, PeriodicEmbedding, TrainablePeriodicEmbedding

_ACTIVATIONS: dict[type, taylor.ElementwiseDerivatives] = {nn.Tanh: taylor.d_tanh, nn.SiLU: taylor.d_silu,
                                                         nn.ReLU: taylor.d_relu}


def _activation(act: nn.Module) -> taylor.ElementwiseDerivatives | None:
    if isinstance(act, Sin):
        return taylor.d_sin
    if isinstance(act, nn.GELU):
        return taylor.d_gelu if act.approximate == "none" else None
    if isinstance(act, nn.Softplus):
        return taylor.d_softplus if act.beta == 1 and act.threshold >= 20 else None
    return _ACTIVATIONS.get(type(act))


def unsupported_reason(module, spec: DerivativeSpec | None = None) -> str | None:
    """Why the fast path cannot evaluate ``module`` (for ``spec``), or ``None`` when it can."""
    if spec is not None and spec.max_order > 2:
        return f"derivatives of order {spec.max_order} (the fast path stops at 2)"
    if isinstance(module, HardConstraint):
        return unsupported_reason(module.network)
    if not isinstance(module, Network):
        return f"{type(module).__name__} is not a pinnkit Network or HardConstraint"
    enc = module.encoding
    if type(enc) is not InputEncoding or type(enc.periodic) not in (type(None), PeriodicEmbedding,
                                                                   TrainablePeriodicEmbedding):
        return "a custom input encoding"
    if enc.fourier is not None and type(enc.fourier) is not FourierFeatures:
        return "custom Fourier features"
    if _activation(module.mlp.act) is None:
        return f"activation {module.mlp.act!r}"
    if any(type(layer) is not nn.Linear for layer in module.mlp.layers):
        return "MLP layers other than nn.Linear"
    return None


class Parameters:
    """Hands parameters to the traversal; :class:`pinnkit.autodiff.fast_jacobian` records through it."""

    def linear(self, jet: taylor.TaylorJet, layer: nn.Linear) -> taylor.TaylorJet:
        return taylor.affine(jet, layer.weight, layer.bias)

    def tensor(self, owner: nn.Module, name: str) -> torch.Tensor:
        return getattr(owner, name)


def network_jet(module: nn.Module, points: torch.Tensor, layout: JetLayout,
                params: Parameters | None = None) -> taylor.TaylorJet:
    """The jet of the module's outputs at ``points`` (see :mod:`.taylor`)."""
    params = params or Parameters()
    if isinstance(module, HardConstraint):
        inner = network_jet(module.network, points, layout, params)
        g = function_jet(module.particular, points, layout)
        d = function_jet(module.distance, points, layout)
        return taylor.add(g, taylor.product(d, inner, layout))
    mlp, act = module.mlp, _activation(module.mlp.act)
    fast = type(params) is Parameters and fused.usable(mlp, layout)  # not the Jacobian recorder
    seed = taylor.seed(points, layout)
    enc = module.encoding
    if fast and points.device.type == "cpu" and enc.periodic is None and enc.fourier is None:
        seed = seed._replace(first=seed.first[:, :1])  # (D, 1, d): the fused MLP skips their matmul
    jet = _encoding_jet(enc, seed, layout, params)
    if fast:
        return fused.mlp_jet(mlp, jet, layout)
    for layer in mlp.layers[:-1]:
        jet = taylor.elementwise(params.linear(jet, layer), layout, act)
    return params.linear(jet, mlp.layers[-1])


def _encoding_jet(enc, jet: taylor.TaylorJet, layout: JetLayout, params: Parameters) -> taylor.TaylorJet:
    low, high = enc.normalize.lows.to(jet.value.dtype), enc.normalize.highs.to(jet.value.dtype)
    jet = taylor.add_to_value(taylor.scale(jet, 2 / (high - low)), -2 * low / (high - low) - 1)
    parts = []
    if enc.periodic is not None:
        emb = enc.periodic
        cols = enc.periodic_cols
        if isinstance(emb, TrainablePeriodicEmbedding):
            theta = jet.map(lambda r: (r[..., cols] * emb.omega).unsqueeze(-1).expand(*r.shape[:-1], len(cols),
                                                                                      emb.m))
            theta = taylor.add_to_value(theta, params.tensor(emb, "phase"))
            wave = taylor.scale(taylor.elementwise(theta, layout, taylor.d_cos), params.tensor(emb, "amplitude"))
            parts.append(taylor.add_to_value(wave, params.tensor(emb, "offset")).map(lambda r: r.flatten(-2)))
        else:
            harmonics = emb.harmonics.to(jet.value.dtype)
            theta = jet.map(lambda r: (r[..., cols] * emb.omega).unsqueeze(-1) * harmonics)
            waves = taylor.cat([taylor.elementwise(theta, layout, taylor.d_cos),
                                taylor.elementwise(theta, layout, taylor.d_sin)])
            parts.append(waves.map(lambda r: r.flatten(-2)))
    if enc.plain_cols:
        x = jet.map(lambda r: r[..., enc.plain_cols])
        if enc.fourier is not None:
            z = x.map(lambda r: torch.matmul(r, enc.fourier.B))
            x = taylor.cat([taylor.elementwise(z, layout, taylor.d_cos), taylor.elementwise(z, layout, taylor.d_sin)])
        parts.append(x)
    return taylor.cat(parts)


def function_jet(fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor,
                 layout: JetLayout) -> taylor.TaylorJet:
    """Jet of a parameter-free pointwise function ``(N, d) -> (N, m)``, by nested autograd."""
    x = points.detach().requires_grad_(True)
    with torch.enable_grad():
        out = fn(x)
        out = out.reshape(len(points), -1)
        rows = [[out[:, j] for j in range(out.shape[1])]]
        grads = [_grad(out[:, j], x) for j in range(out.shape[1])]
        for axis in layout.dirs:
            rows.append([g[:, axis] for g in grads])
        for a, b in layout.pairs:
            rows.append([_grad(g[:, layout.dirs[a]], x)[:, layout.dirs[b]] for g in grads])
    rows = [torch.stack(r, dim=-1).detach() for r in rows]
    d = len(layout.dirs)
    return taylor.TaylorJet(rows[0], torch.stack(rows[1 : 1 + d]) if d else None,
                            torch.stack(rows[1 + d :]) if layout.pairs else None)


def _grad(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    if not y.requires_grad:
        return torch.zeros_like(x)
    g = torch.autograd.grad(y.sum(), x, create_graph=True, allow_unused=True)[0]
    return torch.zeros_like(x) if g is None else g


def values_from_jet(jet: taylor.TaylorJet, points: torch.Tensor, spec: DerivativeSpec,
                    layout: JetLayout) -> dict[str, torch.Tensor]:
    """The ``(N,)`` tensors named by ``spec`` read off a stacked jet."""
    out = {}
    for p in spec.partials:
        if p.field < 0:
            out[p.key] = points[:, p.axes[0]]
        elif not p.axes:
            out[p.key] = jet.value[:, p.field]
        elif len(p.axes) == 1:
            out[p.key] = jet.first[layout.first_index(p.axes[0]), :, p.field]
        elif jet.second is None:  # a network that is affine in its inputs
            out[p.key] = torch.zeros_like(jet.value[:, p.field])
        else:
            out[p.key] = jet.second[layout.second_index(*p.axes), :, p.field]
    return out


def batch_jet_forward(module: nn.Module, points: torch.Tensor, spec: DerivativeSpec) -> dict[str, torch.Tensor]:
    """Every quantity of ``spec`` at each row of ``points`` by one forward jet pass."""
    layout = taylor.layout_for(spec.multi_indices)
    return values_from_jet(network_jet(module, points, layout), points, spec, layout)
