"""What ``method="auto"`` means: the fast kernels, unless ``PINNKIT_KERNELS=generic`` asks otherwise.

``PINNKIT_KERNELS=generic`` makes every ``"auto"`` choice take the generic path (nested autograd
for derivatives, ``vmap(jacrev)`` for parameter Jacobians), so that the whole test suite can be run
on both paths (README: "Residual kernels"). Explicit methods are never changed.
"""
from __future__ import annotations

import os

KERNEL_POLICIES = ("fast", "generic")


def generic_kernels() -> bool:
    """Whether ``PINNKIT_KERNELS`` (``fast`` by default) asks for the generic kernels."""
    value = os.environ.get("PINNKIT_KERNELS", "fast").strip().lower() or "fast"
    if value not in KERNEL_POLICIES:
        raise ValueError(f"PINNKIT_KERNELS={value!r} is not one of {', '.join(KERNEL_POLICIES)}")
    return value == "generic"
