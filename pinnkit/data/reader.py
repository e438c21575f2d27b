"""Read PDEBench HDF5 files lazily: one sample at a time, optionally strided in space and time.

>>> with open_pdebench("1D_Burgers_Sols_Nu0.01.hdf5", reduced_resolution=4) as f:
...     f.family, f.n_samples, f.params, f.sample(0).shape   # (nt, nx // 4, 1)

Samples come back as float32 arrays ``[t, space..., channel]`` with space in (x, y, z) order
(2-D diffusion-reaction data, stored [t, y, x, c], are transposed). Coordinates are cell
centres: the domain of axis x is ``[x[0] - dx/2, x[-1] + dx/2]`` (:attr:`PDEBenchFile.bounds`).
Only the sample asked for is read from disk (h5py slicing), never the whole file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import yaml

from pinnkit._validate import check_int
from pinnkit.data.layouts import EXPECTED, FAMILIES, PARAM_ATTRS, detect_layout, family_from_name, params_from_name

__all__ = ["PDEBenchFile", "open_pdebench"]

SPACE = ("x", "y", "z")


def _stride(value: int, what: str) -> int:
    return check_int(what, int(value) if isinstance(value, np.integer) else value)


def _attr_float(value) -> float:
    """A float attribute; float32 values are read as the shortest decimal they round from (0.1, not 0.10000000149)."""
    value = np.asarray(value).ravel()[0]
    return float(str(value)) if value.dtype == np.float32 else float(value)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line saying what is wrong with a YAML text and where (1-based line and column)."""
    problem = getattr(err, "problem", None)
    if problem is None:
        return " ".join(str(err).split())
    context = getattr(err, "context", None)
    mark = getattr(err, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}" + (f" ({context})" if context else "")


class PDEBenchFile:
    """An open PDEBench file; see the module docstring. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path, reduced_resolution: int = 1, reduced_resolution_t: int = 1) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ValueError(f"no such PDEBench file: {self.path}")
        self.rs = _stride(reduced_resolution, "reduced_resolution")
        self.rt = _stride(reduced_resolution_t, "reduced_resolution_t")
        try:
            self._h5 = h5py.File(self.path, "r")
        except OSError as err:
            raise ValueError(f"{self.path} is not a readable HDF5 file ({err})") from None
        try:
            self._inspect()
        except Exception:
            self._h5.close()
            raise

    # ------------------------------------------------------------------ set-up
    def _fail(self, why: str) -> None:
        found = ", ".join(f"{k} {self._describe(k)}" for k in list(self._h5.keys())[:12]) or "nothing"
        raise ValueError(f"{self.path.name}: {why}. Found: {found}. Expected one of: {EXPECTED}")

    def _describe(self, key: str) -> str:
        item = self._h5[key]
        return f"{item.shape}" if isinstance(item, h5py.Dataset) else "(group)"

    def _lead(self, name: str, ndim: int) -> int:
        """1 when dataset ``name`` carries an extra leading singleton axis, else 0."""
        ds = self._h5[name]
        if ds.ndim == ndim + 1 and ds.shape[0] == 1:
            return 1
        if ds.ndim != ndim:
            self._fail(f"dataset {name!r} has shape {ds.shape}, expected {ndim} axes")
        return 0

    def _inspect(self) -> None:
        keys = set(self._h5.keys())
        groups_only = all(isinstance(self._h5[k], h5py.Group) for k in keys)
        self.layout = detect_layout(keys, groups_only)
        if self.layout is None:
            self._fail("matches no PDEBench layout")
        getattr(self, f"_inspect_{self.layout}")()
        self.fields = FAMILIES[self.family][2][: self._n_channels]
        names = FAMILIES[self.family][3]
        from_attrs = {n: _attr_float(self._h5.attrs[PARAM_ATTRS[n]]) for n in names if PARAM_ATTRS[n] in self._h5.attrs}
        self.params = {**params_from_name(self.path, names), **from_attrs, **getattr(self, "_extra_params", {})}
        self.space = SPACE[: len(self._coords)]
        full = self._coords
        self.bounds = {c: (float(a[0] - (a[1] - a[0]) / 2), float(a[-1] + (a[1] - a[0]) / 2)) if len(a) > 1
                       else (float(a[0]), float(a[0])) for c, a in zip(self.space, full)}
        self.coords = {c: np.asarray(a[:: self.rs]) for c, a in zip(self.space, full)}
        self.t = None if self._t is None else np.asarray(self._t[:: self.rt])

    def _inspect_single(self) -> None:
        self._lead_t = self._lead("tensor", 3)
        family = family_from_name(self.path)
        if family not in ("advection", "burgers", "reacdiff"):
            attrs = set(self._h5.attrs)
            family = "advection" if "beta" in attrs else "reacdiff" if "rho" in attrs else "burgers" if "Nu" in attrs else None
        if family is None:
            self._fail("a single-array file whose family is neither in its name (1D_Advection, 1D_Burgers, "
                       "ReacDiff) nor in its attributes (beta, Nu, rho)")
        self.family, self._n_channels = family, 1
        shape = self._h5["tensor"].shape[self._lead_t:]
        self.n_samples, nt, nx = shape
        x = np.ravel(self._h5["x-coordinate"][()])
        t = np.ravel(self._h5["t-coordinate"][()])
        if len(x) != nx or len(t) not in (nt, nt + 1):
            self._fail(f"'x-coordinate' ({len(x)}) / 't-coordinate' ({len(t)}) do not match 'tensor' {shape}: "
                       f"expected {nx} and {nt + 1}")
        self._coords, self._t = [x], t[:nt]

    def _inspect_darcy(self) -> None:
        self._lead_t = self._lead("tensor", 4)
        self.family, self._n_channels = "darcy", 1
        self.n_samples, _, nx, ny = self._h5["tensor"].shape[self._lead_t:]
        self._coords = [np.ravel(self._h5[n][()]) for n in ("x-coordinate", "y-coordinate") if n in self._h5]
        if len(self._coords) != 2:
            self._coords = [(np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny]
        self._t = None

    def _inspect_cfd(self) -> None:
        present = [v for v in ("density", "pressure", "Vx", "Vy", "Vz") if v in self._h5]
        ndim = self._h5["density"].ndim
        self._lead_t = 1 if self._h5["density"].shape[0] == 1 and ndim >= 4 and ndim - 3 == len(present) - 2 else 0
        dims = ndim - 2 - self._lead_t
        self.family = family_from_name(self.path) if (family_from_name(self.path) or "").startswith("cfd") \
            else f"cfd{dims}d"
        expected = FAMILIES[self.family][2]
        missing = [v for v in expected + tuple(f"{c}-coordinate" for c in SPACE[:dims]) if v not in self._h5]
        if missing:
            self._fail(f"compressible-NS file without {missing}")
        self._n_channels = len(expected)
        shape = self._h5["density"].shape[self._lead_t:]
        self.n_samples, nt = shape[:2]
        self._coords = [np.ravel(self._h5[f"{c}-coordinate"][()]) for c in SPACE[:dims]]
        t = np.ravel(self._h5["t-coordinate"][()]) if "t-coordinate" in self._h5 else np.arange(nt, dtype=float)
        self._t = t[:nt]

    def _inspect_groups(self) -> None:
        self._keys = sorted(self._h5.keys())
        first = self._h5[self._keys[0]]
        if "data" not in first or "grid" not in first:
            self._fail(f"group {self._keys[0]!r} lacks 'data' or 'grid'")
        family = family_from_name(self.path)
        dims = first["data"].ndim - 2
        if family not in ("diff-sorp", "diff-react", "rdb"):
            family = "diff-sorp" if dims == 1 else "diff-react" if first["data"].shape[-1] == 2 else "rdb"
        self.family, self._n_channels = family, first["data"].shape[-1]
        self.n_samples = len(self._keys)
        grid = first["grid"]
        self._coords = [np.ravel(grid[c][()]) for c in SPACE[:dims]]
        self._t = np.ravel(grid["t"][()])[: first["data"].shape[0]] if "t" in grid else None

    def _inspect_ns_incom(self) -> None:
        self._lead_t = self._lead("velocity", 5)
        self.family, self._n_channels = "ns_incom", 2
        self.n_samples, nt, nx, ny, _ = self._h5["velocity"].shape[self._lead_t:]
        self._coords = [(np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny]
        t = self._h5["t"]
        self._t = (np.ravel(t[(0,) * (t.ndim - 1)]) if t.ndim > 1 else np.ravel(t[()]))[:nt]

    # ------------------------------------------------------------------ samples
    def _check_index(self, index: int) -> int:
        if not isinstance(index, (int, np.integer)) or not 0 <= index < self.n_samples:
            raise ValueError(f"sample index must be in [0, {self.n_samples}), got {index!r}")
        return int(index)

    def _space_slices(self, n: int) -> tuple[slice, ...]:
        return (slice(None, None, self.rs),) * n

    def sample(self, index: int) -> np.ndarray:
        """Sample ``index`` as float32 ``[t, space..., channel]`` (Darcy: t has length 1)."""
        i = self._check_index(index)
        d = len(self.space)
        st = slice(None, None, self.rt)
        if self.layout == "single":
            return self._h5["tensor"][(0,) * self._lead_t + (i, st) + self._space_slices(1)][..., None]
        if self.layout == "darcy":
            return self._h5["tensor"][(0,) * self._lead_t + (i,) + (slice(None),) + self._space_slices(2)][..., None]
        if self.layout == "cfd":
            return np.stack([self._h5[v][(0,) * self._lead_t + (i, st) + self._space_slices(d)]
                             for v in self.fields], axis=-1)
        if self.layout == "ns_incom":
            return self._h5["velocity"][(0,) * self._lead_t + (i, st) + self._space_slices(2)]
        data = self._h5[self._keys[i]]["data"]
        if self.family == "diff-react":  # stored [t, y, x, c]
            return np.swapaxes(data[(st,) + self._space_slices(2)], 1, 2)
        return data[(st,) + self._space_slices(d)]

    def extra(self, index: int) -> dict[str, np.ndarray]:
        """Per-sample data beside the solution: Darcy's coefficient ``nu``; NS ``particles``, ``force``."""
        i = self._check_index(index)
        if self.layout == "darcy":
            return {"nu": self._h5["nu"][(0,) * self._lead("nu", 3) + (i,) + self._space_slices(2)]}
        if self.layout == "ns_incom":
            # particles (N, nt, nx, ny, 1), force (N, nx, ny, 2), each maybe behind a singleton axis
            return {name: self._h5[name][(0,) * self._lead(name, ndim) + (i,)]
                    for name, ndim in (("particles", 5), ("force", 4)) if name in self._h5}
        return {}

    def config(self, index: int) -> dict[str, Any]:
        """The generating configuration of a per-sample group (parsed from its YAML ``config`` attribute)."""
        i = self._check_index(index)
        if self.layout != "groups":
            raise ValueError(f"{self.path.name} is a {self.layout!r} file; only per-sample group files "
                             "(diff-sorp, diff-react, rdb) carry a config")
        key = self._keys[i]
        raw = self._h5[key].attrs.get("config")
        if raw is None:
            return {}
        where = f"{self.path.name}: group {key!r} has a malformed YAML 'config' attribute"
        try:
            config = yaml.safe_load(raw.decode() if isinstance(raw, bytes) else str(raw))
        except UnicodeDecodeError as err:
            raise ValueError(f"{where}: it is not UTF-8 text ({err})") from None
        except yaml.YAMLError as err:
            raise ValueError(f"{where}: {_yaml_problem(err)}") from None
        if config is None:
            return {}
        if not isinstance(config, dict):
            raise ValueError(f"{where}: expected a mapping of 'key: value' entries, got a "
                             f"{type(config).__name__} ({config!r:.60})")
        return config

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return self.sample(0).shape

    def info(self) -> dict[str, Any]:
        """Family, layout, sample count, sample shape, grid extents and parameters."""
        grid = {c: dict(n=len(a), first=float(a[0]), last=float(a[-1]), domain=self.bounds[c])
                for c, a in self.coords.items()}
        if self.t is not None:
            grid["t"] = dict(n=len(self.t), first=float(self.t[0]), last=float(self.t[-1]))
        return dict(file=str(self.path), family=self.family, layout=self.layout, samples=self.n_samples,
                    sample_shape=list(self.sample_shape), axes=["t", *self.space, "channel"],
                    fields=list(self.fields), grid=grid, params=self.params,
                    reduced_resolution=self.rs, reduced_resolution_t=self.rt)

    # ------------------------------------------------------------------ life cycle
    def close(self) -> None:
        self._h5.close()

    def __enter__(self) -> "PDEBenchFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_pdebench(path: str | Path, reduced_resolution: int = 1, reduced_resolution_t: int = 1) -> PDEBenchFile:
    """Open a PDEBench file (any layout in :mod:`pinnkit.data.layouts`); samples are read on demand."""
    return PDEBenchFile(path, reduced_resolution, reduced_resolution_t)
