"""The tanh-jet elementwise passes in C (``native/jet_tanh.c``), built at first use, with a fallback.

:class:`~.fused.TanhMLPJet` spends most of its CPU time in elementwise passes over the layer jets
(memory bound, about ten torch kernels per layer forward and fifteen backward). The C loops do each
layer's forward (after torch's sigmoid) and backward in one pass, point by point, with the point's
rows in the L1 cache. They are compiled once per machine with the system C compiler
(``$CC``, else ``cc``; ``-O3 -march=native``) into ``~/.cache/pinnkit/native`` (``$PINNKIT_CACHE``
overrides the folder) and loaded with :mod:`ctypes`. Where no compiler works, a warning says why and
the torch passes of :mod:`.fused` are used; ``PINNKIT_NATIVE=0`` asks for them outright.

The C loops are single-threaded. They are used while torch runs at most :data:`MAX_THREADS`
intra-op threads (pinnkit's tests and CPU benchmarks run one): on this project's 2-core machine
they beat the torch passes with 1 thread (loss + backward 1.14-1.27x faster) and match them with
2 (0.98-1.15x, the torch passes then parallel; ``benchmarks/results/kernels_cpu_c_loops*.json``).
With more threads, not measured, the torch passes are kept.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("native") / "jet_tanh.c"
FLAGS = ("-O3", "-march=native", "-fopenmp-simd", "-fno-math-errno", "-shared", "-fPIC")
MAX_THREADS = 2
_SUFFIX = {torch.float32: "f32", torch.float64: "f64"}
_state: dict = {}


def enabled() -> bool:
    """Whether ``PINNKIT_NATIVE`` (default ``1``) allows the C loops."""
    value = os.environ.get("PINNKIT_NATIVE", "1").strip().lower()
    if value not in ("0", "1", "false", "true", "off", "on", ""):
        raise ValueError(f"PINNKIT_NATIVE={value!r} is not one of 0, 1")
    return value not in ("0", "false", "off")


def cache_dir() -> Path:
    root = os.environ.get("PINNKIT_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "pinnkit") / "native"


def _cpu_signature() -> str:
    """The CPU model and flags (``-march=native`` code is only valid on a matching CPU)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return "\n".join(sorted({ln for ln in lines if ln.startswith(("model name", "flags"))}))
    except OSError:
        return platform.processor() or platform.machine()


def build(compiler: str | None = None, folder: Path | None = None) -> Path:
    """Compile ``jet_tanh.c`` (or reuse the cached library); returns the library's path.

    Raises ``RuntimeError`` with the compiler's message when compilation fails."""
    compiler = compiler or os.environ.get("CC") or "cc"
    exe = shutil.which(compiler)
    if exe is None:
        raise RuntimeError(f"no C compiler {compiler!r} on PATH")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256("\0".join([SOURCE.read_text(), exe, version, " ".join(FLAGS), _cpu_signature()])
                         .encode()).hexdigest()[:16]
    folder = folder or cache_dir()
    lib = folder / f"jet_tanh_{key}.so"
    if lib.exists():
        return lib
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".jet_tanh_", suffix=".so")
    os.close(fd)
    try:
        done = subprocess.run([exe, *FLAGS, "-o", tmp, str(SOURCE)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{compiler} failed: {(done.stderr or done.stdout).strip()[:500]}")
        os.replace(tmp, lib)  # atomic: a concurrent build or reader never sees half a library
    finally:
        Path(tmp).unlink(missing_ok=True)
    return lib


def _load():
    if "lib" not in _state:
        try:
            lib = ctypes.CDLL(str(build()))
            for suffix in _SUFFIX.values():
                for name in (f"pk_jet_forward_{suffix}", f"pk_jet_backward_{suffix}"):
                    getattr(lib, name).restype = None
            _state["lib"] = lib
        except Exception as exc:  # no compiler, a read-only home, a failed build ...
            _state["lib"] = None
            warnings.warn(f"pinnkit's C jet loops are unavailable ({exc}); using the torch passes "
                          "(slower on the CPU). Set PINNKIT_NATIVE=0 to silence this.",
                          RuntimeWarning, stacklevel=3)
    return _state["lib"]


class JetLoops:
    """The C forward and backward passes of one dtype (see ``jet_tanh.c`` for the equations)."""

    def __init__(self, lib, dtype: torch.dtype):
        suffix = _SUFFIX[dtype]
        self._fwd = getattr(lib, f"pk_jet_forward_{suffix}")
        self._bwd = getattr(lib, f"pk_jet_backward_{suffix}")
        self._pairs: dict = {}

    def _pair_arrays(self, pairs):
        if pairs not in self._pairs:
            q = max(len(pairs), 1)
            self._pairs[pairs] = ((ctypes.c_long * q)(*[a for a, _ in pairs] or [0]),
                                  (ctypes.c_long * q)(*[b for _, b in pairs] or [0]))
        return self._pairs[pairs]

    def forward(self, out: torch.Tensor, dz: torch.Tensor, qz: torch.Tensor | None, pairs,
                scratch: torch.Tensor) -> None:
        """``out`` (K, c, w), row 0 holding ``sigmoid(2 (z + b))``: the jet of ``tanh(z + b)``."""
        _, c, w = out.shape
        pa, pb = self._pair_arrays(pairs)
        _check_rows(out, dz, qz)
        self._fwd(ctypes.c_long(c), ctypes.c_long(w), ctypes.c_long(dz.shape[0]), ctypes.c_long(len(pairs)),
                  pa, pb, _ptr(out), ctypes.c_long(out.stride(0)), _ptr(dz), ctypes.c_long(dz.stride(0)),
                  ctypes.c_int(dz.shape[1] == 1), _ptr(qz), ctypes.c_long(0 if qz is None else qz.stride(0)),
                  _ptr(scratch))

    def backward(self, gz: torch.Tensor, gout: torch.Tensor, wout: torch.Tensor | None, s: torch.Tensor,
                 dz: torch.Tensor, qz: torch.Tensor | None, pairs, scratch: torch.Tensor) -> None:
        """``gz`` (K, c, w) <- the gradient of the pre-activation jet; ``gout`` (K, c, w), or
        (K, c, 1) with ``wout`` (w,): the output layer's row gradients."""
        _, c, w = gz.shape
        pa, pb = self._pair_arrays(pairs)
        _check_rows(gz, dz, qz)
        if gout.stride(-1) != 1 or (wout is None and gout.stride(1) != w):
            raise ValueError("gout rows must be contiguous")
        wout = None if wout is None else wout.contiguous()
        self._bwd(ctypes.c_long(c), ctypes.c_long(w), ctypes.c_long(dz.shape[0]), ctypes.c_long(len(pairs)),
                  pa, pb, _ptr(gz), ctypes.c_long(gz.stride(0)), _ptr(gout), ctypes.c_long(gout.stride(0)),
                  _ptr(wout), _ptr(s), _ptr(dz), ctypes.c_long(dz.stride(0)), ctypes.c_int(dz.shape[1] == 1),
                  _ptr(qz), ctypes.c_long(0 if qz is None else qz.stride(0)), _ptr(scratch))


def _ptr(t: torch.Tensor | None):
    return None if t is None else ctypes.c_void_p(t.data_ptr())


def _check_rows(*rows: torch.Tensor | None) -> None:
    """Every row of a (R, c, w) operand must be one contiguous block (rows may lie apart)."""
    for t in rows:
        if t is not None and (t.stride(2) != 1 or (t.shape[1] > 1 and t.stride(1) != t.shape[2])):
            raise ValueError(f"jet rows of shape {tuple(t.shape)} with strides {t.stride()} are not contiguous")


def jet_kernels(dtype: torch.dtype) -> JetLoops | None:
    """The C loops for ``dtype`` (float32 / float64), or None: disabled, unbuildable, another dtype,
    or torch running more than :data:`MAX_THREADS` intra-op threads."""
    if dtype not in _SUFFIX or torch.get_num_threads() > MAX_THREADS or not enabled():
        return None
    lib = _load()
    if lib is None:
        return None
    key = ("loops", dtype)
    if key not in _state:
        _state[key] = JetLoops(lib, dtype)
    return _state[key]
