"""Per-point parameter Jacobians in one forward jet pass and one backward pass per residual.

Points are independent, so for ``R = sum_n r(x_n)`` the gradient of ``R`` with respect to a
layer's output at point ``n`` is the gradient of ``r(x_n)`` alone. For an affine layer
``Y_k = H_k W^T + [k = 0] b`` applied to every jet component ``k``,

    d r(x_n) / d W = sum_k  (dR/dY_k[n])^T H_k[n],      d r(x_n) / d b = dR/dY_0[n],

an outer product per point (the per-example-gradient identity of Goodfellow 2015, "Efficient
per-example gradient computations", applied to jet components). Small parameter tensors (the
trainable periodic embedding) are expanded to one copy per point so the same backward pass
returns their per-point gradients. Chunked over points to bound memory.
"""
from __future__ import annotations

from typing import Callable, Mapping

import torch
from torch import nn

from pinnkit.autodiff import taylor
from pinnkit.autodiff.forward import Parameters, network_jet, values_from_jet
from pinnkit.autodiff.jet import Jet
from pinnkit.autodiff.keys import DerivativeSpec

Residual = Callable[[Mapping[str, torch.Tensor]], torch.Tensor]

DEFAULT_BUDGET_BYTES = 1 << 30


class _Recorder(Parameters):
    """Uses detached parameters and keeps what the per-point gradients need."""

    def __init__(self, n: int) -> None:
        self.n = n
        # id(weight) and id(bias) -> (input jet, output jet)
        self.linear_records: dict[int, tuple[taylor.TaylorJet, taylor.TaylorJet]] = {}
        self.expanded: dict[int, torch.Tensor] = {}  # id(param) -> (N, *shape) leaf

    def linear(self, jet: taylor.TaylorJet, layer: nn.Linear) -> taylor.TaylorJet:
        bias = layer.bias.detach() if layer.bias is not None else None
        out = taylor.affine(jet, layer.weight.detach(), bias)
        out = taylor.TaylorJet(*(None if r is None else r if r.requires_grad else r.detach().requires_grad_(True)
                                 for r in out))
        inputs = taylor.TaylorJet(*(None if r is None else r.detach() for r in jet))
        self.linear_records[id(layer.weight)] = (inputs, out)
        if layer.bias is not None:
            self.linear_records[id(layer.bias)] = self.linear_records[id(layer.weight)]
        return out

    def tensor(self, owner: nn.Module, name: str) -> torch.Tensor:
        p = getattr(owner, name)
        if not p.requires_grad:
            return p
        leaf = p.detach().unsqueeze(0).expand(self.n, *p.shape).clone().requires_grad_(True)
        self.expanded[id(p)] = leaf
        return leaf


def fast_parameter_jacobian(module: nn.Module, points: torch.Tensor, spec: DerivativeSpec,
                            residual: Residual | None, chunk_size: int | None = None,
                            budget_bytes: int = DEFAULT_BUDGET_BYTES,
                            columns: torch.Tensor | None = None) -> torch.Tensor:
    """``J[n, k, p] = d r_k(x_n) / d theta_p`` (or of the raw outputs without ``residual``): ``(N, k, P)``.

    ``columns`` (indices into the flat parameters) computes only those columns: ``(N, k, len(columns))``.
    """
    named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
    total = sum(p.numel() for _, p in named) if columns is None else len(columns)
    layout = taylor.layout_for(spec.multi_indices)
    n = points.shape[0]
    if columns is not None:
        columns = torch.as_tensor(columns, device=points.device).long()
    if chunk_size is None:
        hidden = sum(p.shape[0] for _, p in named if p.ndim == 2)
        per_point = (total * 4 + layout.size * 8 * hidden) * points.element_size()
        chunk_size = max(1, min(n, budget_bytes // max(per_point, 1)))
    first = _jacobian_chunk(module, points[:chunk_size], spec, layout, residual, named, columns)
    if chunk_size >= n:
        return first
    jac = first.new_empty(n, *first.shape[1:])
    jac[:chunk_size] = first
    for i in range(chunk_size, n, chunk_size):
        _jacobian_chunk(module, points[i : i + chunk_size], spec, layout, residual, named, columns,
                        out=jac[i : i + chunk_size])
    return jac


def _jacobian_chunk(module, points, spec, layout, residual, named, columns=None,
                    out: torch.Tensor | None = None) -> torch.Tensor:
    n = points.shape[0]
    rec = _Recorder(n)
    with torch.enable_grad():
        jet = network_jet(module, points.detach(), layout, rec)
        values = values_from_jet(jet, points, spec, layout)
        if residual is None:
            r = torch.stack([values[f] for f in spec.fields], dim=-1)
        else:
            r = residual(Jet(values, spec)).reshape(n, -1)
    missing = [name for name, p in named if id(p) not in rec.linear_records and id(p) not in rec.expanded]
    if missing:
        raise NotImplementedError(f"the fast Jacobian does not see parameters {missing}")
    layers = {id(rec.linear_records[id(p)][1]): rec.linear_records[id(p)][1]
              for _, p in named if id(p) in rec.linear_records}
    targets = [part for out in layers.values() for part in out if part is not None]
    targets += [rec.expanded[id(p)] for _, p in named if id(p) in rec.expanded]
    sizes = [p.numel() for _, p in named]
    offsets = [sum(sizes[:i]) for i in range(len(sizes))]
    width = sum(sizes) if columns is None else len(columns)
    jac = points.new_empty(n, r.shape[1], width) if out is None else out  # empty: first touch is costly
    for k in range(r.shape[1]):
        if not r[:, k].requires_grad:
            jac[:, k].zero_()
            continue
        grads = torch.autograd.grad(r[:, k].sum(), targets, retain_graph=k + 1 < r.shape[1], allow_unused=True)
        grads = {id(t): g for t, g in zip(targets, grads)}
        if columns is not None:
            _write_columns(jac[:, k], columns, named, offsets, sizes, rec, grads)
            continue
        for (_, p), start, size in zip(named, offsets, sizes):
            block = jac[:, k, start : start + size]
            if id(p) in rec.expanded:
                _write(block, grads[id(rec.expanded[id(p)])])
                continue
            inp, out = rec.linear_records[id(p)]
            if p.ndim == 1:  # bias: enters the value only
                _write(block, grads[id(out.value)])
                continue
            block = block.view(n, *p.shape)  # weight (out, in): per point, sum over jet rows of outer products
            pairs = _row_pairs(inp, out, grads)
            if not pairs:
                block.zero_()
            for j, (g_row, h_row) in enumerate(pairs):
                if j == 0:
                    torch.mul(g_row.unsqueeze(2), h_row.unsqueeze(1), out=block)
                else:
                    block.addcmul_(g_row.unsqueeze(2), h_row.unsqueeze(1))
    return jac


def _write(block: torch.Tensor, grad: torch.Tensor | None) -> None:
    if grad is None:
        block.zero_()
    else:
        block.copy_(grad.reshape(block.shape))


def _write_columns(dest: torch.Tensor, columns: torch.Tensor, named, offsets, sizes, rec: _Recorder,
                   grads: dict) -> None:
    """Only the requested columns: weight entry (i, j) is ``sum_k g_k[:, i] h_k[:, j]``."""
    n = dest.shape[0]
    dest.zero_()
    for (_, p), start, size in zip(named, offsets, sizes):
        where = ((columns >= start) & (columns < start + size)).nonzero().squeeze(1)
        if where.numel() == 0:
            continue
        q = columns[where] - start
        if id(p) in rec.expanded:
            g = grads[id(rec.expanded[id(p)])]
            if g is not None:
                dest[:, where] = g.reshape(n, -1)[:, q]
            continue
        inp, out = rec.linear_records[id(p)]
        if p.ndim == 1:
            if grads[id(out.value)] is not None:
                dest[:, where] = grads[id(out.value)][:, q]
            continue
        i, j = q // p.shape[1], q % p.shape[1]
        terms = [g_row[:, i] * h_row[:, j] for g_row, h_row in _row_pairs(inp, out, grads)]
        if terms:
            dest[:, where] = sum(terms)


def _row_pairs(inp: taylor.TaylorJet, out: taylor.TaylorJet, grads: dict) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(gradient of an output row, the input row it came from) for every jet row that has a gradient."""
    pairs = []
    for h_part, y_part in zip(inp, out):
        if y_part is None or grads.get(id(y_part)) is None:
            continue
        g_part = grads[id(y_part)]
        if y_part is out.value:
            pairs.append((g_part, h_part))
        else:
            pairs += list(zip(g_part.unbind(0), h_part.unbind(0)))
    return pairs
