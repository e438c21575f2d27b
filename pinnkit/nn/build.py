"""Compose an ansatz network for a problem: normalisation, embeddings, MLP."""
from __future__ import annotations


import torch
from torch import nn

from pinnkit._validate import check_int
from pinnkit.nn.embeddings import FourierFeatures, PeriodicEmbedding, TrainablePeriodicEmbedding
from pinnkit.nn.mlp import MLP
from pinnkit.nn.normalize import Normalize

__all__ = ["InputEncoding", "Network", "build_network"]


class InputEncoding(nn.Module):
    """Points ``(N, d)`` -> features ``(N, out_features)``.

    Every coordinate is first normalised to ``[-1, 1]``. Periodic coordinates then go through an
    exact periodic embedding of period 2 (fixed harmonics, or TENG's trainable layer when
    ``trainable_periodic > 0``); the others pass through, or through random Fourier features when
    ``fourier_features > 0``. Output: the periodic features, then the others.
    """

    def __init__(self, names, lows, highs, periodic=(), periodic_harmonics: int = 1, trainable_periodic: int = 0,
                 fourier_features: int = 0, fourier_sigma: float = 1.0, generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32, device=None) -> None:
        super().__init__()
        names, periodic = tuple(names), tuple(periodic)
        unknown = [p for p in periodic if p not in names]
        if unknown:
            raise ValueError(f"periodic coordinate(s) {unknown} not among the coordinates {names}")
        for what, value, minimum in (("periodic_harmonics", periodic_harmonics, 1),
                                     ("trainable_periodic", trainable_periodic, 0),
                                     ("fourier_features", fourier_features, 0)):
            check_int(what, value, minimum)
        self.names = names
        self.normalize = Normalize(lows, highs, device=device)
        self.periodic_cols = [names.index(p) for p in names if p in periodic]
        self.plain_cols = [i for i, p in enumerate(names) if p not in periodic]
        self.periodic = self.fourier = None
        width = 0
        if self.periodic_cols:
            c = len(self.periodic_cols)
            if trainable_periodic > 0:
                self.periodic = TrainablePeriodicEmbedding(2.0, trainable_periodic, c, generator, dtype, device)
                width += c * trainable_periodic
            else:
                self.periodic = PeriodicEmbedding(2.0, periodic_harmonics).to(device=device, dtype=dtype)
                width += self.periodic.features(c)
        if self.plain_cols and fourier_features > 0:
            self.fourier = FourierFeatures(len(self.plain_cols), fourier_features, fourier_sigma, generator,
                                           dtype, device)
            width += 2 * fourier_features
        elif self.plain_cols:
            width += len(self.plain_cols)
        self.out_features = width

    @property
    def in_features(self) -> int:
        return len(self.names)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        x = self.normalize(points)
        parts = []
        if self.periodic is not None:
            parts.append(self.periodic(x[..., self.periodic_cols]))
        if self.plain_cols:
            plain = x[..., self.plain_cols]
            parts.append(self.fourier(plain) if self.fourier is not None else plain)
        return torch.cat(parts, dim=-1)

    def describe(self) -> str:
        out = [f"normalise {', '.join(self.names)} to [-1, 1]"]
        periodic = ", ".join(self.names[i] for i in self.periodic_cols)
        if isinstance(self.periodic, TrainablePeriodicEmbedding):
            out.append(f"periodic {periodic}: {self.periodic.m} trainable a cos(pi x + phi) + c")
        elif self.periodic is not None:
            out.append(f"periodic {periodic}: cos/sin(k pi x), k = 1..{self.periodic.n_harmonics}")
        plain = ", ".join(self.names[i] for i in self.plain_cols)
        if self.fourier is not None:
            out.append(f"{plain}: {self.fourier.features} Fourier features, sigma {self.fourier.sigma:g}")
        elif plain:
            out.append(f"{plain}: as is")
        return "; ".join(out)


class Network(nn.Module):
    """``u(points) = MLP(encoding(points))``: points ``(N, d)`` in ``coords`` order -> ``(N, len(fields))``."""

    def __init__(self, encoding: InputEncoding, mlp: MLP, fields: tuple[str, ...]) -> None:
        super().__init__()
        if mlp.in_features != encoding.out_features or mlp.out_features != len(fields):
            raise ValueError(f"MLP {mlp.in_features} -> {mlp.out_features} does not fit the encoding's "
                             f"{encoding.out_features} features and the fields {fields}")
        self.encoding, self.mlp, self.fields = encoding, mlp, tuple(fields)

    @property
    def coords(self) -> tuple[str, ...]:
        return self.encoding.names

    @property
    def in_features(self) -> int:
        return self.encoding.in_features

    @property
    def out_features(self) -> int:
        return len(self.fields)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.shape[-1] != self.in_features:
            raise ValueError(f"points must have {self.in_features} columns ({', '.join(self.coords)}), "
                             f"got shape {tuple(points.shape)}")
        return self.mlp(self.encoding(points))

    def describe(self) -> str:
        p = next(self.parameters())
        count = sum(q.numel() for q in self.parameters() if q.requires_grad)
        return (f"({', '.join(self.coords)}) -> ({', '.join(self.fields)}): {self.encoding.describe()}; "
                f"MLP {self.mlp.extra_repr()}; {count:,} parameters, {str(p.dtype).removeprefix('torch.')} "
                f"on {p.device}")


def build_network(problem, width: int = 64, depth: int = 4, activation: str = "tanh", fourier_features: int = 0,
                  fourier_sigma: float = 1.0, periodic_harmonics: int = 1, trainable_periodic: int = 0,
                  generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                  device: torch.device | str | None = None) -> Network:
    """The ansatz network for ``problem``: normalisation + embeddings + MLP (see :class:`InputEncoding`).

    Periodic embeddings are used for ``problem.periodic`` coordinates, so the network is
    exactly periodic there; outputs are ``problem.fields``. Random numbers come from
    ``generator`` (torch's default when ``None``), drawn in float64 and then cast, so a seed
    gives the same network in float32 and float64 and on every device.
    """
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    dom = problem.domain
    encoding = InputEncoding(dom.names, dom.lows, dom.highs, problem.periodic, periodic_harmonics,
                             trainable_periodic, fourier_features, fourier_sigma, generator, dtype, device)
    mlp = MLP(encoding.out_features, len(problem.fields), width, depth, activation, generator, dtype, device)
    return Network(encoding, mlp, tuple(problem.fields))
