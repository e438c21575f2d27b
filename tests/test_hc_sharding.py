"""PI-HC-MoE sharded over processes (torch.distributed, gloo on CPU) equals the batched solve."""
from __future__ import annotations

import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from pinnkit.registry import get_problem
from pinnkit.solvers import get_solver
from pinnkit.solvers.hc.sharding import Shard

CONFIG = dict(width=16, depth=2, n_basis=12, n_constraint=64, n_constraint_initial=16, n_constraint_boundary=16,
              n_residual=64, n_initial=16, n_boundary=16, experts="x=4")
STEPS = 3


def run_steps():
    problem = get_problem("burgers1d")
    cls = get_solver("hcmoe")
    solver = cls(problem, cls.default_config("burgers1d", CONFIG), torch.device("cpu"), torch.float64,
                 torch.Generator().manual_seed(0))
    losses = [solver.step(k)["loss"] for k in range(STEPS)]
    solver.finish()
    grid = problem.domain.grid(11, dtype=torch.float64)
    return losses, solver.predict(grid).detach(), solver.shard.experts


def worker(rank: int, world: int, folder: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=world)
    try:
        losses, prediction, experts = run_steps()
        torch.save(dict(losses=losses, prediction=prediction, experts=(experts.start, experts.stop)),
                   f"{folder}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available() or sys.platform == "win32", reason="needs torch.distributed with gloo")
def test_two_processes_take_the_same_steps_as_one(tmp_path):
    torch.set_num_threads(1)
    losses, prediction, _ = run_steps()
    mp.spawn(worker, args=(2, str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    assert [r["experts"] for r in ranks] == [(0, 2), (2, 4)]
    for r in ranks:
        assert r["losses"] == pytest.approx(losses, rel=1e-10)
        assert torch.allclose(r["prediction"], prediction, rtol=0, atol=1e-10)


def test_shards_cover_the_experts_once():
    shards = [Shard(r, 3, 8) for r in range(3)]
    covered = [k for s in shards for k in range(8)[s.experts]]
    assert covered == list(range(8)) and [s.counts for s in shards][0] == [2, 3, 3]
    with pytest.raises(ValueError, match="at least one expert"):
        Shard(0, 5, 4)
