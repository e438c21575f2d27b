"""Second-order Taylor jets pushed forward through a network in one pass.

A jet of a hidden tensor ``h(x)`` (shape ``(N, w)``) over input directions ``dirs`` and
second-order pairs ``pairs`` is a list ``S`` of ``K = 1 + len(dirs) + len(pairs)`` tensors
shaped like ``h`` (a list, not one stacked tensor: slicing a stacked tensor costs a zero-filled
gradient per slice in the backward pass, which measured 30% of the time):

    S[0] = h,   S[1 + i] = dh/dx_{dirs[i]},   S[1 + D + q] = d2h/dx_a dx_b  for (a, b) = pairs[q].

Rules (chain rule to second order; Li et al. 2023, "Forward Laplacian", generalised from the
trace to individual pairs, which is second-order Taylor mode, Griewank & Walther 2008, ch. 13):

* affine ``y = h W^T + b``:  every component is multiplied by ``W^T``; ``b`` enters ``S[0]`` only;
* elementwise ``y = f(h)``: ``y = f(h)``, ``y_i = f'(h) h_i``, ``y_ab = f'(h) h_ab + f''(h) h_a h_b``.

Only the directions and pairs a residual asks for are propagated, so ``u_t, u_x, u_xx`` costs
``K = 4`` stacked rows per layer instead of nested backward passes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

ElementwiseDerivatives = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class JetLayout:
    """Which rows of a stacked jet hold what: input columns ``dirs``, pairs of positions in ``dirs``."""

    dirs: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]  # positions into dirs, a <= b

    @property
    def size(self) -> int:
        return 1 + len(self.dirs) + len(self.pairs)

    def first_row(self, axis: int) -> int:
        return 1 + self.dirs.index(axis)

    def second_row(self, axis_a: int, axis_b: int) -> int:
        a, b = sorted((self.dirs.index(axis_a), self.dirs.index(axis_b)))
        return 1 + len(self.dirs) + self.pairs.index((a, b))


def layout_for(multi_indices) -> JetLayout:
    """The smallest layout holding the given derivative multi-indices (orders 0 to 2)."""
    dirs = sorted({axis for axes in multi_indices for axis in axes})
    pairs = sorted({tuple(sorted((dirs.index(a[0]), dirs.index(a[1])))) for a in multi_indices if len(a) == 2})
    return JetLayout(tuple(dirs), tuple(pairs))


Rows = list  # a jet: K tensors of equal shape, row order as in :class:`JetLayout`


def seed(points: torch.Tensor, layout: JetLayout) -> Rows:
    """The jet of the identity map: value ``x``, unit first derivatives, zero second derivatives."""
    n, d = points.shape
    rows = [points]
    for axis in layout.dirs:
        e = torch.zeros(1, d, dtype=points.dtype, device=points.device)
        e[0, axis] = 1
        rows.append(e.expand(n, d))
    zero = points.new_zeros(1, d).expand(n, d)
    return rows + [zero] * len(layout.pairs)


def rowwise(jet: Rows, fn) -> Rows:
    """Apply a map that is linear in its argument (indexing, reshaping, matmul) to every row."""
    return [fn(row) for row in jet]


def cat(jets: list[Rows], dim: int = -1) -> Rows:
    """Concatenate several jets' features row by row."""
    return [torch.cat(rows, dim=dim) for rows in zip(*jets)]


def affine(jet: Rows, weight: torch.Tensor, bias: torch.Tensor | None = None) -> Rows:
    """``y = h W^T + b`` on every row (``b`` on the value only). ``weight``: ``(out, in)``."""
    return [torch.nn.functional.linear(jet[0], weight, bias)] + [torch.nn.functional.linear(r, weight) for r in jet[1:]]


def add_to_value(jet: Rows, shift: torch.Tensor | float) -> Rows:
    """Add ``shift`` (broadcast against one row) to the value row only."""
    return [jet[0] + shift] + list(jet[1:])


def scale(jet: Rows, factor: torch.Tensor | float) -> Rows:
    """Multiply every row by a point-independent ``factor`` (broadcast on the last axes)."""
    return [r * factor for r in jet]


def elementwise(jet: Rows, layout: JetLayout, derivatives: ElementwiseDerivatives) -> Rows:
    """``y = f(h)`` elementwise, given ``derivatives(h) = (f(h), f'(h), f''(h))``."""
    f0, f1, f2 = derivatives(jet[0])
    d = len(layout.dirs)
    first = jet[1 : 1 + d]
    out = [f0] + [f1 * r for r in first]
    for (a, b), second in zip(layout.pairs, jet[1 + d :]):
        out.append(f1 * second + f2 * (first[a] * first[b]))
    return out


def product(left: Rows, right: Rows, layout: JetLayout) -> Rows:
    """Jet of ``l * r`` (Leibniz rule to second order), shapes broadcast per row."""
    d = len(layout.dirs)
    lf, rf = left[1 : 1 + d], right[1 : 1 + d]
    out = [left[0] * right[0]] + [a * right[0] + left[0] * b for a, b in zip(lf, rf)]
    for q, (a, b) in enumerate(layout.pairs):
        ls, rs = left[1 + d + q], right[1 + d + q]
        out.append(ls * right[0] + left[0] * rs + lf[a] * rf[b] + lf[b] * rf[a])
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
