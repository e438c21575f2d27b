"""PINN vs LPINN on transport-dominated problems, at equal network size and wall time, and their loss
landscapes.

    python benchmarks/lpinn.py [--budget 90] [--seeds 0,1,2] [--jobs 2] [--cases ...] [--no-extras]
                               [--no-landscape] [--json out.json] [--plot out.png]

Table 1: relative L2 against the exact / spectral reference (mean over seeds, and min-max) for
convection1d at beta in {1, 10, 30, 50, 70, 100} (nu = 0), convection-diffusion (beta = 30,
nu = 0.01) and the moving-shock Burgers problem (burgers1d_shock) on t in [0, 2], whose error is also
given up to t = 1, when the shock forms, and on t in [0, 1] only ("to the shock"). Both solvers use their catalogue presets (same width and depth),
one thread and the same ``--budget`` of training seconds; ``--jobs`` runs go side by side (one
per core). Table 2 (extras): LPINN with the paper's loss weights (``weights="paper"``) and with the
label-space diffusion of the published code (``diffusion="label"``). Table 3: the roughness index
of each solver's own loss around its trained seed-0 model at beta = 30 and 70
(``pinnkit landscape --result``, 50 directions). Every run is a fresh process.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _meta import print_table, run_in_child, write_json

BETAS = (1.0, 10.0, 30.0, 50.0, 70.0, 100.0)
SHOCK_TIME = 1.0  # burgers1d_shock: u0 = sin x + c breaks at t = 1 / max(-u0') = 1


def cases() -> dict[str, tuple[str, dict]]:
    out = {f"convection b={b:g}": ("convection1d", dict(beta=b, nu=0.0)) for b in BETAS}
    out["conv-diff b=30 nu=0.01"] = ("convection1d", dict(beta=30.0, nu=0.01))
    out["burgers shock"] = ("burgers1d_shock", {})
    out["burgers to the shock"] = ("burgers1d_shock", dict(t_final=SHOCK_TIME))
    return out


VARIANTS = {"pinn": ("pinn", {}), "lpinn": ("lpinn", {}), "lpinn paper weights": ("lpinn", {"weights": "paper"}),
            "lpinn label diffusion": ("lpinn", {"diffusion": "label"})}
EXTRAS = {"lpinn paper weights": ("convection b=30", "convection b=100", "burgers to the shock"),
          "lpinn label diffusion": ("conv-diff b=30 nu=0.01", "burgers shock", "burgers to the shock")}


def train(problem: str, params: dict, solver: str, config: dict, budget: float, seed: int, save: str | None) -> dict:
    """In a child process: train for ``budget`` seconds; errors on the reference grid, also up to the shock."""
    import warnings

    import numpy as np
    import torch

    import pinnkit

    torch.set_num_threads(1)
    result = pinnkit.solve(problem, solver=solver, config=config or None, time_budget_s=budget, progress=False,
                           threads=1, seed=seed, **params)
    grid = result.problem.reference.grid()
    points, ref = grid.points(), grid.flat_values()
    early = points[:, -1] <= SHOCK_TIME + 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # crossing characteristics are in the result's message
        pred = result.u(points[early])
    until_shock = float(np.linalg.norm(pred - ref[early]) / np.linalg.norm(ref[early]))
    if save:
        result.save(save)
    return dict(problem=problem, params=params, solver=solver, config=config, seed=seed,
                rel_l2=(result.errors or {}).get("rel_l2"), rel_l2_until_shock=until_shock, steps=result.steps,
                train_s=result.wall_time_s, status=result.status.name, message=result.message)


def child(function: str, *args) -> dict:
    return run_in_child(__file__, function, *args, env={"OMP_NUM_THREADS": "1"})


def landscape(result_file: str, out: str) -> dict:
    """``pinnkit landscape --result`` on a saved model: its own loss's roughness index."""
    cmd = [sys.executable, "-c", "import sys; from pinnkit.cli import main; sys.exit(main(sys.argv[1:]))",
           "landscape", "--result", result_file, "--out", out, "--surface-points", "0", "--threads", "1", "-q",
           "--overwrite"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    summary = Path(out) / "roughness.json"
    if proc.returncode or not summary.is_file():
        return dict(error=(proc.stderr.strip().splitlines() or ["no output"])[-1])
    data = json.loads(summary.read_text())
    return dict(ri=data["ri"], tv_mean=data["tv_mean"], tv_std=data["tv_std"], loss=data["loss"],
                roughness_time_s=data["roughness_time_s"])


def summarise(runs: list[dict], key: str = "rel_l2") -> dict:
    values = [r[key] for r in runs if r.get(key) is not None]
    if not values:
        return {}
    return dict(mean=statistics.fmean(values), low=min(values), high=max(values), n=len(values))


def spread(s: dict) -> str:
    return f"{s['mean']:.2e} ({s['low']:.1e}-{s['high']:.1e})" if s else "-"


def plot(table: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8), constrained_layout=True)
    for variant, marker in (("pinn", "o"), ("lpinn", "s")):
        xs, mean, low, high = [], [], [], []
        for b in BETAS:
            s = table.get((f"convection b={b:g}", variant))
            if s:
                xs.append(b)
                mean.append(s["mean"])
                low.append(s["mean"] - s["low"])
                high.append(s["high"] - s["mean"])
        ax.errorbar(xs, mean, yerr=[low, high], marker=marker, capsize=3, label=variant.upper())
    ax.set_yscale("log")
    ax.set_xlabel(r"transport speed $\beta$")
    ax.set_ylabel(r"relative $L^2$ error")
    ax.set_title(r"$u_t + \beta u_x = 0$, $u_0 = \sin x$ (mean, min-max of seeds)")
    ax.axhline(1e-2, color="grey", lw=0.8, ls="--")
    ax.legend()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per run (default 90)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2, help="runs side by side, one thread each (default 2)")
    parser.add_argument("--cases", default=",".join(cases()), help="comma-separated case names (default: all)")
    parser.add_argument("--no-extras", action="store_true", help="skip the paper-weights and label-diffusion runs")
    parser.add_argument("--no-landscape", action="store_true", help="skip the roughness indices")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None, help="error vs beta figure (PNG)")
    args = parser.parse_args()

    catalogue = cases()
    chosen = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in catalogue]
    if unknown:
        raise SystemExit(f"unknown cases {unknown}; valid: {list(catalogue)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    work = tempfile.mkdtemp(prefix="lpinn_bench_")
    jobs = []
    for case in chosen:
        variants = ["pinn", "lpinn"] + ([v for v, on in EXTRAS.items() if case in on] if not args.no_extras else [])
        for variant in variants:
            for seed in seeds:
                landscape_beta = catalogue[case][1].get("beta") in (30.0, 70.0) and catalogue[case][1].get("nu") == 0
                save = (f"{work}/{variant}_{case.replace(' ', '_')}_{seed}.pt"
                        if seed == seeds[0] and landscape_beta and variant in ("pinn", "lpinn") else None)
                jobs.append((case, variant, seed, save))

    def run(job):
        case, variant, seed, save = job
        problem, params = catalogue[case]
        solver, config = VARIANTS[variant]
        r = child("train", problem, params, solver, config, args.budget, seed, save)
        r.update(case=case, variant=variant, seed=seed, saved=save)
        print(f"{case:24s} {variant:22s} seed {seed}: {r.get('rel_l2') or float('nan'):.3e} "
              f"(to t=1 {r.get('rel_l2_until_shock') or float('nan'):.3e}) {r.get('steps', '-')} steps "
              f"{r.get('error', '')}", flush=True)
        return r

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run, jobs))

    table = {}
    for case in chosen:
        for variant in VARIANTS:
            group = [r for r in runs if r["case"] == case and r["variant"] == variant and "error" not in r]
            if group:
                table[(case, variant)] = summarise(group)
                table[(case, variant, "shock")] = summarise(group, "rel_l2_until_shock")
    rows = []
    for case in chosen:
        p, l = table.get((case, "pinn"), {}), table.get((case, "lpinn"), {})
        row = {"case": case, "PINN rel. L2": spread(p), "LPINN rel. L2": spread(l),
               "PINN / LPINN": p["mean"] / l["mean"] if p and l else None}
        if case.startswith("burgers"):
            ps, ls = table.get((case, "pinn", "shock"), {}), table.get((case, "lpinn", "shock"), {})
            row.update({"PINN to t=1": spread(ps), "LPINN to t=1": spread(ls)})
        rows.append(row)
    print(f"\nTable 1: relative L2, {len(seeds)} seeds, {args.budget:g} s of training each")
    print_table(rows, ["case", "PINN rel. L2", "LPINN rel. L2", "PINN / LPINN", "PINN to t=1", "LPINN to t=1"])
    extra_rows = []
    for variant, on in ({} if args.no_extras else EXTRAS).items():
        for case in on:
            if case in chosen and (case, variant) in table:
                extra_rows.append({"case": case, "variant": variant, "rel. L2": spread(table[(case, variant)]),
                                   "tuned LPINN": spread(table.get((case, "lpinn"), {})),
                                   "to t=1": spread(table[(case, variant, "shock")])})
    if extra_rows:
        print("\nTable 2: LPINN variants")
        print_table(extra_rows, ["case", "variant", "rel. L2", "tuned LPINN", "to t=1"])
    rough = []
    if not args.no_landscape:
        for r in runs:
            if r.get("saved") and "error" not in r:
                info = landscape(r["saved"], r["saved"].replace(".pt", "_landscape"))
                rough.append(dict(case=r["case"], solver=r["variant"], seed=r["seed"], rel_l2=r["rel_l2"], **info))
                print(rough[-1], flush=True)
        if rough:
            print("\nTable 3: roughness index of each solver's loss around its trained model (seed 0)")
            print_table(rough, ["case", "solver", "rel_l2", "ri", "tv_mean", "tv_std", "loss"])
    if args.plot:
        plot(table, args.plot)
    write_json(args.json, [dict(table="accuracy", budget_s=args.budget, **r) for r in runs]
               + [dict(table="landscape", **r) for r in rough])


if __name__ == "__main__":
    main()
