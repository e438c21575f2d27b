"""pinnkit vs DeepXDE on DeepXDE's own Burgers example configuration, side by side.

    python benchmarks/deepxde_burgers.py [--adam 15000] [--lbfgs 15000] [--json out.json]

DeepXDE is never a dependency: install it in a separate environment
(``python -m venv /tmp/dde && /tmp/dde/bin/pip install torch==2.13.0 deepxde`` plus this
package) and run the script there with ``DDE_BACKEND=pytorch``. Without deepxde only the
pinnkit row is printed. Both sides: 3 hidden layers of 20 tanh, 2540 domain / 80 boundary /
160 initial points, Adam lr 1e-3 then L-BFGS, float32 (DeepXDE's default); error is the
relative L2 against pinnkit's Cole-Hopf reference on the same 256 x 101 grid.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

import pinnkit

from _meta import print_table, run_metadata, write_json


def run_pinnkit(adam: int, lbfgs: int) -> dict:
    cfg = dict(width=20, depth=3, n_residual=2540, n_boundary=80, n_initial=160, sampling="uniform",
               adam_steps=adam, lr=1e-3, lr_decay=1.0, lbfgs_steps=lbfgs, w_initial=1.0, w_boundary=1.0,
               adaptive="none", lbfgs_dtype="same")
    result = pinnkit.solve("burgers1d", config=cfg, progress=False)
    return dict(code="pinnkit", rel_l2=result.errors["rel_l2"], wall_time_s=result.wall_time_s,
                steps=result.steps, s_per_step=result.wall_time_s / max(result.steps, 1), note=result.message)


def run_deepxde(adam: int, lbfgs: int) -> dict | None:
    try:
        import deepxde as dde
    except ImportError:
        return None
    space = dde.geometry.Interval(-1, 1)
    geomtime = dde.geometry.GeometryXTime(space, dde.geometry.TimeDomain(0, 0.99))  # as in DeepXDE's example

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - 0.01 / math.pi * dy_xx

    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=2540, num_boundary=80, num_initial=160)
    net = dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    start = time.perf_counter()
    model.compile("adam", lr=1e-3)
    model.train(iterations=adam, display_every=10**9)
    dde.optimizers.config.set_LBFGS_options(maxiter=lbfgs)
    model.compile("L-BFGS")
    losshistory, _ = model.train(display_every=10**9)
    wall = time.perf_counter() - start
    grid = pinnkit.get_problem("burgers1d").reference.grid()
    pred = model.predict(grid.points().astype(np.float32)).astype(np.float64)
    ref = grid.flat_values()
    steps = int(losshistory.steps[-1])
    return dict(code="deepxde", rel_l2=float(np.linalg.norm(pred - ref) / np.linalg.norm(ref)), wall_time_s=wall,
                steps=steps, s_per_step=wall / max(steps, 1), note=f"deepxde {dde.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adam", type=int, default=15000)
    parser.add_argument("--lbfgs", type=int, default=15000)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [run_pinnkit(args.adam, args.lbfgs)]
    other = run_deepxde(args.adam, args.lbfgs)
    if other is None:
        print("deepxde is not importable here: only the pinnkit row is printed")
    else:
        rows.append(other)
        rows.append(dict(code="ratio deepxde/pinnkit", rel_l2=other["rel_l2"] / rows[0]["rel_l2"],
                         s_per_step=other["s_per_step"] / rows[0]["s_per_step"]))
    print(run_metadata())
    print_table(rows, ["code", "rel_l2", "wall_time_s", "steps", "s_per_step", "note"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
