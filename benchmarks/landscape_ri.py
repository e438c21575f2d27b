"""The roughness-index findings of Wu, Jian, Du, Chen & Zhou (2021) on poisson1d.

    python benchmarks/landscape_ri.py [--seeds 0 1 2] [--steps 3000] [--every 300] [--json out.json]

Problem: -u'' = pi^2 sin(pi x) on [0, 1], u(0) = u(1) = 0, exact u = sin(pi x) (poisson1d with
its default k = 1). Ansatz with the hard boundary factor u = x (1 - x) N(x), N either the Deep
Ritz residual network (width 10, 3 blocks of two swish layers; E & Yu 2018) or a plain tanh MLP
(20 x 3). Each loss, the deep Galerkin (least-squares residual) and the deep Ritz energy, is
minimised on its own by Adam (float64, the same 256 Sobol points), and the roughness index is
measured around each minimiser with the paper's defaults (50 filter-normalised directions,
11 points on [-0.01, 0.01]), and every ``--every`` steps along training.

Findings checked, per network and seed:
* ``G<R``: RI of the Galerkin loss at its minimiser is smaller than RI of the Ritz energy at its;
* ``rise_fall``: along training the RI rises above its initial value and then falls: the last
  record is at least 10 % below the peak, and the peak is neither the first nor the last record.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import pinnkit
from pinnkit.driver import run
from pinnkit.landscape import LossMinimizer, LossMinimizerConfig, ResNet, RoughnessCallback, make_loss, roughness
from pinnkit.nn import MLP

from pinnkit._io import write_json as write_json_file

from _meta import print_table, run_metadata


def network(kind: str, seed: int) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    if kind == "resnet":
        return ResNet(1, 1, width=10, blocks=3, activation="swish", generator=g, dtype=torch.float64)
    return MLP(1, 1, width=20, depth=3, activation="tanh", generator=g, dtype=torch.float64)


def rises_then_falls(curve: list[dict]) -> bool:
    ri = [row["ri"] for row in curve]
    peak = int(np.argmax(ri))
    return 0 < peak < len(ri) - 1 and ri[peak] > ri[0] and ri[-1] <= 0.9 * ri[peak]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--nets", nargs="*", default=["resnet", "mlp"], choices=["resnet", "mlp"])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--points", type=int, default=256, help="Sobol points of both losses")
    parser.add_argument("--directions", type=int, default=50)
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    problem = pinnkit.get_problem("poisson1d")
    x = torch.linspace(0, 1, 1001, dtype=torch.float64)[:, None]
    exact = torch.sin(torch.pi * x)
    rows, curves = [], {}
    for kind in args.nets:
        for seed in args.seeds:
            for name in ("galerkin", "ritz"):
                loss = make_loss(problem, name, hard=True, n_interior=args.points, seed=seed)
                net = network(kind, seed)
                callback = RoughnessCallback(loss, args.every, directions=args.directions, seed=seed)
                callback.record(0, net)
                start = time.perf_counter()
                solver = LossMinimizer(problem, loss, net, LossMinimizerConfig(steps=args.steps, lr=args.lr))
                outcome = run(solver, progress=False, callbacks=[callback])
                wall = time.perf_counter() - start
                r = roughness(net, loss, directions=args.directions, seed=seed)
                with torch.no_grad():
                    err = float((solver.predict(x) - exact).norm() / exact.norm())
                curve = callback.curve
                curves[f"{kind}/{name}/{seed}"] = curve
                peak = max(curve, key=lambda row: row["ri"])
                rows.append(dict(net=kind, loss=name, seed=seed, ri=r.ri, tv_mean=r.tv_mean, tv_std=r.tv_std,
                                 final_loss=float(loss(net)[0].detach()), rel_l2=err, ri_start=curve[0]["ri"],
                                 ri_peak=peak["ri"], peak_step=peak["step"], ri_end=curve[-1]["ri"],
                                 rise_fall=rises_then_falls(curve), status=outcome.status.name, wall_s=wall))
                print(rows[-1], flush=True)
    summary = []
    for kind in args.nets:
        for seed in args.seeds:
            g, rz = (next(r for r in rows if (r["net"], r["loss"], r["seed"]) == (kind, n, seed))
                     for n in ("galerkin", "ritz"))
            summary.append(dict(net=kind, seed=seed, ri_galerkin=g["ri"], ri_ritz=rz["ri"],
                                ratio_ritz_over_galerkin=rz["ri"] / g["ri"] if g["ri"] > 0 else None,
                                galerkin_smaller=g["ri"] < rz["ri"], rise_fall_galerkin=g["rise_fall"],
                                rise_fall_ritz=rz["rise_fall"], rel_l2_galerkin=g["rel_l2"], rel_l2_ritz=rz["rel_l2"]))
    print(run_metadata())
    print_table(rows, ["net", "loss", "seed", "ri", "tv_mean", "tv_std", "final_loss", "rel_l2", "ri_start", "ri_peak",
                       "peak_step", "ri_end", "rise_fall", "wall_s"])
    print()
    print_table(summary, ["net", "seed", "ri_galerkin", "ri_ritz", "ratio_ritz_over_galerkin", "galerkin_smaller",
                          "rise_fall_galerkin", "rise_fall_ritz", "rel_l2_galerkin", "rel_l2_ritz"])
    for kind in args.nets:
        mine = [s for s in summary if s["net"] == kind]
        print(f"{kind}: Galerkin RI < Ritz RI in {sum(s['galerkin_smaller'] for s in mine)}/{len(mine)} seeds; "
              f"RI rises then falls in {sum(s['rise_fall_galerkin'] for s in mine)}/{len(mine)} Galerkin and "
              f"{sum(s['rise_fall_ritz'] for s in mine)}/{len(mine)} Ritz runs")
    if args.json:
        write_json_file(args.json, dict(meta=run_metadata(), rows=rows, summary=summary, curves=curves))


if __name__ == "__main__":
    main()
