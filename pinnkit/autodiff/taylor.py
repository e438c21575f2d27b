"""Second-order Taylor jets pushed forward through a network in one pass.

The jet of a hidden tensor ``h(x)`` (shape ``(N, w)``) over input directions ``dirs`` and
second-order pairs ``pairs`` is a :class:`TaylorJet` of three tensors:

    value = h  (N, w),   first[i] = dh/dx_{dirs[i]}  (D, N, w),   second[q] = d2h/dx_a dx_b  (Q, N, w)

for ``(a, b) = pairs[q]``; ``second`` is ``None`` while it is identically zero (before the
first nonlinearity). Rules (chain rule to second order; Li et al. 2023, "Forward Laplacian",
generalised from the trace to individual pairs, i.e. second-order Taylor mode, Griewank &
Walther 2008, ch. 13):

* affine ``y = h W^T + b``:  every part is multiplied by ``W^T``; ``b`` enters ``value`` only;
* elementwise ``y = f(h)``: ``y = f(h)``, ``y_i = f'(h) h_i``, ``y_ab = f'(h) h_ab + f''(h) h_a h_b``.

Only the directions and pairs a residual asks for are propagated (``u_t, u_x, u_xx``: D = 2,
Q = 1). The derivative parts are stacked so each rule is one kernel whatever D and Q are: the
eager cost is set by the number of kernels for narrow networks, by memory traffic for wide ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import torch

ElementwiseDerivatives = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class JetLayout:
    """What a jet holds: derivatives along input columns ``dirs`` and pairs of positions in ``dirs``."""

    dirs: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]  # positions into dirs, a <= b

    @property
    def size(self) -> int:
        return 1 + len(self.dirs) + len(self.pairs)

    def first_index(self, axis: int) -> int:
        return self.dirs.index(axis)

    def second_index(self, axis_a: int, axis_b: int) -> int:
        a, b = sorted((self.dirs.index(axis_a), self.dirs.index(axis_b)))
        return self.pairs.index((a, b))


def layout_for(multi_indices) -> JetLayout:
    """The smallest layout holding the given derivative multi-indices (orders 0 to 2)."""
    dirs = sorted({axis for axes in multi_indices for axis in axes})
    pairs = sorted({tuple(sorted((dirs.index(a[0]), dirs.index(a[1])))) for a in multi_indices if len(a) == 2})
    return JetLayout(tuple(dirs), tuple(pairs))


Rows = list  # a jet: K tensors of equal shape, row order as in :class:`JetLayout`


class TaylorJet(NamedTuple):
    value: torch.Tensor
    first: torch.Tensor | None  # (D, ...) or None when D = 0
    second: torch.Tensor | None  # (Q, ...) or None when Q = 0 or identically zero

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> "TaylorJet":
        """Apply a map that is linear in its argument and acts on trailing axes (indexing, reshaping, matmul)."""
        return TaylorJet(fn(self.value), _maybe(fn, self.first), _maybe(fn, self.second))


def _maybe(fn, x):
    return None if x is None else fn(x)


def seed(points: torch.Tensor, layout: JetLayout) -> TaylorJet:
    """The jet of the identity map: value ``x``, unit first derivatives, zero second derivatives."""
    n, d = points.shape
    first = None
    if layout.dirs:
        eye = torch.zeros(len(layout.dirs), 1, d, dtype=points.dtype, device=points.device)
        for i, axis in enumerate(layout.dirs):
            eye[i, 0, axis] = 1
        first = eye.expand(-1, n, -1)
    return TaylorJet(points, first, None)


def cat(jets: list[TaylorJet], dim: int = -1) -> TaylorJet:
    """Concatenate several jets' features (``dim`` counted from the end)."""
    if len(jets) == 1:
        return jets[0]
    value = torch.cat([j.value for j in jets], dim=dim)
    first = None if jets[0].first is None else torch.cat([j.first for j in jets], dim=dim)
    seconds = [j.second for j in jets]
    if all(s is None for s in seconds):
        second = None
    else:
        like = next(s for s in seconds if s is not None)
        second = torch.cat([s if s is not None else like.new_zeros(*like.shape[:-1], j.value.shape[-1])
                            for s, j in zip(seconds, jets)], dim=dim)
    return TaylorJet(value, first, second)


def affine(jet: TaylorJet, weight: torch.Tensor, bias: torch.Tensor | None = None) -> TaylorJet:
    """``y = h W^T + b`` on every part (``b`` on the value only). ``weight``: ``(out, in)``."""
    wt = weight.transpose(-1, -2)
    return TaylorJet(torch.nn.functional.linear(jet.value, weight, bias), _maybe(lambda r: r @ wt, jet.first),
                     _maybe(lambda r: r @ wt, jet.second))


def add_to_value(jet: TaylorJet, shift: torch.Tensor | float) -> TaylorJet:
    """Add ``shift`` (broadcast against the value) to the value only."""
    return jet._replace(value=jet.value + shift)


def scale(jet: TaylorJet, factor: torch.Tensor | float) -> TaylorJet:
    """Multiply every part by a point-independent ``factor`` (or one per point, broadcast on the last axes)."""
    return jet.map(lambda r: r * factor)


def elementwise(jet: TaylorJet, layout: JetLayout, derivatives: ElementwiseDerivatives) -> TaylorJet:
    """``y = f(h)`` elementwise, given ``derivatives(h) = (f(h), f'(h), f''(h))``."""
    f0, f1, f2 = derivatives(jet.value)
    if jet.first is None:
        return TaylorJet(f0, None, None)
    first = f1 * jet.first
    second = None
    if layout.pairs:
        curvature = f2 * pair_products(jet.first, jet.first, layout.pairs)
        second = curvature if jet.second is None else torch.addcmul(curvature, f1, jet.second)
    return TaylorJet(f0, first, second)


def product(left: TaylorJet, right: TaylorJet, layout: JetLayout) -> TaylorJet:
    """Jet of ``l * r`` (Leibniz rule to second order), shapes broadcast."""
    value = left.value * right.value
    if left.first is None:
        return TaylorJet(value, None, None)
    first = left.first * right.value + left.value * right.first
    second = None
    if layout.pairs:
        second = (pair_products(left.first, right.first, layout.pairs)
                  + pair_products(right.first, left.first, layout.pairs))
        if left.second is not None:
            second = second + left.second * right.value
        if right.second is not None:
            second = second + left.value * right.second
    return TaylorJet(value, first, second)


def add(left: TaylorJet, right: TaylorJet) -> TaylorJet:
    """Jet of ``l + r``."""
    def plus(a, b):
        return b if a is None else a if b is None else a + b

    return TaylorJet(left.value + right.value, plus(left.first, right.first), plus(left.second, right.second))


def diagonal_run(pairs: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """``(start, stop)`` when the pairs are ``(i, i)`` for consecutive ``i`` (e.g. xx, yy), else ``None``."""
    a = [p[0] for p in pairs]
    if a and a == [p[1] for p in pairs] and a == list(range(a[0], a[0] + len(a))):
        return a[0], a[0] + len(a)
    return None


def pair_products(left: torch.Tensor, right: torch.Tensor, pairs: tuple[tuple[int, int], ...],
                  out: torch.Tensor | None = None) -> torch.Tensor:
    """``left[a] * right[b]`` for every pair, ``(Q, ...)`` (into ``out`` when given), with as few
    kernels as the pairs allow: one product for a diagonal run."""
    run = diagonal_run(pairs)
    if run is not None:
        return torch.mul(left[run[0] : run[1]], right[run[0] : run[1]], out=out)
    if out is None:
        return torch.stack([left[i] * right[j] for i, j in pairs])
    for k, (i, j) in enumerate(pairs):
        torch.mul(left[i], right[j], out=out[k])
    return out


# Elementwise functions with their first and second derivatives ---------------------------------

def d_tanh(h: torch.Tensor):
    t = torch.tanh(h)
    d1 = 1 - t * t
    return t, d1, -2 * t * d1


def d_sin(h: torch.Tensor):
    s, c = torch.sin(h), torch.cos(h)
    return s, c, -s


def d_cos(h: torch.Tensor):
    s, c = torch.sin(h), torch.cos(h)
    return c, -s, -c


def d_silu(h: torch.Tensor):
    s = torch.sigmoid(h)
    return h * s, s * (1 + h * (1 - s)), s * (1 - s) * (2 + h * (1 - 2 * s))


def d_softplus(h: torch.Tensor):
    s = torch.sigmoid(h)
    return torch.nn.functional.softplus(h), s, s * (1 - s)


def d_gelu(h: torch.Tensor):
    """Exact GELU ``h Phi(h)``: ``Phi + h phi`` and ``phi (2 - h^2)``."""
    phi = torch.exp(-0.5 * h * h) * (2 * torch.pi) ** -0.5
    cdf = 0.5 * (1 + torch.erf(h * 2**-0.5))
    return h * cdf, cdf + h * phi, phi * (2 - h * h)


def d_relu(h: torch.Tensor):
    step = (h > 0).to(h.dtype)
    return torch.relu(h), step, torch.zeros_like(h)
