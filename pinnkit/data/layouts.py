"""PDEBench's HDF5 layouts: names, families, parameters parsed from attributes or file names.

All data are float32 on disk with axes ``[sample, t, space..., channel]`` (see the PDEBench
data description, Takahashi et al., NeurIPS 2022, appendix B). Layouts:

* ``single``    ``tensor`` (N, nt, nx), ``x-coordinate`` (nx,), ``t-coordinate`` (nt + 1,):
                1-D advection, Burgers, reaction-diffusion;
* ``darcy``     ``tensor`` (N, 1, nx, ny) solution, ``nu`` (N, nx, ny) coefficient, coordinates;
* ``cfd``       one dataset per variable (``density``, ``pressure``, ``Vx`` [, ``Vy``, ``Vz``]) shaped
                (N, nt, nx[, ny, nz]) and ``x-``/``y-``/``z-``/``t-coordinate``;
* ``groups``    groups ``"0000"``, ``"0001"``, ... holding ``data`` [t, x(, y), c], ``grid/x``,
                ``grid/y``, ``grid/t`` and the YAML attribute ``config`` (diffusion-sorption,
                2-D diffusion-reaction stored [t, y, x, c], radial dam break);
* ``ns_incom``  ``velocity`` (N, nt, nx, ny, 2), ``particles``, ``force``, ``t`` (N, nt).
"""
from __future__ import annotations

import re
from pathlib import Path

# family -> (layout, space dims, fields, parameter names)
FAMILIES: dict[str, tuple[str, int, tuple[str, ...], tuple[str, ...]]] = {
    "advection": ("single", 1, ("u",), ("beta",)),
    "burgers": ("single", 1, ("u",), ("nu",)),
    "reacdiff": ("single", 1, ("u",), ("nu", "rho")),
    "darcy": ("darcy", 2, ("u",), ("beta",)),
    "cfd1d": ("cfd", 1, ("density", "pressure", "Vx"), ("eta", "zeta", "M")),
    "cfd2d": ("cfd", 2, ("density", "pressure", "Vx", "Vy"), ("eta", "zeta", "M")),
    "cfd3d": ("cfd", 3, ("density", "pressure", "Vx", "Vy", "Vz"), ("eta", "zeta", "M")),
    "diff-sorp": ("groups", 1, ("u",), ()),
    "diff-react": ("groups", 2, ("u", "v"), ()),
    "rdb": ("groups", 2, ("h",), ()),
    "ns_incom": ("ns_incom", 2, ("vx", "vy"), ()),
}

# the attribute each parameter is stored under at the file's root
PARAM_ATTRS = {"beta": "beta", "nu": "Nu", "rho": "rho", "eta": "eta", "zeta": "zeta", "M": "M"}
# the token that precedes each parameter in PDEBench's file names (case-insensitive)
PARAM_TOKENS = {"beta": "beta", "nu": "Nu", "rho": "Rho", "eta": "Eta", "zeta": "Zeta", "M": "M"}

EXPECTED = ("'tensor' + 'x-coordinate' + 't-coordinate' (1-D advection / Burgers / ReacDiff); "
            "'tensor' + 'nu' (Darcy); 'density' + 'pressure' + 'Vx' (compressible NS); "
            "groups '0000', '0001', ... holding 'data' and 'grid' (diff-sorp, diff-react, rdb); "
            "'velocity' + 't' (incompressible NS)")


def family_from_name(path: str | Path) -> str | None:
    """The family a PDEBench file name announces, or ``None``."""
    name = Path(path).name.lower()
    rules = (("1d_advection", "advection"), ("1d_burgers", "burgers"), ("reacdiff", "reacdiff"),
             ("darcy", "darcy"), ("1d_cfd", "cfd1d"), ("2d_cfd", "cfd2d"), ("3d_cfd", "cfd3d"),
             ("diff-sorp", "diff-sorp"), ("diff-react", "diff-react"), ("rdb", "rdb"), ("ns_incom", "ns_incom"))
    return next((family for token, family in rules if token in name), None)


def params_from_name(path: str | Path, names: tuple[str, ...]) -> dict[str, float]:
    """Parameters written in a file name, e.g. ``1D_Burgers_Sols_Nu0.01.hdf5`` -> ``{"nu": 0.01}``."""
    stem = Path(path).name
    for suffix in (".hdf5", ".h5"):
        stem = stem[: -len(suffix)] if stem.lower().endswith(suffix) else stem
    found = {}
    for name in names:
        token = PARAM_TOKENS[name]
        match = re.search(rf"(?:^|_){token}([-+0-9.eE]+?)(?=_|$)", stem,
                          flags=0 if name == "M" else re.IGNORECASE)
        if match:
            try:
                found[name] = float(match.group(1).rstrip("."))
            except ValueError:
                pass
    return found


def detect_layout(keys: set[str], groups_only: bool) -> str | None:
    """The layout whose required names are all in ``keys`` (root names of the file)."""
    if groups_only and keys and all(re.fullmatch(r"\d+", k) for k in keys):
        return "groups"
    if {"tensor", "nu"} <= keys:
        return "darcy"
    if {"tensor", "x-coordinate", "t-coordinate"} <= keys:
        return "single"
    if {"density", "pressure", "Vx"} <= keys:
        return "cfd"
    if {"velocity", "t"} <= keys:
        return "ns_incom"
    return None
