"""Derivative keys: the names residuals use for fields and their partial derivatives.

A key is a field name, optionally followed by ``_`` and one letter per differentiation:
``"u"`` is u itself, ``"u_t"`` is du/dt, ``"u_xx"`` is d2u/dx2, ``"v_xy"`` is d2v/dxdy. Mixed
partials are symmetric, so ``"u_xy"`` and ``"u_yx"`` are the same derivative. A coordinate name
alone (``"x"``) stands for the coordinate itself, for forcing terms such as f(x).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pinnkit._validate import suggest


@dataclass(frozen=True)
class Partial:
    """One requested quantity: ``field`` differentiated along ``axes`` (coordinate columns, sorted)."""

    key: str
    field: int  # output column, or -1 for a coordinate itself
    axes: tuple[int, ...]  # coordinate columns to differentiate along (sorted); () for the value


@dataclass(frozen=True)
class DerivativeSpec:
    """A parsed set of derivative keys over named coordinates and fields."""

    coords: tuple[str, ...]
    fields: tuple[str, ...]
    partials: tuple[Partial, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.partials)

    @property
    def multi_indices(self) -> tuple[tuple[int, ...], ...]:
        """The distinct derivative multi-indices needed (each computed once for all fields)."""
        seen: dict[tuple[int, ...], None] = {}
        for p in self.partials:
            if p.field >= 0:
                seen.setdefault(p.axes, None)
        return tuple(seen)

    @property
    def max_order(self) -> int:
        return max([0, *(len(p.axes) for p in self.partials)])


def parse_keys(keys: Iterable[str], coords: tuple[str, ...], fields: tuple[str, ...]) -> DerivativeSpec:
    """Parse derivative keys such as ``"u_xx"`` against coordinate and field names."""
    _check_names(coords, fields)
    partials: dict[str, Partial] = {}
    for key in keys:
        if key in partials:
            continue
        partials[key] = _parse_one(key, coords, fields)
    return DerivativeSpec(tuple(coords), tuple(fields), tuple(partials.values()))


def _check_names(coords: tuple[str, ...], fields: tuple[str, ...]) -> None:
    for c in coords:
        if len(c) != 1:
            raise ValueError(f"coordinate names must be single letters for derivative keys, got {c!r}")
    for f in fields:
        if not f or "_" in f:
            raise ValueError(f"field names must be non-empty and contain no '_', got {f!r}")
    clash = set(coords) & set(fields)
    if clash:
        raise ValueError(f"names used both as coordinate and field: {sorted(clash)}")


def _parse_one(key: str, coords: tuple[str, ...], fields: tuple[str, ...]) -> Partial:
    if key in coords:
        return Partial(key, -1, (coords.index(key),))
    field, _, letters = key.partition("_")
    if field not in fields:
        raise ValueError(
            f"derivative key {key!r} names unknown field {field!r}.{suggest(field, fields)} "
            f"Fields: {', '.join(fields)}; coordinates: {', '.join(coords)}"
        )
    if "_" in key and not letters:
        raise ValueError(f"derivative key {key!r} has no coordinates after '_'")
    bad = [c for c in letters if c not in coords]
    if bad:
        raise ValueError(f"derivative key {key!r} differentiates along unknown coordinate(s) {bad}; "
                         f"coordinates: {', '.join(coords)}")
    return Partial(key, fields.index(field), tuple(sorted(coords.index(c) for c in letters)))


def laplacian_keys(field: str, space: Iterable[str]) -> tuple[str, ...]:
    """Keys whose sum is the Laplacian of ``field``: ``("u_xx", "u_yy")``."""
    return tuple(f"{field}_{c}{c}" for c in space)


def gradient_keys(field: str, space: Iterable[str]) -> tuple[str, ...]:
    """Keys of the gradient of ``field``: ``("u_x", "u_y")``."""
    return tuple(f"{field}_{c}" for c in space)
