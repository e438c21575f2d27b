"""``torch.compile`` where it pays, with a clean fallback where no compiler works.

The forward-jet loss is a long chain of small elementwise kernels; compiling fuses them
(measured in ``benchmarks/kernels.py``). Nested autograd cannot be compiled (AOTAutograd does
not support double backward), and some machines have no working C++ compiler or Triton: there
the first call fails, a warning says why, and the eager function is used from then on.
"""
from __future__ import annotations

import warnings
from typing import Callable, TypeVar

import torch

F = TypeVar("F", bound=Callable)


def maybe_compile(fn: F, enabled: bool = True) -> F:
    """``fn`` compiled by ``torch.compile`` when ``enabled``, falling back to ``fn`` on failure."""
    if not enabled:
        return fn
    state = {"fn": torch.compile(fn, dynamic=False), "compiled": True}

    def call(*args, **kwargs):
        if state["compiled"]:
            try:
                return state["fn"](*args, **kwargs)
            except Exception as exc:  # compiler missing, unsupported op, double backward ...
                state["fn"], state["compiled"] = fn, False
                warnings.warn(f"torch.compile failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                              "continuing without compilation", RuntimeWarning, stacklevel=2)
        return fn(*args, **kwargs)

    call.__wrapped__ = fn
    return call  # type: ignore[return-value]
