"""``pinnkit train-preconditioner``: train a learned factor preconditioner for one family of systems.

    pinnkit train-preconditioner FAMILY --out DIR [--n 1000] [--systems 32] [--steps 1500] [--batch 8]
                                 [--lr 3e-3] [--hidden 16] [--mp-steps 5] [--random-rhs 8]
                                 [--features position boundary] [--seed 0]
                                 [--threads 1] [--overwrite] [-q]

FAMILY is one of :data:`pinnkit.linsys.FAMILIES`.  Trains on ``--systems`` members of about
``--n`` unknowns (:func:`pinnkit.learned.factor_train.train_factor`, with a progress bar), then
writes DIR/preconditioner.pt (load it with :func:`pinnkit.learned.factor.load_factor`) and
DIR/summary.json: the settings, the loss at the first and last step, the times, and PCG
iterations on an unseen member (seed 0, same size) with Jacobi, IC(0) and the learned factor.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from pinnkit._io import write_json
from pinnkit._validate import check_choice
from pinnkit.cli.args import add_threads_option, positive_int
from pinnkit.learned.factor import DEFAULT_FEATURES, FEATURES
from pinnkit.learned.factor_train import evaluate_factor, train_factor
from pinnkit.linsys import FAMILIES, make_system
from pinnkit.threads import torch_threads

__all__ = ["register", "cmd_train_preconditioner"]

FILES = ("preconditioner.pt", "summary.json")


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``train-preconditioner`` subcommand to ``subparsers``."""
    p = subparsers.add_parser("train-preconditioner", help="train a learned factor preconditioner (Li et al. 2023) "
                              "for a family of sparse linear systems")
    p.add_argument("family", help=f"system family: {', '.join(FAMILIES)}")
    p.add_argument("--out", required=True, help="output folder (preconditioner.pt, summary.json)")
    p.add_argument("--n", type=positive_int, default=1000, help="unknowns per training system (default: 1000)")
    p.add_argument("--systems", type=positive_int, default=32, help="training systems (default: 32)")
    p.add_argument("--steps", type=positive_int, default=1500, help="Adam steps (default: 1500)")
    p.add_argument("--batch", type=positive_int, default=8, help="systems per step (default: 8)")
    p.add_argument("--lr", type=float, default=3e-3, help="initial learning rate, cosine-decayed (default: 3e-3)")
    p.add_argument("--hidden", type=positive_int, default=16, help="channels of the graph network (default: 16)")
    p.add_argument("--mp-steps", type=int, default=5, help="message-passing steps (default: 5)")
    p.add_argument("--random-rhs", type=int, default=8, help="random right-hand sides per system (default: 8)")
    p.add_argument("--features", nargs="*", default=list(DEFAULT_FEATURES), choices=FEATURES,
                   help=f"node features (default: {' '.join(DEFAULT_FEATURES)})")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, right-hand sides and batches")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an existing --out")
    add_threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(run=cmd_train_preconditioner)
    return p


def cmd_train_preconditioner(args: argparse.Namespace) -> int:
    check_choice("linear-system family", args.family, FAMILIES)
    out = Path(args.out)
    if not args.overwrite and any((out / name).exists() for name in FILES):
        raise ValueError(f"--out {out} already holds a trained preconditioner; pass --overwrite to replace it")
    threads = args.threads or 1  # a small network: one thread unless asked
    with torch_threads(threads):
        learned, history = train_factor(args.family, n=args.n, systems=args.systems, steps=args.steps,
                                        batch=args.batch, lr=args.lr, hidden=args.hidden, mp_steps=args.mp_steps,
                                        random_rhs=args.random_rhs, seed=args.seed, features=tuple(args.features),
                                        progress=False if args.quiet else None)
        learned.save(out / "preconditioner.pt")
        rows = evaluate_factor(learned, make_system(args.family, args.n, seed=0))
    summary = dict(family=args.family, sizes=learned.sizes, features=list(learned.features),
                   network=learned.network.config, threads=threads, **learned.info,
                   last_step_loss=history[-1]["loss"], evaluation=rows,
                   files=dict(preconditioner="preconditioner.pt"))
    write_json(out / "summary.json", summary)
    iterations = ", ".join(f"{r['preconditioner']} {r['it_1e-08']}" for r in rows)
    print(f"{args.family}: {args.steps} steps on {learned.sizes['systems']} systems of {learned.sizes['n_obtained']} "
          f"unknowns in {learned.info['train_s']:.1f} s, loss {learned.info['first_batch_loss']:.3g} -> "
          f"{learned.info['final_loss']:.3g}; PCG iterations to 1e-8 on an unseen system: {iterations} -> {out}")
    return 0
