"""The learned optimiser of the neural parametric solver.

``theta_{k+1} = theta_k - s F_psi(g_k / ||g_k||, gamma, data, k)``, ``g_k = grad_theta L(theta_k; gamma)``,
for ``k = 0..L-1`` from the family's fixed ``theta_0`` (Le Boudec et al., ICLR 2025,
arXiv:2410.06820, sec. 3). ``F_psi`` (:class:`~pinnkit.learned.fno.CoefficientFNO`) sees on the
coefficient grid, as channels: the normalised gradient; the normalised PDE parameters and the data
fields (:meth:`Family.conditioning`); the position of each coefficient (its Greville abscissa,
as ``cos``/``sin`` on periodic axes), as FNOs usually get their grid; the step ``k / L``; and
``log10(||g_k|| / ||g_0||)``, which keeps the progress the normalisation hides. ``s`` is a fixed
scale, the median RMS of ``theta_proj - theta_0`` over 16 instances, so ``F_psi``'s outputs are
of order one. (Scaling the update by ``||g_k||`` instead, a preconditioned-gradient form, trained
far worse: 0.19 against 0.018 relative L2 on Poisson, 0.62 against 0.39 on Helmholtz, after 300
iterations of a small network; docs/solvers/neural_solver.md.) The gradients come from
``torch.autograd.grad`` with ``create_graph=True`` in training, so the loss after ``L`` steps
backpropagates through them all.
"""
from __future__ import annotations

import torch
from torch import nn

from pinnkit.learned.family import Family
from pinnkit.learned.fno import CoefficientFNO

__all__ = ["NeuralSolver", "physics_gradient", "estimate_scale"]

EXTRA_CHANNELS = 3  # the normalised gradient, k / L, log10 of the gradient-norm ratio (plus the positions)


def physics_gradient(family: Family, theta: torch.Tensor, params: torch.Tensor,
                     create_graph: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(L(theta; gamma) per instance, grad_theta L)``; the instances are independent, so one
    backward pass of the summed loss gives every instance's own gradient."""
    with torch.enable_grad():
        if not theta.requires_grad:
            theta = theta.detach().requires_grad_(True)
        loss = family.loss(theta, params)
        (grad,) = torch.autograd.grad(loss.sum(), theta, create_graph=create_graph)
    return loss, grad


def estimate_scale(family: Family, n: int = 16, seed: int = 12345) -> float:
    """Median over ``n`` instances of the RMS of ``theta_proj - theta_0``: what F_psi's unit output stands for."""
    params = family.sample(n, seed)
    change = family.project(params) - family.initial_guess(params)
    return float((torch.linalg.vector_norm(change, dim=1) / family.size ** 0.5).median())


def positions(family: Family) -> torch.Tensor:
    """``(P, *coef_shape)``: each coefficient's Greville abscissa, normalised to [-1, 1] on a clamped
    axis and as ``(cos, sin)`` of its angle on a periodic one."""
    channels = []
    for axis, (basis, periodic) in enumerate(zip(family.basis.bases, family.periodic)):
        xi = torch.as_tensor((basis.greville - basis.a) / (basis.b - basis.a), dtype=torch.float64)
        values = [torch.cos(2 * torch.pi * xi), torch.sin(2 * torch.pi * xi)] if periodic else [2 * xi - 1]
        view = [1] * len(family.coef_shape)
        view[axis] = -1
        channels += [v.reshape(view).expand(family.coef_shape) for v in values]
    return torch.stack(channels)


class NeuralSolver(nn.Module):
    """``L`` learned optimisation steps for a :class:`Family`; ``forward(params) -> theta_L``.

    ``config`` (``steps``, ``width``, ``modes``, ``layers``, ``pad``, ``dtype``) rebuilds the same
    network; ``scale`` defaults to :func:`estimate_scale` (it needs the family's references).
    ``dtype`` is F_psi's (``"float32"``: 2.7x faster on one core than float64; the coefficients,
    the loss and its gradients stay float64).
    """

    def __init__(self, family: Family, steps: int = 5, width: int = 32, modes: int | tuple[int, ...] = 16,
                 layers: int = 4, pad: int = 8, dtype: str = "float32", scale: float | None = None) -> None:
        super().__init__()
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
        self.family, self.steps = family, steps
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.config = dict(steps=steps, width=width, modes=list(modes) if isinstance(modes, tuple) else modes,
                           layers=layers, pad=pad, dtype=dtype)
        self.register_buffer("positions", positions(family))
        channels = family.n_channels + len(self.positions) + EXTRA_CHANNELS
        self.net = CoefficientFNO(channels, family.coef_shape, family.periodic, width=width, modes=modes,
                                  layers=layers, pad=pad).to(getattr(torch, dtype))
        self.register_buffer("scale", torch.tensor(estimate_scale(family) if scale is None else float(scale),
                                                   dtype=torch.float64))

    def forward(self, params: torch.Tensor, steps: int | None = None, return_all: bool = False,
                create_graph: bool | None = None):
        """``theta_L`` (``(B, size)``), or the list ``[theta_0, ..., theta_L]`` with ``return_all``.

        ``create_graph`` (default: ``self.training``) keeps the graph through the gradients so
        the result is differentiable in psi; without it every step is detached.
        """
        steps = self.steps if steps is None else steps
        create_graph = self.training if create_graph is None else create_graph
        cond = self.family.conditioning(params)
        theta = self.family.initial_guess(params)
        iterates, norm0 = [theta], None
        for k in range(steps):
            theta, norm = self.step(theta, params, cond, k, norm0, create_graph)
            norm0 = norm if norm0 is None else norm0
            iterates.append(theta)
        return iterates if return_all else theta

    def step(self, theta: torch.Tensor, params: torch.Tensor, cond: torch.Tensor, k: int,
             norm0: torch.Tensor | None, create_graph: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """One update; returns ``(theta_{k+1}, ||g_k||)``."""
        if not create_graph:
            theta = theta.detach()
        _, grad = physics_gradient(self.family, theta, params, create_graph)
        norm = torch.linalg.vector_norm(grad, dim=1, keepdim=True).clamp_min(torch.finfo(grad.dtype).tiny)
        ratio = torch.zeros_like(norm) if norm0 is None else torch.log10(norm / norm0)
        shape = (-1, 1, *self.family.coef_shape)
        grid = (grad / norm).reshape(shape)
        where = self.positions.to(grid).expand(grid.shape[0], *self.positions.shape)
        inputs = torch.cat([grid, cond.to(grid), where, torch.full_like(grid, k / self.steps),
                            ratio.reshape(-1, *(1,) * (grid.ndim - 1)).expand_as(grid)], dim=1)
        with torch.set_grad_enabled(create_graph):  # detached steps need no graph through F_psi
            update = self.net(inputs.to(self.net.out.weight.dtype)).reshape(theta.shape[0], -1).to(theta.dtype)
        theta = theta - self.scale * update
        return (theta if create_graph else theta.detach()), norm
