"""``pinnkit landscape``: train (or load) a model, then measure and plot its loss landscape.

    pinnkit landscape PROBLEM --solver pinn [--loss galerkin|ritz] [--hard] [--directions 50]
                      [--span 0.01] [--points 11] [--steps N] [--every K] [--result FILE] --out DIR

writes DIR/roughness.json (ri, tv_mean, tv_std, directions, span, points, ...; ``curve`` with
``--every``), DIR/profiles.png, DIR/surface.png and, with ``--every``, DIR/ri_curve.png.
The galerkin loss with soft constraints is minimised by the named solver (its tuned defaults,
``--set`` overrides); the Ritz energy and hard-factor losses, which that solver does not
minimise, by Adam on the loss itself with the solver configuration's network, ``lr`` and
``adam_steps``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from pinnkit._io import write_json
from pinnkit.api import resolve_device, resolve_dtype, run_solver, solve
from pinnkit.cli.args import add_config_options, add_param_option, add_threads_option, config_overrides
from pinnkit.landscape.callback import RoughnessCallback
from pinnkit.landscape.directions import BIAS_MODES, random_directions
from pinnkit.landscape.losses import LOSSES, make_loss
from pinnkit.landscape.plot import plot_curve, plot_profiles, plot_surface
from pinnkit.landscape.profiles import METHODS, surface_2d
from pinnkit.landscape.roughness import roughness
from pinnkit.landscape.train import LossMinimizer, LossMinimizerConfig
from pinnkit.nn import build_network
from pinnkit.registry import get_problem
from pinnkit.result import load_result
from pinnkit.solvers import get_solver
from pinnkit.threads import choose_threads

__all__ = ["register", "cmd_landscape"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``landscape`` subcommand to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser("landscape", help="loss landscape and roughness index around a trained model")
    p.add_argument("problem", nargs="?", default=None, help="problem name (omit with --result)")
    p.add_argument("--solver", default="pinn", help="solver that trains the model (default: pinn)")
    p.add_argument("--loss", default=None, choices=sorted(LOSSES),
                   help="loss to study (default: lagrangian for --solver lpinn, else galerkin)")
    p.add_argument("--hard", action="store_true", help="hard Dirichlet factor u = prod (x - a)(b - x) N(x)")
    p.add_argument("--directions", type=int, default=50, help="random directions M (default: 50)")
    p.add_argument("--span", type=float, default=0.01, help="profile half-width l (default: 0.01)")
    p.add_argument("--points", type=int, default=11, help="points per profile (default: 11)")
    p.add_argument("--biases", default="zero", choices=BIAS_MODES, help="bias entries of directions (default: zero)")
    p.add_argument("--surface-points", type=int, default=21, help="2-D surface grid size (0: no surface)")
    p.add_argument("--loss-points", type=int, default=1024, help="interior points of the studied loss")
    p.add_argument("--method", default="batched", choices=METHODS, help="evaluation of perturbed parameters")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the configuration's)")
    p.add_argument("--every", type=int, default=0, metavar="K", help="record the RI every K training steps")
    p.add_argument("--result", default=None, metavar="FILE", help="a saved result.pt to load instead of training")
    add_config_options(p)
    add_param_option(p)
    p.add_argument("--seed", type=int, default=0, help="seed of training, loss points and directions")
    p.add_argument("--dtype", default=None, choices=["float32", "float64"], help="training dtype")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an existing --out")
    add_threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(run=cmd_landscape)
    return p


def _loss_name(args: argparse.Namespace, solver: str) -> str:
    """The studied loss: ``--loss``, or the one ``solver`` minimises; a Lagrangian model only has its own."""
    name = args.loss or ("lagrangian" if solver == "lpinn" else "galerkin")
    if (name == "lagrangian") != (solver == "lpinn"):
        raise ValueError(f"--loss {name} does not fit solver {solver!r}: the lagrangian loss is LPINN's (a model of "
                         "labels and characteristics), the galerkin and ritz losses are of a network u(x, t)")
    return name


def _check_args(args: argparse.Namespace) -> None:
    if args.result is None and args.problem is None:
        raise ValueError("give a PROBLEM to train, or --result FILE to load a trained model")
    if args.result is not None:
        clash = [flag for flag, used in (("--steps", args.steps is not None), ("--every", args.every),
                                          ("--hard", args.hard), ("--set", args.set), ("--config", args.config),
                                          ("--param", args.param))
                 if used]
        if clash:
            raise ValueError(f"{', '.join(clash)} configure training and cannot be used with --result")
    if args.every < 0 or (args.steps is not None and args.steps < 0):
        raise ValueError("--steps and --every must be >= 0")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise ValueError(f"--out {out} already holds files; pass --overwrite to replace them")


def _train(args, problem, loss, callback):
    """Train a model for ``loss``; returns (model, dict of training facts).

    The soft-constraint galerkin loss is what the named solver minimises: :func:`pinnkit.solve`.
    The Ritz energy and the hard-factor losses: Adam on the loss itself (:class:`LossMinimizer`)
    with the solver configuration's network, ``lr`` and ``adam_steps``, run by the same
    :func:`pinnkit.api.run_solver` (threads, driver, errors).
    """
    callbacks = [callback] if callback is not None else []
    progress = False if args.quiet else None
    overrides = config_overrides(args)
    if args.loss in ("galerkin", "lagrangian") and not args.hard:
        result = solve(problem, solver=args.solver, config=overrides, dtype=args.dtype, seed=args.seed,
                       steps=args.steps, progress=progress, callbacks=callbacks, threads=args.threads)
        trained_by = args.solver
    else:
        cfg = get_solver(args.solver).default_config(problem.name, overrides)
        missing = [k for k in ("width", "depth", "activation", "lr", "adam_steps") if not hasattr(cfg, k)]
        if missing:
            raise ValueError(f"solver {args.solver!r} has no network settings {missing} to train the {args.loss} "
                             "loss with")
        network = build_network(problem, width=cfg.width, depth=cfg.depth, activation=cfg.activation,
                                generator=torch.Generator().manual_seed(args.seed), dtype=resolve_dtype(args.dtype),
                                device=resolve_device(None))
        minimizer = LossMinimizer(problem, loss, network, LossMinimizerConfig(
            steps=cfg.adam_steps if args.steps is None else args.steps, lr=cfg.lr))
        if callback is not None:
            callback.record(0, network)
        result = run_solver(minimizer, seed=args.seed, progress=progress, callbacks=callbacks, threads=args.threads)
        trained_by = f"adam on the {args.loss} loss ({args.solver} network)"
    return result.model, dict(trained_by=trained_by, status=result.status.name, steps=result.steps,
                              wall_time_s=result.wall_time_s, errors=result.errors, threads=result.threads)


def cmd_landscape(args: argparse.Namespace) -> int:
    _check_args(args)
    out = Path(args.out)
    options = dict(directions=args.directions, span=args.span, points=args.points, seed=args.seed,
                   biases=args.biases, method=args.method, dtype=torch.float64)
    if args.result is not None:
        result = load_result(args.result)
        problem, model = result.problem, result.model
        facts = dict(trained_by=f"{result.solver} (loaded from {args.result})", status=result.status.name,
                     steps=result.steps, wall_time_s=result.wall_time_s, errors=result.errors)
        args.loss = _loss_name(args, result.solver)
        extra = dict(config=result.config) if args.loss == "lagrangian" else {}
        loss = make_loss(problem, args.loss, n_interior=args.loss_points, seed=args.seed, **extra)
        callback = None
    else:
        problem = get_problem(args.problem, **dict(args.param))
        args.loss = _loss_name(args, args.solver)
        extra = {}
        if args.loss == "lagrangian":
            extra["config"] = get_solver(args.solver).default_config(problem.name, config_overrides(args))
        loss = make_loss(problem, args.loss, hard=args.hard, n_interior=args.loss_points, seed=args.seed, **extra)
        callback = RoughnessCallback(loss, args.every, **options) if args.every else None
        model, facts = _train(args, problem, loss, callback)
    threads, _ = choose_threads(args.threads, next(model.parameters()).device, None)
    torch.set_num_threads(threads)  # the command's own process: no count to restore
    start = time.perf_counter()
    r = roughness(model, loss, **options)
    elapsed = time.perf_counter() - start
    title = f"{problem.name}: {args.loss} loss{' (hard factor)' if args.hard else ''}"
    figures = [plot_profiles(r, out / "profiles.png", title).name]
    if args.surface_points:
        d1, d2 = random_directions(model, 2, seed=args.seed, biases=args.biases)
        surface = surface_2d(model, loss, d1, d2, span=args.span,
                             points=args.surface_points, method=args.method)
        figures.append(plot_surface(surface, out / "surface.png", title).name)
    summary = dict(problem=problem.name, params=dict(problem.params), loss=args.loss, hard=args.hard,
                   **r.to_dict(), method=args.method, eval_dtype="float64", roughness_time_s=round(elapsed, 3),
                   **facts)
    if callback is not None and callback.curve:
        summary["curve"] = callback.curve
        figures.append(plot_curve(callback.curve, out / "ri_curve.png", f"{title}: RI along training").name)
    summary["figures"] = figures
    write_json(out / "roughness.json", summary)
    print(f"{problem.name} / {args.loss}{' (hard)' if args.hard else ''}: RI {r.ri:.4g} (TV mean {r.tv_mean:.4g}, "
          f"std {r.tv_std:.4g}) over {r.directions} directions, span {r.span:g}, {r.points} points; "
          f"{len(r.tv) * r.points} evaluations in {elapsed:.2f} s -> {out}")
    return 0
