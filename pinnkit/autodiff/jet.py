"""Jet: the evaluated fields and derivatives that a residual reads, by key."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Iterator

import torch

from pinnkit.autodiff.keys import DerivativeSpec


class Jet(Mapping):
    """Read-only mapping from derivative keys (``"u"``, ``"u_x"``, ``"x"`` ...) to tensors.

    Asking for a key that was not requested raises a KeyError that lists the available keys,
    so a residual that forgets to declare a derivative fails loudly instead of silently.
    """

    __slots__ = ("_values", "spec")

    def __init__(self, values: Mapping[str, torch.Tensor], spec: DerivativeSpec) -> None:
        self._values = dict(values)
        self.spec = spec

    def __getitem__(self, key: str) -> torch.Tensor:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"{key!r} was not computed; available: {sorted(self._values)}. "
                           "Declare it in the PDE's required derivatives.") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Jet({sorted(self._values)})"
