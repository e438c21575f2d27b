"""Write PDEBench HDF5 files in exactly PDEBench's layouts (names, shapes, float32, attributes).

One function per layout; each takes samples in pinnkit's axis order ``[t, space..., channel]``
(a sequence or array indexed by sample, so they can be produced one at a time) and writes them
one by one. Files are written beside their final name and renamed when complete, so a reader
never sees a half-written file. See :mod:`pinnkit.data.layouts` for the layouts.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import h5py
import numpy as np
import yaml

from pinnkit._io import atomic_path
from pinnkit.data.layouts import FAMILIES, PARAM_ATTRS

__all__ = ["write_single", "write_darcy", "write_cfd", "write_groups", "write_ns_incom"]

F4 = np.float32


@contextmanager
def _atomic_h5(path: str | Path) -> Iterator[h5py.File]:
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        yield h5


def _attrs(h5: h5py.File, family: str, params: Mapping[str, float]) -> None:
    names = FAMILIES[family][3]
    unknown = [k for k in params if k not in names]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for family {family!r}; valid: {list(names)}")
    for name, value in params.items():
        h5.attrs[PARAM_ATTRS[name]] = F4(value)


def _check(sample: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    sample = np.asarray(sample)
    if sample.shape != shape:
        raise ValueError(f"{what} has shape {sample.shape}, expected {shape}")
    return sample.astype(F4)


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars / arrays and tuples turned into the Python types YAML writes."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.generic, np.ndarray)):
        return _plain(value.tolist())
    return value


def _config_yaml(config: Mapping[str, Any], index: int) -> str:
    """The YAML text of one sample's ``config`` attribute (block style, keys in the given order)."""
    try:
        return yaml.safe_dump(_plain(dict(config)), sort_keys=False, default_flow_style=False)
    except yaml.representer.RepresenterError as err:
        what = err.args[1] if len(err.args) > 1 else None
        raise ValueError(f"config {index} cannot be written as YAML: it holds {what!r:.80} of type "
                         f"{type(what).__name__}; use numbers, strings, booleans, None, lists and dicts") from None


def write_single(path: str | Path, family: str, samples: Sequence[np.ndarray], x: np.ndarray, t: np.ndarray,
                 params: Mapping[str, float]) -> Path:
    """1-D advection / Burgers / ReacDiff: ``tensor`` (N, nt, nx), ``x-coordinate`` (nx,), ``t-coordinate`` (nt + 1,).

    ``samples[i]`` is (nt, nx) or (nt, nx, 1); ``t`` holds nt + 1 times (PDEBench's convention:
    one more than the data). Parameters go to root attributes ``beta`` / ``Nu`` / ``rho``.
    """
    if FAMILIES.get(family, ("",))[0] != "single":
        raise ValueError(f"write_single writes advection, burgers or reacdiff, not {family!r}")
    x, t = np.ravel(x), np.ravel(t)
    nt, nx = len(t) - 1, len(x)
    with _atomic_h5(path) as h5:
        ds = h5.create_dataset("tensor", (len(samples), nt, nx), dtype=F4)
        for i in range(len(samples)):
            sample = np.asarray(samples[i])
            ds[i] = _check(sample[..., 0] if sample.ndim == 3 else sample, (nt, nx), f"sample {i}")
        h5.create_dataset("x-coordinate", data=x.astype(F4))
        h5.create_dataset("t-coordinate", data=t.astype(F4))
        _attrs(h5, family, params)
    return Path(path)


def write_darcy(path: str | Path, solutions: Sequence[np.ndarray], coefficients: Sequence[np.ndarray],
                x: np.ndarray, y: np.ndarray, beta: float) -> Path:
    """Darcy flow: ``tensor`` (N, 1, nx, ny), ``nu`` (N, nx, ny), ``x-coordinate``, ``y-coordinate``; attribute ``beta``."""
    x, y = np.ravel(x), np.ravel(y)
    n, shape = len(solutions), (len(x), len(y))
    if len(coefficients) != n:
        raise ValueError(f"{n} solutions but {len(coefficients)} coefficients")
    with _atomic_h5(path) as h5:
        u = h5.create_dataset("tensor", (n, 1) + shape, dtype=F4)
        nu = h5.create_dataset("nu", (n,) + shape, dtype=F4)
        for i in range(n):
            u[i, 0] = _check(np.asarray(solutions[i]).reshape(shape), shape, f"solution {i}")
            nu[i] = _check(coefficients[i], shape, f"coefficient {i}")
        h5.create_dataset("x-coordinate", data=x.astype(F4))
        h5.create_dataset("y-coordinate", data=y.astype(F4))
        _attrs(h5, "darcy", dict(beta=beta))
    return Path(path)


def write_cfd(path: str | Path, samples: Sequence[np.ndarray], coords: Sequence[np.ndarray], t: np.ndarray,
              params: Mapping[str, float]) -> Path:
    """Compressible NS: one dataset per variable (``density``, ``pressure``, ``Vx``[, ``Vy``, ``Vz``]) (N, nt, space...).

    ``samples[i]`` is [t, space..., channel] with channels in that variable order; ``coords``
    the 1-D cell centres per axis; ``t`` holds nt + 1 times like the 1-D files.
    """
    dims = len(coords)
    family = f"cfd{dims}d"
    if family not in FAMILIES:
        raise ValueError(f"compressible NS needs 1, 2 or 3 coordinate axes, got {dims}")
    fields = FAMILIES[family][2]
    t = np.ravel(t)
    shape = (len(t) - 1, *(len(np.ravel(c)) for c in coords), len(fields))
    with _atomic_h5(path) as h5:
        out = {v: h5.create_dataset(v, (len(samples),) + shape[:-1], dtype=F4) for v in fields}
        for i in range(len(samples)):
            data = _check(samples[i], shape, f"sample {i}")
            for j, v in enumerate(fields):
                out[v][i] = data[..., j]
        for c, name in zip(coords, ("x", "y", "z")):
            h5.create_dataset(f"{name}-coordinate", data=np.ravel(c).astype(F4))
        h5.create_dataset("t-coordinate", data=t.astype(F4))
        _attrs(h5, family, params)
    return Path(path)


def write_groups(path: str | Path, family: str, samples: Sequence[np.ndarray], coords: Sequence[np.ndarray],
                 t: np.ndarray, configs: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """Per-sample groups ``"0000"``, ... with ``data`` [t, x(, y), c], ``grid/x``, ``grid/y``, ``grid/t``
    and the YAML attribute ``config``. 2-D diffusion-reaction data are stored [t, y, x, c].

    The layout lists ``grid/y`` for every group file: 1-D files get a single 0 there, so
    readers that always open it work.
    """
    if FAMILIES.get(family, ("",))[0] != "groups":
        raise ValueError(f"write_groups writes diff-sorp, diff-react or rdb, not {family!r}")
    dims, fields = FAMILIES[family][1], FAMILIES[family][2]
    coords = [np.ravel(c) for c in coords]
    if len(coords) != dims:
        raise ValueError(f"family {family!r} needs {dims} coordinate axes, got {len(coords)}")
    t = np.ravel(t)
    shape = (len(t), *(len(c) for c in coords), len(fields))
    configs = list(configs) if configs is not None else [{} for _ in range(len(samples))]
    if len(configs) != len(samples):
        raise ValueError(f"{len(samples)} samples but {len(configs)} configs")
    with _atomic_h5(path) as h5:
        for i in range(len(samples)):
            data = _check(samples[i], shape, f"sample {i}")
            group = h5.create_group(f"{i:04d}")
            group.create_dataset("data", data=np.swapaxes(data, 1, 2) if family == "diff-react" else data)
            grid = group.create_group("grid")
            grid.create_dataset("x", data=coords[0].astype(F4))
            grid.create_dataset("y", data=(coords[1] if dims > 1 else np.zeros(1)).astype(F4))
            grid.create_dataset("t", data=t.astype(F4))
            group.attrs["config"] = _config_yaml(configs[i], i)
    return Path(path)


def write_ns_incom(path: str | Path, velocity: np.ndarray, t: np.ndarray, particles: np.ndarray | None = None,
                   force: np.ndarray | None = None) -> Path:
    """Incompressible NS: ``velocity`` (N, nt, nx, ny, 2), ``particles`` (N, nt, nx, ny, 1), ``force`` (N, nx, ny, 2), ``t`` (N, nt)."""
    velocity = np.asarray(velocity)
    if velocity.ndim != 5 or velocity.shape[-1] != 2:
        raise ValueError(f"velocity must be (N, nt, nx, ny, 2), got {velocity.shape}")
    n, nt, nx, ny, _ = velocity.shape
    with _atomic_h5(path) as h5:
        h5.create_dataset("velocity", data=velocity.astype(F4))
        h5.create_dataset("t", data=_check(np.broadcast_to(np.asarray(t), (n, nt)), (n, nt), "t"))
        h5.create_dataset("particles", data=_check(np.zeros((n, nt, nx, ny, 1)) if particles is None else particles,
                                                   (n, nt, nx, ny, 1), "particles"))
        h5.create_dataset("force", data=_check(np.zeros((n, nx, ny, 2)) if force is None else force,
                                               (n, nx, ny, 2), "force"))
    return Path(path)
