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
    sizes = [p.numel() for _, p in named]
    offsets = [sum(sizes[:i]) for i in range(len(sizes))]
    total = sum(sizes) if columns is None else len(columns)
    layout = taylor.layout_for(spec.multi_indices)
    n = points.shape[0]
    if columns is not None:
        columns = torch.as_tensor(columns, device=points.device).long()
    if chunk_size is None:
        chunk_size = _default_chunk(n, named, total, layout, points, budget_bytes)
    chunk_size = max(1, int(chunk_size))
    jac = None
    workspace: dict = {}  # buffers reused by every chunk (fresh allocations cost page faults on the CPU)
    for i in range(0, max(n, 1), chunk_size):
        jac = _jacobian_chunk(module, points[i : i + chunk_size], spec, layout, residual, named, offsets, sizes,
                              columns, jac=jac, start=i, total_points=n, workspace=workspace)
    return jac


# On the CPU, chunks are also kept small enough that the stacked jet of the widest layer
# (K rows x chunk x width) stays near this size, so the forward jet, the backward pass and the
# per-point outer products work in cache (heat1d 64 x 3, N = 4096, one CPU thread: 512-1024 points per
# chunk beat 4096 by ~1.1x in float32 and ~1.3x in float64).
_CPU_CACHE_BYTES = 1 << 20


def _default_chunk(n: int, named, total: int, layout: taylor.JetLayout, points: torch.Tensor,
                   budget_bytes: int) -> int:
    widths = [p.shape[0] for _, p in named if p.ndim == 2]
    per_point = (total * 4 + layout.size * 8 * sum(widths)) * points.element_size()
    chunk = max(1, min(n, budget_bytes // max(per_point, 1)))
    if points.device.type == "cpu":
        row = layout.size * max(widths, default=1) * points.element_size()
        chunk = min(chunk, max(64, _CPU_CACHE_BYTES // row))
    return chunk


def _jacobian_chunk(module, points, spec, layout, residual, named, offsets, sizes, columns=None,
                    jac: torch.Tensor | None = None, start: int = 0, total_points: int | None = None,
                    workspace: dict | None = None) -> torch.Tensor:
    """Fills rows ``start : start + len(points)`` of ``jac`` (allocated here, for ``total_points``, when ``None``)."""
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
    width = sum(sizes) if columns is None else len(columns)
    if jac is None:  # empty: the first touch is costly, every entry is written below
        jac = points.new_empty(n if total_points is None else total_points, r.shape[1], width)
    dest = jac[start : start + n]
    workspace = {} if workspace is None else workspace
    inputs: dict = {}  # stacked input rows, shared by the residual components
    for k in range(r.shape[1]):
        if not r[:, k].requires_grad:
            dest[:, k].zero_()
            continue
        grads = torch.autograd.grad(r[:, k].sum(), targets, retain_graph=k + 1 < r.shape[1], allow_unused=True)
        grads = {id(t): g for t, g in zip(targets, grads)}
        if columns is not None:
            _write_columns(dest[:, k], columns, named, offsets, sizes, rec, grads, inputs, workspace)
            continue
        for (_, p), offset, size in zip(named, offsets, sizes):
            block = dest[:, k, offset : offset + size]
            if id(p) in rec.expanded:
                _write(block, grads[id(rec.expanded[id(p)])])
                continue
            inp, out = rec.linear_records[id(p)]
            if p.ndim == 1:  # bias: enters the value only
                _write(block, grads[id(out.value)])
                continue
            # weight (out, in): per point, sum over jet rows of outer products = G[n]^T H[n], one bmm
            # written straight into the output
            g, h = _stacked_rows(inp, out, grads, inputs, workspace, id(p))
            if g is None:
                block.zero_()
            else:
                _outer_sums(g, h, block.view(n, *p.shape), workspace)
    return jac


# torch.bmm runs one batched GEMM only into a contiguous result; into the strided blocks of the
# output it loops over the points. On the CPU the products go through a contiguous scratch of
# about L2 size, then one copy per block of points (float32 heat1d, 64 x 64 weight, N = 4096:
# 16 ms -> 12 ms; float64 30 ms -> 23 ms).
_SCRATCH_BYTES = 1 << 20


def _outer_sums(g: torch.Tensor, h: torch.Tensor, block: torch.Tensor, workspace: dict) -> None:
    """``block[n] = sum_r g[r, n]^T h[r, n]`` for ``g (R, N, out)``, ``h (R, N, in)``, one batched product
    over the points (strided operands, no copies)."""
    gt, h = g.permute(1, 2, 0), h.transpose(0, 1)
    n, rows, cols = block.shape
    if block.device.type != "cpu" or block.is_contiguous():
        torch.bmm(gt, h, out=block)
        return
    scratch = _buffer(workspace, "scratch", max(_SCRATCH_BYTES // block.element_size(), rows * cols), block)
    step = scratch.numel() // (rows * cols)
    for i in range(0, n, step):
        m = min(step, n - i)
        buf = scratch[: m * rows * cols].view(m, rows, cols)
        torch.bmm(gt[i : i + m], h[i : i + m], out=buf)
        block[i : i + m].copy_(buf)


def _buffer(workspace: dict, key, numel: int, like: torch.Tensor) -> torch.Tensor:
    """A flat buffer of at least ``numel`` entries kept in ``workspace`` under ``key``."""
    buf = workspace.get(key)
    if buf is None or buf.numel() < numel:
        buf = workspace[key] = like.new_empty(numel)
    return buf[:numel]


def _write(block: torch.Tensor, grad: torch.Tensor | None) -> None:
    if grad is None:
        block.zero_()
    else:
        block.copy_(grad.reshape(block.shape))


def _write_columns(dest: torch.Tensor, columns: torch.Tensor, named, offsets, sizes, rec: _Recorder,
                   grads: dict, inputs: dict, workspace: dict) -> None:
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
        g, h = _stacked_rows(inp, out, grads, inputs, workspace, id(p))
        if g is not None:
            i, j = q // p.shape[1], q % p.shape[1]
            dest[:, where] = (g[:, :, i] * h[:, :, j]).sum(0)


def _stacked_rows(inp: taylor.TaylorJet, out: taylor.TaylorJet, grads: dict, inputs: dict, workspace: dict,
                  layer_key: int):
    """``(G, H)``: the gradients of a layer's output jet rows, ``(R, N, out)``, and the input rows they
    came from, ``(R, N, in)``, over the ``R`` rows that have a gradient; ``(None, None)`` when none has.
    Stacked along the row axis (plain copies into buffers of ``workspace``); ``inputs`` caches ``H`` (it
    does not depend on the residual component)."""
    g_parts, h_parts, used = [], [], []
    for part, (h_part, y_part) in enumerate(zip(inp, out)):
        g_part = None if y_part is None else grads.get(id(y_part))
        if g_part is None:
            continue
        used.append(part)
        g_parts.append(g_part.unsqueeze(0) if part == 0 else g_part)  # the value is (N, w), the others (R, N, w)
        h_parts.append(h_part.unsqueeze(0) if part == 0 else h_part)
    if not used:
        return None, None
    key = (id(out.value), tuple(used))
    h = inputs.get(key)
    if h is None:
        h = inputs[key] = _stack(h_parts, workspace, ("h", layer_key, key[1]))
    return _stack(g_parts, workspace, ("g", layer_key)), h


def _stack(parts: list[torch.Tensor], workspace: dict, key) -> torch.Tensor:
    """``torch.cat(parts)`` (along the first axis) into a buffer of ``workspace``."""
    shape = (sum(p.shape[0] for p in parts), *parts[0].shape[1:])
    numel = 1
    for size in shape:
        numel *= size
    out = _buffer(workspace, key, numel, parts[0]).view(shape)
    return torch.cat(parts, out=out)
