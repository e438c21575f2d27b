"""Reference solvers: accuracy against independent data and cost.

    python benchmarks/references.py [--json out.json] [--published tests/published]

Rows: burgers1d (Cole-Hopf) vs the published Chebfun file burgers_shock.mat, allen_cahn1d
(ETDRK4) vs AC.mat, the cavity solver vs Ghia et al. (1982) at Re = 100 and 400, and the time
to compute each catalogue reference on its default grid (disk cache off, one thread).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from scipy.io import loadmat

import pinnkit
from pinnkit.reference import cache
from pinnkit.reference.cavity import solve_lid_driven_cavity
from pinnkit.reference.ghia import ghia_centerlines

from _meta import print_table, run_metadata, write_json


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def published_row(folder: Path, name: str, filename: str, x_key: str, t_key: str, u_key: str, target: float) -> dict:
    """Our reference on a published file's own (x, t) grid, relative L2 against it."""
    data = loadmat(folder / filename)
    x, t, published = data[x_key].ravel(), data[t_key].ravel(), data[u_key]
    problem = pinnkit.get_problem(name)
    start = time.perf_counter()
    mesh = np.stack(np.meshgrid(x, t, indexing="ij"), -1).reshape(-1, 2)
    ours = problem.reference(mesh).reshape(published.shape)
    return dict(check=f"{name} vs {filename}", metric="rel L2", value=rel_l2(ours, published), target=target,
                seconds=time.perf_counter() - start)


def ghia_row(re: int) -> dict:
    start = time.perf_counter()
    sol = solve_lid_driven_cavity(re=float(re), n=129)
    table = ghia_centerlines(re)
    du = np.abs(sol.u_centerline(table["y"]) - table["u"])[table["u_reliable"]].max()
    dv = np.abs(sol.v_centerline(table["x"]) - table["v"])[table["v_reliable"]].max()
    return dict(check=f"cavity Re={re} (129^2) vs Ghia 1982", metric="max |du|,|dv| / lid",
                value=float(max(du, dv)), target=0.01, seconds=time.perf_counter() - start)


def cost_rows() -> list[dict]:
    rows = []
    for name in pinnkit.list_problems():
        problem = pinnkit.get_problem(name)
        start = time.perf_counter()
        grid = problem.reference.grid()
        rows.append(dict(check=f"{name} reference grid {'x'.join(map(str, grid.values.shape[:-1]))}",
                         metric="-", value=None, target=None, seconds=time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--published", default=str(Path(__file__).resolve().parents[1] / "tests" / "published"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    cache.DEFAULT_CACHE_DIR = Path(__import__("tempfile").mkdtemp())  # measure compute, not the cache
    published = Path(args.published)
    rows = [published_row(published, "burgers1d", "burgers_shock.mat", "x", "t", "usol", 1e-10),
            published_row(published, "allen_cahn1d", "AC.mat", "x", "tt", "uu", 1e-9),
            ghia_row(100), ghia_row(400)] + cost_rows()
    print(run_metadata())
    print_table(rows, ["check", "metric", "value", "target", "seconds"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
