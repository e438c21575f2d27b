"""Training the learned factor preconditioner (:mod:`pinnkit.learned.factor`).

The training set: ``systems`` members of one family at ``n`` unknowns (seeds ``TRAIN_SEED + k``,
so evaluation seeds below ``TRAIN_SEED`` are unseen), each with right-hand sides b = its own
(the family's source) and ``random_rhs`` standard normal vectors, every column scaled to unit
norm, and x = A^-1 b by a sparse direct solve (SuperLU).

The loss (after Li et al., ICML 2023): the relative residual of P = L L^T on those pairs,

    loss_s = min_c  sum_k ||c P x_k - b_k||^2 / sum_k ||b_k||^2          (one c per system s),

averaged over the systems of a batch.  The minimising scalar c is taken in closed form, which
makes the loss blind to the scale of P, as PCG is: with the diagonal of L fixed at sqrt(a_ii),
the product L L^T cannot otherwise shrink to A's scale (its diagonal is a_ii + sum_j L_ij^2).
For white-noise b the expected loss is the squared Frobenius norm of c P A^-1 - I over n, so it
asks for P A^-1 ~ I on the whole spectrum, weighted towards A's small eigenvalues through
x = A^-1 b; the family's smooth sources add weight on the smoothest modes.  The paper's extra
loss on the diagonal is not used: the diagonal is fixed here.

Adam with a cosine-decayed learning rate and gradient-norm clipping; ``batch`` systems per
step drawn by a seeded generator; the network in float32, L and the loss in float64.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.sparse.linalg import splu

from pinnkit._validate import check_int
from pinnkit.learned.factor import (DEFAULT_FEATURES, FactorGraph, FamilyMismatch, LearnedFactor,
                                    apply_factor_product, batch_graphs, factor_values, load_factor, system_graph)
from pinnkit.linsys import LinearSystem, make_preconditioner, make_system, pcg
from pinnkit.progress import Progress

__all__ = ["TRAIN_SEED", "TrainingSystem", "make_training_set", "train_factor", "factor_loss", "evaluate_factor",
           "LearnedFactor", "FamilyMismatch", "load_factor"]  # the last three re-exported from .factor

TRAIN_SEED = 1000  # training systems are family members TRAIN_SEED, TRAIN_SEED + 1, ...


@dataclass(frozen=True)
class TrainingSystem:
    """One training system: its graph, right-hand sides B (n, m), unit columns, and X = A^-1 B."""

    system: LinearSystem
    graph: FactorGraph
    B: torch.Tensor
    X: torch.Tensor


def make_training_set(family: str, n: int = 1000, systems: int = 32, random_rhs: int = 8, own_rhs: bool = False,
                      seed: int = 0, features: tuple[str, ...] = DEFAULT_FEATURES, **params: Any
                      ) -> list[TrainingSystem]:
    """``systems`` members of ``family`` (about ``n`` unknowns, seeds TRAIN_SEED + k) with their (x, b) pairs:
    ``random_rhs`` standard normal b drawn with ``seed``, and the family's own b if ``own_rhs``;
    ``params`` go to the family."""
    check_int("systems", systems)
    check_int("random_rhs", random_rhs, minimum=0)
    if random_rhs + own_rhs < 2:
        raise ValueError("the loss needs at least two right-hand sides per system (random_rhs + own_rhs >= 2): "
                         "with one, any P that has x as an eigenvector fits it")
    rng = np.random.default_rng(seed)
    out = []
    for k in range(systems):
        system = make_system(family, n, seed=TRAIN_SEED + k, **params)
        own = np.asarray(system.b, np.float64).reshape(system.n, -1)[:, :1 if own_rhs else 0]
        B = np.concatenate([own, rng.standard_normal((system.n, random_rhs))], axis=1)
        B /= np.linalg.norm(B, axis=0, keepdims=True)
        X = splu(system.A.tocsc()).solve(np.asfortranarray(B))
        out.append(TrainingSystem(system, system_graph(system, features), torch.from_numpy(B),
                                  torch.from_numpy(np.ascontiguousarray(X))))
    return out


def factor_loss(network: torch.nn.Module, batch: list[TrainingSystem]) -> torch.Tensor:
    """The mean over ``batch`` of min_c ||c L L^T X - B||_F^2 / ||B||_F^2 (see the module docstring)."""
    graph = batch_graphs([t.graph for t in batch])
    values = factor_values(graph, network(graph))
    X = torch.cat([t.X for t in batch])
    B = torch.cat([t.B for t in batch])
    PX = apply_factor_product(graph, values, X)
    member = torch.repeat_interleave(torch.arange(len(batch)), torch.diff(graph.offsets))
    segment = lambda v: torch.zeros(len(batch), dtype=v.dtype).index_add_(0, member, v)  # noqa: E731
    pb, pp, bb = segment((PX * B).sum(1)), segment((PX * PX).sum(1)), segment((B * B).sum(1))
    return (1.0 - pb * pb / (pp * bb)).clamp_min(0.0).mean()


def train_factor(family: str, n: int = 1000, systems: int = 32, steps: int = 1000, batch: int = 8,
                 lr: float = 3e-3, hidden: int = 16, mp_steps: int = 5, random_rhs: int = 8, own_rhs: bool = False,
                 seed: int = 0,
                 features: tuple[str, ...] = DEFAULT_FEATURES, clip: float = 1.0, progress: bool | None = None,
                 data: list[TrainingSystem] | None = None, **params: Any
                 ) -> tuple[LearnedFactor, list[dict[str, float]]]:
    """Train a :class:`LearnedFactor` for ``family``; returns it and the per-step history (loss, lr, seconds).

    ``n``, ``systems``, ``random_rhs``: the training set (:func:`make_training_set`, or ``data``);
    ``steps`` Adam steps of ``batch`` systems each, learning rate ``lr`` decayed to 0 on a cosine;
    ``hidden``, ``mp_steps``: the network (paper: 16 channels, 5 message-passing steps); ``seed``
    fixes the right-hand sides, the initial weights and the batch order (the global torch random
    state is left untouched).  ``progress``: see :class:`pinnkit.progress.Progress`.
    """
    check_int("steps", steps)
    check_int("batch", batch)
    start = time.perf_counter()
    if data is None:
        data = make_training_set(family, n, systems, random_rhs, own_rhs, seed, features, **params)
    if any(t.system.family != family for t in data):
        raise ValueError(f"the training data are not all of family {family!r}")
    data_s = time.perf_counter() - start
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        learned = LearnedFactor(family, features=features, hidden=hidden, steps=mp_steps,
                                sizes=dict(n=n, n_obtained=int(data[0].system.n), systems=len(data),
                                           random_rhs=random_rhs, own_rhs=own_rhs, params=dict(data[0].system.params)))
    network = learned.network
    network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    generator = torch.Generator().manual_seed(seed)
    batch = min(batch, len(data))
    history: list[dict[str, float]] = []
    bar = Progress(steps, 0, progress, f"train-preconditioner {family}",
                   note=f"{len(data)} systems of ~{n} unknowns, batch {batch}")
    train_start = time.perf_counter()
    try:
        for step in range(steps):
            pick = torch.randperm(len(data), generator=generator)[:batch].tolist()
            loss = factor_loss(network, [data[i] for i in pick])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), clip)
            optimizer.step()
            history.append(dict(loss=loss.item(), lr=float(schedule.get_last_lr()[0]),
                                seconds=time.perf_counter() - train_start))
            schedule.step()
            bar.update(step, {"loss": history[-1]["loss"]})
    finally:
        bar.close(f"{len(history)} steps, loss {history[-1]['loss']:.4g}" if history else None)
    network.eval()
    with torch.no_grad():
        initial = history[0]["loss"]
        final = float(np.mean([float(factor_loss(network, data[i:i + batch])) for i in range(0, len(data), batch)]))
    learned.info.update(steps=steps, batch=batch, lr=lr, seed=seed, clip=clip, first_batch_loss=initial,
                        final_loss=final, data_s=data_s, train_s=time.perf_counter() - train_start)
    return learned, history


def evaluate_factor(learned: LearnedFactor, system: LinearSystem, baselines: tuple[str, ...] = ("jacobi", "ic0"),
                    rtol: float = 1e-10) -> list[dict[str, Any]]:
    """PCG on ``system`` (its own b, float64, CPU) with the learned P and each of ``baselines``: one row each
    with the iterations to 1e-6, 1e-8, 1e-10 (None: not reached), set-up and solve seconds."""
    rows = []
    for name in (*baselines, "learned"):
        P = learned.preconditioner(system) if name == "learned" else make_preconditioner(name, system.A)
        result = pcg(system.A, system.b, P, rtol=rtol)
        rows.append(dict(preconditioner=name, family=system.family, n=system.n, seed=system.seed,
                         **{f"it_{t:.0e}": result.reached[t][0] for t in (1e-6, 1e-8, 1e-10)},
                         setup_s=P.setup_s, solve_s=result.solve_s, true_residual=result.true_residual[0]))
    return rows
