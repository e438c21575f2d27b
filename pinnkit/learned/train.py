"""Training the learned optimiser through its unrolled steps, and saving / loading it.

Loss: the L1 distance between ``u_{theta_L}`` and the reference at the family's evaluation
points (Le Boudec et al., ICLR 2025, sec. 3.2), divided per instance by the reference's mean
absolute value so instances of different amplitude weigh alike. Adam with a cosine-decayed
learning rate and gradient-norm clipping, on a fixed seeded training set of ``n_train`` instances
whose references are computed once.
"""
from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import torch

from pinnkit._io import atomic_write
from pinnkit.learned.families import get_family
from pinnkit.learned.family import Family, relative_l2
from pinnkit.learned.optimizer import NeuralSolver
from pinnkit.progress import Progress

__all__ = ["make_dataset", "train_solver", "evaluate", "save_solver", "load_solver", "FORMAT"]

FORMAT = "pinnkit.neural_solver/1"


def make_dataset(family: Family, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(params, reference)``: ``n`` instances drawn with ``seed`` and their reference solutions."""
    params = family.sample(n, seed)
    return params, family.reference(params)


def relative_l1(u: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``mean |u - u_ref| / mean |u_ref|`` per instance, ``(B,)``."""
    return (u - reference).abs().mean(dim=-1) / reference.abs().mean(dim=-1).clamp_min(1e-12)


def train_solver(family: Family, solver: NeuralSolver | None = None, iterations: int = 2000, batch_size: int = 32,
                 lr: float = 5e-3, n_train: int = 1024, seed: int = 0, clip: float = 1.0,
                 progress: bool | None = None, data: tuple[torch.Tensor, torch.Tensor] | None = None,
                 **network: Any) -> tuple[NeuralSolver, list[dict[str, float]]]:
    """Train ``F_psi`` (a new :class:`NeuralSolver` built with ``network`` settings unless ``solver``
    is given) for ``iterations`` Adam steps; returns the solver (in eval mode) and the history.

    ``seed`` fixes the training set (unless ``data`` is given), the network's initial weights and
    the batch order; the global torch random state is left untouched. ``progress``: see
    :class:`pinnkit.progress.Progress`.
    """
    for name, value, low in (("iterations", iterations, 1), ("batch_size", batch_size, 1), ("n_train", n_train, 1)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    params, reference = make_dataset(family, n_train, seed) if data is None else data
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        solver = NeuralSolver(family, **network) if solver is None else solver
    if solver.family is not family and solver.family.describe() != family.describe():
        raise ValueError(f"the solver is for {solver.family.describe()}, not {family.describe()}")
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(solver.net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, iterations, eta_min=lr * 1e-2)
    bar = Progress(iterations, 0, progress, f"train {family.name}", note=f"{params.shape[0]} instances")
    history, order, start = [], torch.empty(0, dtype=torch.long), time.perf_counter()
    solver.train()
    for it in range(iterations):
        if order.numel() < batch_size:
            order = torch.cat([order, torch.randperm(params.shape[0], generator=generator)])
        batch, order = order[:batch_size], order[batch_size:]
        optimiser.zero_grad(set_to_none=True)
        theta = solver(params[batch])
        loss = relative_l1(family.solution(theta), reference[batch]).mean()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss became {loss.item()} at iteration {it}; lower lr (now {lr})")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(solver.net.parameters(), clip)
        optimiser.step()
        schedule.step()
        record = dict(iteration=it, loss=loss.item(), time=time.perf_counter() - start)
        history.append(record)
        bar.update(it, dict(loss=record["loss"]))
    bar.close(f"final loss {history[-1]['loss']:.3e}")
    solver.eval()
    return solver, history


def evaluate(solver: NeuralSolver, params: torch.Tensor, reference: torch.Tensor | None = None) -> dict[str, Any]:
    """Relative L2 errors per instance after each learned step (``errors`` ``(L + 1, B)``), and the
    wall time of the ``L`` steps on the whole batch."""
    family = solver.family
    reference = family.reference(params) if reference is None else reference
    solver.eval()
    start = time.perf_counter()
    iterates = solver(params, return_all=True, create_graph=False)
    seconds = time.perf_counter() - start
    errors = torch.stack([relative_l2(family.solution(theta), reference) for theta in iterates])
    return dict(errors=errors, seconds=seconds, theta=iterates[-1])


def save_solver(solver: NeuralSolver, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the trained ``F_psi`` with its family, the family's settings and the network's
    settings (one ``torch.save`` file, written atomically)."""
    payload = dict(format=FORMAT, family=solver.family.name, family_settings=solver.family.settings,
                   network=solver.config, scale=float(solver.scale), state_dict=solver.net.state_dict(),
                   extra=extra or {})
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return atomic_write(path, lambda handle: handle.write(buffer.getvalue()))


def load_solver(path: str | Path, family: Family | str | None = None) -> NeuralSolver:
    """A solver saved by :func:`save_solver`. ``family`` (an instance or a name) must be the one it
    was trained for, with the same settings; otherwise a ValueError names both. Without it the
    family is rebuilt from the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no neural-solver file at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a neural-solver file (expected format {FORMAT!r})")
    saved, settings = payload["family"], payload["family_settings"]
    if isinstance(family, str):
        if family != saved:
            raise ValueError(f"{path} holds a neural solver trained for family {saved!r}, not for {family!r}")
        family = get_family(saved, **settings)
    elif family is None:
        family = get_family(saved, **settings)
    elif family.name != saved:
        raise ValueError(f"{path} holds a neural solver trained for family {saved!r} ({_settings(settings)}), "
                         f"not for {family.name!r} ({_settings(family.settings)})")
    elif _normal(family.settings) != _normal(settings):
        raise ValueError(f"{path} holds a neural solver trained for {saved!r} with settings {_settings(settings)}, "
                         f"which differ from the given family's {_settings(family.settings)}")
    solver = NeuralSolver(family, scale=payload["scale"], **_network(payload["network"]))
    solver.net.load_state_dict(payload["state_dict"])
    solver.eval()
    return solver


def _network(config: dict[str, Any]) -> dict[str, Any]:
    config = dict(config)
    if isinstance(config.get("modes"), list):
        config["modes"] = tuple(config["modes"])
    return config


def _normal(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else float(v) if isinstance(v, int) and not isinstance(v, bool)
            else v for k, v in settings.items()}


def _settings(settings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())

