"""A fused tanh-MLP step for the forward jet (eager mode): fewer kernels, one matmul per layer.

:mod:`.taylor` writes the jet rules as separate tensor operations; autograd then records each
product and replays it in the backward pass, with slice gradients that materialise zeros. On a
CPU this is memory bound (the jet of a 64-wide layer at N = 4096 is several MB per row, more
than the caches hold), so the cost is set by the number of passes over memory. Here

* the jet of a hidden layer is one stacked tensor ``(K, N, w)`` (rows: value, the D first
  derivatives, the Q second derivatives, as in :class:`~.taylor.JetLayout`), so a linear layer
  is one matmul over ``K N`` rows and its gradient two, with no concatenation;
* ``y = tanh(z + b)`` with its first and second derivative rows is one autograd
  :class:`TanhJet` whose backward is written by hand: it saves only its input and ``tanh(z)``,
  recomputes ``1 - tanh^2`` and spends about a dozen elementwise passes (in place where it can),
  against about twice as many, plus zero fills, for the generic rules.

With ``s = tanh(z)``, ``d1 = 1 - s^2`` (so ``f'' = -2 s d1``, ``f''' = -2 d1 (1 - 3 s^2)``):

    forward:   ds_i = d1 dz_i,    qs_q = d1 (qz_q - 2 s dz_a dz_b)     for pair q = (a, b)
    backward:  gqz_q = d1 gqs_q,  gdz_i = d1 gds_i - 2 s sum_{q = (i, b)} gqz_q dz_b (and (a, i)),
               gz = d1 gs - 2 s (sum_i gdz_i dz_i + sum_q gqz_q qz_q) - 2 (1 - 3 s^2) sum_q gqz_q dz_a dz_b

(``gdz`` in the last line before its pair terms). First-order backward only: the PINN loss and
the Gauss-Newton Jacobians need no more; a second backward through it raises. Device-agnostic
(plain tensor operations); under ``torch.compile`` :func:`mlp_jet` is not used (the compiler
fuses the generic rules better, see :func:`usable`).
"""
from __future__ import annotations

import torch
from torch import nn

from pinnkit.autodiff.taylor import JetLayout, TaylorJet, diagonal_run, pair_products

CHUNK_BYTES = 2 << 20  # CPU only: about the L2 cache; measured 1.0-1.3x faster than unchunked at N >= 4096
Pairs = tuple[tuple[int, int], ...]


class TanhJet(torch.autograd.Function):
    """Jet of ``tanh(z + b)``; returns the stacked ``(1 + D + Q, N, w)`` output jet.

    Inputs either stacked (``z`` of shape ``(1 + D + Q, N, w)``, ``dz = qz = None``) or in parts
    (``z`` the value ``(N, w)``, ``dz`` ``(D, N, w)`` or ``(D, 1, w)``, ``qz`` ``(Q, N, w)`` or
    ``None`` when identically zero). ``bias``: ``(w,)`` or ``None``; ``pairs``: positions into
    the D directions, as in :class:`~.taylor.JetLayout`.
    """

    @staticmethod
    def forward(ctx, z, dz, qz, bias, d: int, pairs: Pairs):
        stacked = dz is None
        if stacked:
            v, dz, qz = z[0], z[1 : 1 + d], (z[1 + d :] if pairs else None)
        else:
            v = z
        n, w = v.shape
        out = v.new_empty(1 + d + len(pairs), n, w)
        s = out[0]
        if bias is None:
            torch.tanh(v, out=s)
        else:
            torch.add(v, bias, out=s)
            s.tanh_()
        d1 = torch.addcmul(s.new_ones(()), s, s, value=-1)  # 1 - s^2
        torch.mul(dz, d1, out=out[1 : 1 + d])
        if pairs:
            qs = out[1 + d :]
            pp = pair_products(dz, dz, pairs, qs if dz.shape[1] == n else None)
            if qz is None:  # first layer: qs = -2 s d1 dz_a dz_b
                torch.mul(pp, torch.mul(s, d1).mul_(-2), out=qs)
            else:
                torch.addcmul(qz, pp, s, value=-2, out=qs)  # pp is qs or broadcasts into it
                qs.mul_(d1)
        ctx.d, ctx.pairs, ctx.stacked = d, pairs, stacked
        ctx.bias_shape = None if bias is None else bias.shape
        if stacked:
            ctx.save_for_backward(out, z, None)
        else:
            ctx.save_for_backward(out, dz, qz)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, gout):
        out, a, b = ctx.saved_tensors
        d, pairs = ctx.d, ctx.pairs
        q = len(pairs)
        if ctx.stacked:
            dz, qz = a[1 : 1 + d], (a[1 + d :] if q else None)
            grad = torch.empty_like(a)
            gz, gdz, gqz = grad[0], grad[1 : 1 + d], grad[1 + d :]
        else:
            dz, qz = a, b
            grad = None
            gz = torch.empty_like(out[0])
            gdz = torch.empty_like(out[1 : 1 + d])
            gqz = torch.empty_like(out[1 + d :]) if q else None
        s = out[0]
        gs, gds, gqs = gout[0], gout[1 : 1 + d], gout[1 + d :]
        s2 = s * s
        d1 = torch.rsub(s2, 1)
        torch.mul(gds, d1, out=gdz)
        e = gdz[0] * dz[0]  # sum_i gdz_i dz_i (before the pair terms), + sum_q gqz_q qz_q
        for i in range(1, d):
            e.addcmul_(gdz[i], dz[i])
        c = None  # sum_q gqz_q dz_a dz_b
        if q:
            torch.mul(gqs, d1, out=gqz)
            if qz is not None:
                for k in range(q):
                    e.addcmul_(gqz[k], qz[k])
            run = diagonal_run(pairs)
            if run is not None:
                dz_run = dz[run[0] : run[1]]
                u = gqz * dz_run
                gdz[run[0] : run[1]].addcmul_(u, s, value=-4)
                c = u.mul_(dz_run)
                c = c[0] if q == 1 else c.sum(0)
            else:
                for k, (i, j) in enumerate(pairs):
                    u = gqz[k] * dz[j]
                    c = u * dz[i] if c is None else c.addcmul_(u, dz[i])
                    if i == j:
                        gdz[i].addcmul_(u, s, value=-4)
                    else:
                        gdz[i].addcmul_(u, s, value=-2)
                        gdz[j].addcmul_(gqz[k] * dz[i], s, value=-2)
        torch.mul(gs, d1, out=gz)
        gz.addcmul_(s, e, value=-2)
        if c is not None:
            gz.add_(c, alpha=-2)
            gz.addcmul_(s2, c, value=6)
        gbias = None
        if ctx.needs_input_grad[3]:
            gbias = gz.sum(0).reshape(ctx.bias_shape)
        if ctx.stacked:
            return grad, None, None, gbias, None, None
        if dz.shape != gdz.shape:
            gdz = gdz.sum_to_size(dz.shape)
        return (gz if ctx.needs_input_grad[0] else None, gdz if ctx.needs_input_grad[1] else None,
                gqz if ctx.needs_input_grad[2] else None, gbias, None, None)


class InputLinear(torch.autograd.Function):
    """``x W^T`` for a narrow input ``x`` (``(..., d)``, d a few coordinates): autograd's ``g^T x``
    for the weight gradient is a slow matrix shape there (measured 3-8x slower than ``(x^T g)^T``)."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return torch.matmul(x, weight.t())

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        gx = torch.matmul(g, weight) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            gw = torch.mm(x.reshape(-1, x.shape[-1]).t(), g.reshape(-1, g.shape[-1])).t()
        return gx, gw


def usable(mlp: nn.Module, layout: JetLayout) -> bool:
    """Whether :func:`mlp_jet` applies: tanh, at least one hidden layer and one direction, eager mode
    outside torch.func transforms (vmap cannot batch the in-place ``out=`` kernels)."""
    return (type(mlp.act) is nn.Tanh and len(mlp.layers) >= 2 and bool(layout.dirs)
            and not torch.compiler.is_compiling() and not _inside_functorch_transform())


def _inside_functorch_transform() -> bool:
    """Whether a torch.func transform (vmap, grad, jacrev ...) is active. torch has no public query;
    this asks its private functorch level and says True (generic path) if that API is gone."""
    level = getattr(getattr(torch._C, "_functorch", None), "maybe_current_level", None)
    return level is None or level() is not None


def mlp_jet(mlp: nn.Module, jet: TaylorJet, layout: JetLayout) -> TaylorJet:
    """The jet of a tanh MLP's outputs given the jet of its inputs (see :func:`usable`).

    Points are independent, so on the CPU large batches go through in chunks whose stacked hidden
    jets stay under :data:`CHUNK_BYTES`: the elementwise passes then hit the caches (measured).
    """
    n = jet.value.shape[0]
    if jet.value.device.type != "cpu":
        return _mlp_jet(mlp, jet, layout)
    rows = layout.size * max(layer.weight.shape[0] for layer in mlp.layers) * jet.value.element_size()
    chunk = max(1, CHUNK_BYTES // rows)
    if n <= chunk:
        return _mlp_jet(mlp, jet, layout)
    parts = [_mlp_jet(mlp, _points(jet, slice(i, i + chunk)), layout) for i in range(0, n, chunk)]
    return TaylorJet(torch.cat([p.value for p in parts]), torch.cat([p.first for p in parts], dim=1),
                     None if parts[0].second is None else torch.cat([p.second for p in parts], dim=1))


def _points(jet: TaylorJet, rows: slice) -> TaylorJet:
    def cut(t):
        return None if t is None else t if t.shape[-2] == 1 else t[..., rows, :]

    return TaylorJet(jet.value[rows], cut(jet.first), cut(jet.second))


def _mlp_jet(mlp: nn.Module, jet: TaylorJet, layout: JetLayout) -> TaylorJet:
    d, pairs = len(layout.dirs), layout.pairs
    layers = mlp.layers
    weight = layers[0].weight
    lin = InputLinear.apply
    h = TanhJet.apply(lin(jet.value, weight), lin(jet.first, weight),
                      None if jet.second is None else lin(jet.second, weight), layers[0].bias, d, pairs)
    for layer in layers[1:-1]:
        k, n, w = h.shape
        z = torch.mm(h.view(k * n, w), layer.weight.t()).view(k, n, -1)
        h = TanhJet.apply(z, None, None, layer.bias, d, pairs)
    last = layers[-1]
    k, n, w = h.shape
    y = torch.mm(h.view(k * n, w), last.weight.t()).view(k, n, -1)
    value, first, second = y.split([1, d, len(pairs)])
    value = value[0] if last.bias is None else value[0] + last.bias
    return TaylorJet(value, first, second if pairs else None)
