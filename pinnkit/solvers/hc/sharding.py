"""PI-HC-MoE over several processes: each rank solves a contiguous block of the experts.

With ``torch.distributed`` initialised (any backend; gloo on CPUs, nccl on GPUs), rank r builds
and solves only its experts' constraint systems and evaluates the loss on its share of the
fresh points. The experts' coefficients are gathered to every rank (:func:`gather_experts`,
whose backward sums the incoming gradients over ranks and keeps the local block), and the
basis network's gradients are summed over ranks after the backward pass
(:func:`all_reduce_gradients`), so every rank takes the same Adam step as one process would.
"""
from __future__ import annotations

from typing import Iterable

import torch
import torch.distributed as dist

__all__ = ["Shard", "current_shard", "gather_experts", "all_reduce_gradients"]


class Shard:
    """Which experts (``experts``, a slice) and which loss points (every ``world``-th from ``rank``) are local."""

    def __init__(self, rank: int, world: int, n_experts: int) -> None:
        if world > n_experts:
            raise ValueError(f"{world} processes for {n_experts} experts: each process needs at least one expert")
        self.rank, self.world = rank, world
        bounds = [n_experts * r // world for r in range(world + 1)]
        self.counts = [bounds[r + 1] - bounds[r] for r in range(world)]
        self.experts = slice(bounds[rank], bounds[rank + 1])

    @property
    def distributed(self) -> bool:
        return self.world > 1


def current_shard(n_experts: int) -> Shard:
    """This process's shard: all experts unless torch.distributed is initialised with several ranks."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return Shard(dist.get_rank(), dist.get_world_size(), n_experts)
    return Shard(0, 1, n_experts)


class _Gather(torch.autograd.Function):
    @staticmethod
    def forward(ctx, local: torch.Tensor, shard: Shard) -> torch.Tensor:
        ctx.shard = shard
        width = max(shard.counts)
        padded = local.new_zeros((width, *local.shape[1:]))
        padded[: len(local)] = local
        pieces = [torch.empty_like(padded) for _ in range(shard.world)]
        dist.all_gather(pieces, padded.contiguous())
        return torch.cat([p[:n] for p, n in zip(pieces, shard.counts)])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        total = grad.contiguous().clone()
        dist.all_reduce(total)
        return total[ctx.shard.experts], None


def gather_experts(local: torch.Tensor, shard: Shard) -> torch.Tensor:
    """All experts' rows ``(E, ...)`` on every rank from each rank's block; differentiable."""
    return _Gather.apply(local, shard) if shard.distributed else local


def all_reduce_gradients(parameters: Iterable[torch.nn.Parameter], shard: Shard) -> None:
    """Sum the parameters' gradients over ranks (each rank holds its experts' and points' share)."""
    if not shard.distributed:
        return
    for p in parameters:
        if p.grad is not None:
            dist.all_reduce(p.grad)
