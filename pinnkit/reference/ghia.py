"""Centre-line velocities of the lid-driven cavity from Ghia, Ghia & Shin (1982).

U. Ghia, K. N. Ghia and C. T. Shin, "High-Re solutions for incompressible flow using the
Navier-Stokes equations and a multigrid method", J. Comput. Phys. 48, 387-411 (1982):
Table I, u along the vertical centre line x = 0.5; Table II, v along the horizontal centre line
y = 0.5; unit square, lid y = 1 moving with u = 1, 129 x 129 grid (Re 100, 400, 1000).

Values are typed in following the paper's layout (row order lid / right wall first, with the
"129-grid point number"); every coordinate equals (point - 1) / 128 rounded to 4 decimals.
The numbers were cross-checked against several independent public transcriptions, which
disagree on two Table II entries; the majority reading is kept: Re 400, x = 0.5: 0.05186
(also seen as 0.05188); Re 1000, x = 0.9063: -0.51550 (also seen as -0.51500).

One entry is a known outlier: Table II, Re 400, x = 0.9063, v = -0.23827 breaks the smooth
profile between its neighbours (-0.22847 at 0.9453, -0.44993 at 0.8594); the solver in
``cavity.py`` gives -0.382 there on the same 129 x 129 grid.  It is kept as published and flagged ``False`` in ``v_reliable``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ghia_centerlines", "GHIA_REYNOLDS"]

# Table I: u(0.5, y).  Columns: 129-grid point number, y, u for Re = 100, 400, 1000.
_TABLE_I = (
    (129, 1.0000, 1.00000, 1.00000, 1.00000),
    (126, 0.9766, 0.84123, 0.75837, 0.65928),
    (125, 0.9688, 0.78871, 0.68439, 0.57492),
    (124, 0.9609, 0.73722, 0.61756, 0.51117),
    (123, 0.9531, 0.68717, 0.55892, 0.46604),
    (110, 0.8516, 0.23151, 0.29093, 0.33304),
    (95, 0.7344, 0.00332, 0.16256, 0.18719),
    (80, 0.6172, -0.13641, 0.02135, 0.05702),
    (65, 0.5000, -0.20581, -0.11477, -0.06080),
    (59, 0.4531, -0.21090, -0.17119, -0.10648),
    (37, 0.2813, -0.15662, -0.32726, -0.27805),
    (23, 0.1719, -0.10150, -0.24299, -0.38289),
    (14, 0.1016, -0.06434, -0.14612, -0.29730),
    (10, 0.0703, -0.04775, -0.10338, -0.22220),
    (9, 0.0625, -0.04192, -0.09266, -0.20196),
    (8, 0.0547, -0.03717, -0.08186, -0.18109),
    (1, 0.0000, 0.00000, 0.00000, 0.00000),
)

# Table II: v(x, 0.5).  Columns: 129-grid point number, x, v for Re = 100, 400, 1000.
_TABLE_II = (
    (129, 1.0000, 0.00000, 0.00000, 0.00000),
    (125, 0.9688, -0.05906, -0.12146, -0.21388),
    (124, 0.9609, -0.07391, -0.15663, -0.27669),
    (123, 0.9531, -0.08864, -0.19254, -0.33714),
    (122, 0.9453, -0.10313, -0.22847, -0.39188),
    (117, 0.9063, -0.16914, -0.23827, -0.51550),
    (111, 0.8594, -0.22445, -0.44993, -0.42665),
    (104, 0.8047, -0.24533, -0.38598, -0.31966),
    (65, 0.5000, 0.05454, 0.05186, 0.02526),
    (31, 0.2344, 0.17527, 0.30174, 0.32235),
    (30, 0.2266, 0.17507, 0.30203, 0.33075),
    (21, 0.1563, 0.16077, 0.28124, 0.37095),
    (13, 0.0938, 0.12317, 0.22965, 0.32627),
    (11, 0.0781, 0.10890, 0.20920, 0.30353),
    (10, 0.0703, 0.10091, 0.19713, 0.29012),
    (9, 0.0625, 0.09233, 0.18360, 0.27485),
    (1, 0.0000, 0.00000, 0.00000, 0.00000),
)

GHIA_REYNOLDS: tuple[int, ...] = (100, 400, 1000)

# Known outliers: Reynolds number -> coordinates of unreliable Table II entries.
_V_OUTLIERS: dict[int, tuple[float, ...]] = {400: (0.9063,)}


def ghia_centerlines(re: int) -> dict[str, np.ndarray]:
    """Ghia et al. (1982) centre-line velocities for ``re`` in ``GHIA_REYNOLDS``.

    Returns arrays sorted by increasing coordinate: ``y``, ``u`` (u(0.5, y), Table I),
    ``x``, ``v`` (v(x, 0.5), Table II), the 1-based 129-grid point numbers ``y_point`` and
    ``x_point``, and boolean masks ``u_reliable``/``v_reliable`` (False at known outliers).
    """
    if re not in GHIA_REYNOLDS:
        available = ", ".join(str(r) for r in GHIA_REYNOLDS)
        raise ValueError(f"no Ghia et al. (1982) data for Re={re!r}; available Re: {available}")
    column = 2 + GHIA_REYNOLDS.index(re)
    table_u = np.array(_TABLE_I, float)[::-1]
    table_v = np.array(_TABLE_II, float)[::-1]
    outliers = _V_OUTLIERS.get(re, ())
    return {
        "y": table_u[:, 1].copy(),
        "u": table_u[:, column].copy(),
        "y_point": table_u[:, 0].astype(int),
        "u_reliable": np.ones(len(table_u), bool),
        "x": table_v[:, 1].copy(),
        "v": table_v[:, column].copy(),
        "x_point": table_v[:, 0].astype(int),
        "v_reliable": ~np.isin(table_v[:, 1], outliers),
    }
