"""The differentiable hard-constraint layer: w*(theta) = argmin_w |F(w, theta)|^2 + lambda |w|^2.

Forward: for an affine F (linear PDE) one regularised least-squares solve,
w* = -(J^T J + lambda I)^-1 J^T F(0); otherwise Levenberg-Marquardt, batched over the experts
(each with its own damping; step (J^T J + (lambda + mu) I) dw = -(J^T F + lambda w), accepted
when the objective does not increase beyond rounding; converged when |dw| <= atol + rtol |w|).

Backward by the implicit function theorem, never by unrolling the iterations. The optimality
condition g(w*, theta) = J^T F + lambda w* = 0 gives dw*/dtheta = -H^-1 dg/dtheta, so for an
incoming gradient v the parameters receive -(dg/dtheta)^T H^-1 v:

* ``"gauss_newton"``: H = J^T J + lambda I (the forward's Cholesky factor) and the terms that
  vanish with F dropped: theta receives -J_theta^T (J z), z = H^-1 v; one triangular solve and
  one backward pass through F (exact wherever F(w*) = 0, e.g. a linear PDE the basis can fit);
* ``"exact"``: the full Hessian H = J^T J + lambda I + sum_i F_i d2F_i/dw2 and the full
  d/dtheta of z . g (torch.func; n_coefficients extra passes through F).

Chalapathi, Du & Krishnapriyan, ICLR 2024; Blondel et al., "Efficient and modular implicit
differentiation", NeurIPS 2022; Nocedal & Wright, *Numerical Optimization*, 10.3.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import torch

from pinnkit.solvers.hc.system import Block, block_jacobian, block_residual

__all__ = ["ConstraintProblem", "SolveReport", "solve_constraints"]


@dataclass
class SolveReport:
    """What the last solve did (overwritten by every call)."""

    iterations: int = 0
    unconverged: int = 0  # experts that hit lm_max_steps before the tolerance
    objective: list[float] = field(default_factory=list)  # per expert, at w*


@dataclass
class ConstraintProblem:
    """The blocks of one constraint system (per expert) and how to solve and differentiate it."""

    blocks: Sequence[Block]
    n_basis: int
    ridge: float
    linear: bool
    max_steps: int = 100
    rtol: float = 1e-4
    atol: float = 1e-4
    damping: float = 1e-3
    ift: str = "gauss_newton"

    # ------------------------------------------------------------------ F, J
    def residual(self, mats: Sequence[Mapping[str, torch.Tensor]], w: torch.Tensor) -> torch.Tensor:
        return torch.cat([block_residual(b, m, w, self.n_basis) for b, m in zip(self.blocks, mats)], dim=1)

    def jacobian(self, mats, w: torch.Tensor) -> torch.Tensor:
        return torch.cat([block_jacobian(b, m, w, self.n_basis) for b, m in zip(self.blocks, mats)], dim=1)

    def objective(self, mats, w: torch.Tensor) -> torch.Tensor:
        """Per expert: |F|^2 / 2 + lambda |w|^2 / 2, shape ``(E,)``."""
        return self._cost(self.residual(mats, w), w)

    def _cost(self, res: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """The objective from residual rows ``res`` already evaluated at ``w``."""
        return 0.5 * (res**2).sum(-1) + 0.5 * self.ridge * (w**2).sum(-1)

    def is_affine(self, mats, generator: torch.Generator | None = None) -> bool:
        """Whether F is affine in w: its Jacobian is the same at two random coefficient vectors."""
        e, p = len(self.blocks[0].points), mats_width(mats)
        like = self.blocks[0].points
        w1, w2 = (torch.randn(e, p, generator=generator, dtype=torch.float64).to(like.device, like.dtype)
                  for _ in range(2))
        j1, j2 = self.jacobian(mats, w1), self.jacobian(mats, w2)
        return bool(torch.allclose(j1, j2, rtol=1e-9, atol=1e-12 * float(j1.abs().max().clamp_min(1.0))))

    # ------------------------------------------------------------------ forward solve
    def normal_factor(self, jac: torch.Tensor) -> torch.Tensor:
        """Cholesky factor of J^T J + lambda I per expert, ``(E, P, P)``."""
        gram = jac.transpose(1, 2) @ jac
        eye = torch.eye(gram.shape[-1], dtype=gram.dtype, device=gram.device)
        jitter = self.ridge
        for _ in range(6):
            factor, info = torch.linalg.cholesky_ex(gram + jitter * eye)
            if int(info.max()) == 0:
                return factor
            jitter = max(jitter * 100, torch.finfo(gram.dtype).eps * float(gram.diagonal(dim1=1, dim2=2).max()))
        raise RuntimeError("the normal equations J^T J + lambda I are not positive definite even with jitter "
                           f"{jitter:.2e}: the basis has non-finite or huge values")

    def solve(self, mats, w0: torch.Tensor, report: SolveReport) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(w*, Cholesky factor of J^T J + lambda I at w*, J at w*)``."""
        if self.linear:
            zero = torch.zeros_like(w0)
            jac = self.jacobian(mats, zero)
            factor = self.normal_factor(jac)
            rhs = jac.transpose(1, 2) @ self.residual(mats, zero).unsqueeze(-1)
            w = -torch.cholesky_solve(rhs, factor).squeeze(-1)
            report.iterations, report.unconverged = 1, 0
        else:
            w = self._levenberg_marquardt(mats, w0.clone(), report)
            jac = self.jacobian(mats, w)
            factor = self.normal_factor(jac)
        report.objective = self.objective(mats, w).tolist()
        return w, factor, jac

    def _levenberg_marquardt(self, mats, w: torch.Tensor, report: SolveReport) -> torch.Tensor:
        e, p = w.shape
        eye = torch.eye(p, dtype=w.dtype, device=w.device)
        mu = torch.full((e,), self.damping, dtype=w.dtype, device=w.device)
        done = torch.zeros(e, dtype=torch.bool, device=w.device)
        res = self.residual(mats, w)
        cost = self._cost(res, w)
        steps, moved = 0, True
        for steps in range(1, self.max_steps + 1):
            if moved:  # J, the gradient and J^T J change only where a step was accepted
                jac = self.jacobian(mats, w)
                grad = (jac.transpose(1, 2) @ res.unsqueeze(-1)).squeeze(-1) + self.ridge * w
                gram = jac.transpose(1, 2) @ jac + self.ridge * eye
            factor, info = torch.linalg.cholesky_ex(gram + mu[:, None, None] * eye)
            step = -torch.cholesky_solve(grad.unsqueeze(-1), factor).squeeze(-1)
            step = torch.where((info > 0)[:, None] | done[:, None], torch.zeros_like(step), step)
            trial = w + step
            trial_res = self.residual(mats, trial)
            trial_cost = self._cost(trial_res, trial)
            # within rounding of the objective counts as no increase: near w* the cost stops
            # resolving the steps, which must still be taken for a tight tolerance
            slack = 8 * torch.finfo(w.dtype).eps * cost.abs()
            accept = (trial_cost <= cost + slack) & ~done & (info == 0)
            small = step.norm(dim=-1) <= self.atol + self.rtol * trial.norm(dim=-1)
            w = torch.where(accept[:, None], trial, w)
            res = torch.where(accept[:, None], trial_res, res)
            cost = torch.where(accept, trial_cost, cost)
            mu = torch.where(accept, (mu / 3).clamp_min(1e-12), (mu * 4).clamp_max(1e12))
            moved = bool(accept.any())
            done = done | (accept & small) | (grad.norm(dim=-1) <= 1e-14 * (1 + cost))
            if bool(done.all()):
                break
        report.iterations, report.unconverged = steps, int((~done).sum())
        return w

    # ------------------------------------------------------------------ backward
    def implicit_gradient(self, mats, w: torch.Tensor, factor: torch.Tensor, jac: torch.Tensor,
                          grad_w: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        """Gradients with respect to the flattened basis matrices for an incoming ``grad_w``."""
        flat = flatten(mats)
        if self.ift == "gauss_newton":
            z = torch.cholesky_solve(grad_w.unsqueeze(-1), factor)
            pull = (jac @ z).squeeze(-1)
            with torch.enable_grad():
                leaves = [m.detach().requires_grad_(True) for m in flat]
                res = self.residual(unflatten(leaves, mats), w)
                return torch.autograd.grad(res, leaves, grad_outputs=-pull, allow_unused=True)

        def optimality(w_, leaves):
            return torch.func.grad(lambda v: self.objective(unflatten(leaves, mats), v).sum())(w_)

        hessian = torch.func.jacfwd(lambda v: optimality(v, flat))(w)  # (E, P, E, P): experts decouple
        blocks = torch.stack([hessian[k, :, k, :] for k in range(w.shape[0])])
        z = torch.linalg.solve(blocks, grad_w.unsqueeze(-1)).squeeze(-1)
        _, pullback = torch.func.vjp(lambda *leaves: optimality(w, leaves), *flat)
        return pullback(-z)


def mats_width(mats) -> int:
    return next(iter(mats[0].values())).shape[-1]


def flatten(mats: Sequence[Mapping[str, torch.Tensor]]) -> list[torch.Tensor]:
    return [m[s] for m in mats for s in sorted(m)]


def unflatten(flat: Sequence[torch.Tensor], like: Sequence[Mapping[str, torch.Tensor]]) -> list[dict]:
    out, i = [], 0
    for m in like:
        keys = sorted(m)
        out.append(dict(zip(keys, flat[i : i + len(keys)])))
        i += len(keys)
    return out


class _Solve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, problem: ConstraintProblem, report: SolveReport, layout, dtype, w0, *flat):
        mats = unflatten([m.detach().to(dtype) for m in flat], layout)
        w, factor, jac = problem.solve(mats, w0.detach().to(dtype), report)
        ctx.problem, ctx.layout, ctx.in_dtypes = problem, layout, [m.dtype for m in flat]
        ctx.save_for_backward(w, factor, jac, *flatten(mats))
        return w

    @staticmethod
    def backward(ctx, grad_w):
        w, factor, jac, *flat = ctx.saved_tensors
        mats = unflatten(flat, ctx.layout)
        grads = ctx.problem.implicit_gradient(mats, w, factor, jac, grad_w.to(w.dtype))
        grads = [None if g is None else g.to(dt) for g, dt in zip(grads, ctx.in_dtypes)]
        return (None, None, None, None, None, *grads)


def solve_constraints(problem: ConstraintProblem, mats: Sequence[Mapping[str, torch.Tensor]], w0: torch.Tensor,
                      dtype: torch.dtype = torch.float64, report: SolveReport | None = None) -> torch.Tensor:
    """w* ``(E, P)`` in ``dtype``, differentiable with respect to the basis matrices ``mats`` (one
    ``{suffix: (E, M, P)}`` per block) by the implicit function theorem; ``w0`` is the starting
    guess (no gradient flows to it)."""
    layout = [dict.fromkeys(m) for m in mats]
    return _Solve.apply(problem, report if report is not None else SolveReport(), layout, dtype, w0,
                        *flatten(mats))
