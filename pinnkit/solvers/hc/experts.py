"""The router of PI-HC-MoE: a tensor-product split of the domain into sub-boxes, one per expert.

Expert k owns the half-open box Omega_k (the last box along each axis is closed), so every
point of the domain belongs to exactly one expert and the stitched solution
u = sum_k 1_{Omega_k}(x) b(x) . w_k is defined everywhere (Chalapathi et al., ICLR 2024, sec. 3).
"""
from __future__ import annotations

import dataclasses
import itertools
from typing import Sequence

import torch

from pinnkit.domain import Domain

__all__ = ["ExpertSplit", "parse_experts"]


def parse_experts(spec: str | Sequence[int], coords: Sequence[str]) -> tuple[int, ...]:
    """Experts per coordinate from ``"x=4"`` / ``"x=2,y=2"`` / ``"1"`` / a tuple in coordinate order."""
    coords = tuple(coords)
    if isinstance(spec, str):
        text = spec.strip().strip("()[]")
        if "=" in text:
            counts = dict.fromkeys(coords, 1)
            for part in text.split(","):
                name, _, value = part.partition("=")
                name = name.strip()
                if name not in counts:
                    raise ValueError(f"experts: unknown coordinate {name!r}; coordinates: {', '.join(coords)}")
                counts[name] = _count(value)
            return tuple(counts[c] for c in coords)
        values = [_count(v) for v in text.replace("x", ",").split(",") if v.strip()] if text else [1]
    else:
        values = [_count(v) for v in spec]
    if values == [1]:
        return (1,) * len(coords)
    if len(values) != len(coords):
        raise ValueError(f"experts {spec!r}: give one count per coordinate ({', '.join(coords)}) or use "
                         f"'name=count' pairs such as '{coords[0]}=4'")
    return tuple(values)


def _count(value) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError(f"experts: counts must be positive integers, got {value!r}") from None
    if n < 1:
        raise ValueError(f"experts: counts must be positive integers, got {value!r}")
    return n


class ExpertSplit:
    """``counts[i]`` equal pieces along coordinate i of ``domain``; experts numbered in 'ij' order."""

    def __init__(self, domain: Domain, counts: Sequence[int]) -> None:
        if len(counts) != domain.dim:
            raise ValueError(f"need one expert count per coordinate {domain.names}, got {tuple(counts)}")
        self.domain, self.counts = domain, tuple(int(c) for c in counts)
        self.edges = [torch.linspace(lo, hi, n + 1, dtype=torch.float64)
                      for lo, hi, n in zip(domain.lows, domain.highs, self.counts)]
        self.boxes = [self._box(index) for index in itertools.product(*(range(n) for n in self.counts))]

    @property
    def n_experts(self) -> int:
        return len(self.boxes)

    def _box(self, index: tuple[int, ...]) -> Domain:
        lows = tuple(float(self.edges[i][j]) for i, j in enumerate(index))
        highs = tuple(float(self.edges[i][j + 1]) for i, j in enumerate(index))
        return dataclasses.replace(self.domain, lows=lows, highs=highs)

    def assign(self, points: torch.Tensor) -> torch.Tensor:
        """The expert index of every row of ``points`` ``(N, d)``: ``(N,)`` long."""
        index = torch.zeros(len(points), dtype=torch.long, device=points.device)
        for i, n in enumerate(self.counts):
            inner = self.edges[i][1:-1].to(points.device, points.dtype)
            index = index * n + torch.bucketize(points[:, i].contiguous(), inner, right=True)
        return index

    @property
    def split_axes(self) -> tuple[int, ...]:
        """Coordinates along which the domain is split."""
        return tuple(i for i, n in enumerate(self.counts) if n > 1)

    def interface_points(self, axis: int, n: int, periodic: bool, **sample) -> tuple[torch.Tensor, ...]:
        """About ``n`` points on the interfaces between experts along coordinate ``axis`` (and on
        the periodic seam, where the last expert meets the first): ``(points, left, right)``,
        with the experts on either side of each point."""
        lo, hi = self.domain.lows[axis], self.domain.highs[axis]
        positions = [float(p) for p in self.edges[axis][1:-1]] + ([lo] if periodic else [])
        each = max(1, n // len(positions))
        delta = 1e-9 * (hi - lo)
        points, left, right = [], [], []
        for position in positions:
            pts = self.domain.sample_interior(each, **sample)
            pts[:, axis] = position
            before, after = pts.clone(), pts.clone()
            before[:, axis] = (hi if position == lo else position) - delta
            after[:, axis] = position + delta
            points.append(pts)
            left.append(self.assign(before))
            right.append(self.assign(after))
        return torch.cat(points), torch.cat(left), torch.cat(right)

    def boundary_faces(self, k: int, faces: Sequence[str]) -> tuple[str, ...]:
        """Which of the global ``faces`` expert ``k``'s box touches."""
        box, out = self.boxes[k], []
        for face in faces:
            name, side = face.rsplit("_", 1)
            i = self.domain.index(name)
            if (side == "min" and box.lows[i] == self.domain.lows[i]) or \
               (side == "max" and box.highs[i] == self.domain.highs[i]):
                out.append(face)
        return tuple(out)

    def touches_initial(self, k: int) -> bool:
        return self.domain.time is None or self.boxes[k].lows[-1] == self.domain.lows[-1]

    def describe(self) -> str:
        if self.n_experts == 1:
            return "one global expert"
        split = " x ".join(f"{n} in {c}" for c, n in zip(self.domain.names, self.counts) if n > 1)
        return f"{self.n_experts} experts ({split})"
