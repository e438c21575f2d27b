"""PI-HC and PI-HC-MoE: the PDE imposed as a hard constraint through a differentiable least-squares
layer, with one global expert (``"hc"``) or a mixture of experts over sub-domains (``"hcmoe"``).

Every step: (1) the basis network's derivative matrices at the constraint points (one forward
jet, :mod:`.system`); (2) w* per expert from the constraint layer (:mod:`.layer`, batched over
the experts); (3) the stitched solution's residual loss at fresh points; (4) Adam on the basis
network, the gradient flowing through w* by the implicit function theorem.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch

from pinnkit.autodiff.basis import output_derivatives
from pinnkit.autodiff.keys import parse_keys
from pinnkit.problem import Problem
from pinnkit.solvers.base import DTYPES, Solver
from pinnkit.solvers.hc.config import HCConfig
from pinnkit.solvers.hc.experts import ExpertSplit, parse_experts
from pinnkit.solvers.hc.layer import ConstraintProblem, SolveReport, solve_constraints
from pinnkit.solvers.hc.model import StitchedModel, basis_network
from pinnkit.solvers.hc.sharding import Shard, all_reduce_gradients, current_shard, gather_experts
from pinnkit.solvers.hc.system import Block, basis_matrices, block_residual, boundary_block, initial_block, pde_block

__all__ = ["HC", "HCMoE"]


class HC(Solver):
    """Physics-informed hard constraints with one global expert (Chalapathi et al., ICLR 2024)."""

    name = "hc"
    Config = HCConfig
    mixture = False

    @classmethod
    def check(cls, problem: Problem) -> None:
        order = parse_keys(problem.pde.requires, problem.coords, problem.fields).max_order
        if order > 2:
            raise ValueError(f"hard-constraint solvers assemble derivatives up to second order from one forward jet; "
                             f"problem {problem.name!r} needs order {order}. Use solver='pinn'")

    def __init__(self, problem: Problem, config: HCConfig, device, dtype, generator) -> None:
        super().__init__(problem, config, device, dtype, generator)
        c = config
        counts = parse_experts(c.experts, problem.coords)
        if not self.mixture and any(n > 1 for n in counts):
            raise ValueError(f"solver 'hc' has one global expert; experts={c.experts!r} needs solver='hcmoe'")
        self.split = ExpertSplit(problem.domain, counts)
        # under torch.distributed with several ranks, hcmoe solves only this rank's experts
        self.shard = current_shard(self.split.n_experts) if self.mixture else Shard(0, 1, 1)
        n_coeff = len(problem.fields) * c.n_basis
        basis = basis_network(problem, n_coeff, c.width, c.depth, c.activation, c.periodic_harmonics,
                              c.fourier_features, c.fourier_sigma, generator, dtype, device)
        self.network = StitchedModel(basis, self.split, problem.fields, c.n_basis)
        self.solve_dtype = DTYPES[c.solve_dtype]
        self.adam = torch.optim.Adam(basis.parameters(), lr=c.lr)
        dom = problem.domain
        self.scale = dom.highs[-1] - dom.lows[-1] if c.time_scale and dom.time is not None else 1.0
        self.report = SolveReport()
        self.unconverged_steps: list[int] = []
        self._stale = True
        self.constraints = ConstraintProblem(self._constraint_blocks(), c.n_basis, c.ridge, linear=False,
                                             max_steps=c.lm_max_steps, rtol=c.lm_rtol, atol=c.lm_atol,
                                             damping=c.lm_damping, ift=c.ift)
        self.constraints.linear = self._is_linear()

    # ------------------------------------------------------------------ interface
    @property
    def planned_steps(self) -> int:
        return self.config.steps

    @property
    def model(self) -> torch.nn.Module:
        return self.network

    @property
    def work_per_step(self) -> float:
        """The basis network's jet over all points (parameters x points x ~4 jet parts), plus the
        experts' normal equations (rows x coefficients^2)."""
        c = self.config
        params = sum(p.numel() for p in self.network.parameters())
        points = c.n_constraint + c.n_residual + c.n_constraint_initial + c.n_constraint_boundary
        coeff = self.network.coefficients.shape[1]
        return 4 * params * points + c.n_constraint * len(self.problem.pde.equations) * coeff**2

    def step(self, k: int) -> dict[str, float]:
        c = self.config
        if c.resample_constraints and k > 0 and k % c.resample_constraints == 0:
            self.constraints.blocks = self._constraint_blocks()
        w = self._solve(differentiable=True)
        blocks, counts = self._outer_blocks()
        mats = basis_matrices(self.network.basis, blocks, self.problem.coords, w.shape[1], self.dtype)
        terms: dict[str, torch.Tensor] = {}
        for block, m, count in zip(blocks, mats, counts):
            per_point = w[self.split.assign(block.points[0])].unsqueeze(0)
            rows = block_residual(block, m, per_point, c.n_basis)
            kind = block.name.split(":")[0].rstrip("0123456789")
            # sum over this rank's points / all points: the ranks' terms add up to the mean
            outputs = rows.shape[1] // block.points.shape[1] if block.points.shape[1] else 1
            terms[kind] = terms.get(kind, 0.0) + (rows**2).sum() / (count * outputs)
        if self.split.split_axes:
            terms["interface"] = self._interface_jumps(w)
        weights = {"residual": c.w_residual, "initial": c.w_initial, "boundary": c.w_boundary,
                   "interface": c.w_interface}
        loss = sum(weights[name] * value for name, value in terms.items())
        self.adam.zero_grad(set_to_none=True)
        loss.backward()
        all_reduce_gradients(self.network.basis.parameters(), self.shard)
        if c.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.network.basis.parameters(), c.clip_norm)
        self.adam.step()
        self._stale = True
        if self.report.unconverged:
            self.unconverged_steps.append(k)
        shown = {"loss": loss.detach(), **{f"loss_{n}": v.detach() for n, v in terms.items()}}
        if self.shard.distributed:
            values = torch.stack(list(shown.values()))
            torch.distributed.all_reduce(values)
            shown = dict(zip(shown, values))
        return {**{n: float(v) for n, v in shown.items()},
                "lm_iterations": float(self.report.iterations),
                "constraint_objective": max(self.report.objective)}

    def finish(self) -> None:
        """Solve the constraints for the final basis, so the model's coefficients match it."""
        if self._stale:
            with torch.no_grad():
                self._solve(differentiable=False)

    def predict(self, points: torch.Tensor) -> torch.Tensor:
        self.finish()
        return self.network(points.to(self.device, self.dtype))

    def notes(self) -> list[str]:
        if not self.unconverged_steps:
            return []
        steps = self.unconverged_steps
        return [f"Levenberg-Marquardt reached lm_max_steps={self.config.lm_max_steps} before its tolerance in "
                f"{len(steps)} of the steps (first {steps[0]}, last {steps[-1]}); the constraints hold only "
                "approximately there"]

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.network.state_dict(), "adam": self.adam.state_dict(),
                "constraint_points": [b.points for b in self.constraints.blocks],
                "unconverged_steps": list(self.unconverged_steps), "generator": self.generator.get_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.network.load_state_dict(state["model"])
        self.adam.load_state_dict(state["adam"])
        points = [p.to(self.device) for p in state["constraint_points"]]
        self.constraints.blocks = self._constraint_blocks(points)
        self.unconverged_steps = list(state.get("unconverged_steps", []))
        if "generator" in state:  # the fresh loss points continue the interrupted run's stream
            self.generator.set_state(state["generator"])
        self._stale = True

    def _interface_jumps(self, w: torch.Tensor) -> torch.Tensor:
        """Mean squared jump of u and of (L / 2) du/dn across the experts' interfaces (fresh points)."""
        c, dom, coords = self.config, self.problem.domain, self.problem.coords
        kw, rank, world = self._kw(self.solve_dtype), self.shard.rank, self.shard.world
        total = 0.0
        for axis in self.split.split_axes:
            pts, left, right = self.split.interface_points(axis, c.n_interface, coords[axis] in self.problem.periodic,
                                                           **kw)
            count = len(pts)
            pts, left, right = pts[rank::world], left[rank::world], right[rank::world]
            mats = output_derivatives(self.network.basis, pts.to(self.dtype), coords, ("", coords[axis]), w.shape[1])
            difference = w[left] - w[right]
            half = 0.5 * (dom.highs[axis] - dom.lows[axis])
            for f in range(len(self.problem.fields)):
                cols = slice(f * c.n_basis, (f + 1) * c.n_basis)
                for suffix, scale in (("", 1.0), (coords[axis], half)):
                    jump = (mats[suffix][:, cols] * difference[:, cols]).sum(-1) * scale
                    total = total + (jump**2).sum() / (count * 2 * len(self.problem.fields))
        return total

    # ------------------------------------------------------------------ constraint layer
    def _solve(self, differentiable: bool) -> torch.Tensor:
        """w* for the current basis (warm-started from the last one); updates the model's buffer."""
        blocks = self.constraints.blocks
        mats = basis_matrices(self.network.basis, blocks, self.problem.coords, self.network.coefficients.shape[1],
                              self.dtype)
        if not differentiable:
            mats = [{s: m.detach() for s, m in d.items()} for d in mats]
        start = self.network.coefficients[self.shard.experts].to(self.solve_dtype)
        w = solve_constraints(self.constraints, mats, start, self.solve_dtype, self.report)
        w = gather_experts(w, self.shard)
        self.network.coefficients.copy_(w.detach())
        self._stale = False
        return w

    def _is_linear(self) -> bool:
        if self.config.linear != "auto":
            return self.config.linear == "yes"
        with torch.no_grad():
            mats = basis_matrices(self.network.basis, self.constraints.blocks, self.problem.coords,
                                  self.network.coefficients.shape[1], self.dtype)
            mats = [{s: m.to(self.solve_dtype) for s, m in d.items()} for d in mats]
            return self.constraints.is_affine(mats, torch.Generator().manual_seed(0))

    # ------------------------------------------------------------------ points
    def _kw(self, dtype=None) -> dict:
        return dict(method=self.config.sampling, generator=self.generator, device=self.device,
                    dtype=dtype or self.solve_dtype)

    def _constraint_blocks(self, saved: list[torch.Tensor] | None = None) -> list[Block]:
        """Constraint points per expert ``(E, M, d)`` (or ``saved`` ones) and their blocks."""
        c, problem, split = self.config, self.problem, self.split
        e, boxes, kw = split.n_experts, split.boxes, self._kw()
        saved = list(saved) if saved is not None else None

        local = self.shard.experts  # every rank draws all experts' points (same stream), keeps its own

        def take(make):
            return saved.pop(0).to(self.solve_dtype) if saved is not None else make()[local]

        def ones(pts, touching):
            mask = [[1.0 if k in touching else 0.0] * pts.shape[1] for k in range(e)]
            return torch.tensor(mask, dtype=pts.dtype, device=pts.device)[local]

        m = max(1, c.n_constraint // e)
        pts = take(lambda: torch.stack([b.sample_interior(m, **kw) for b in boxes]))
        blocks = [pde_block(problem, pts, ones(pts, range(e)), c.c_residual, self.scale)]
        if problem.initial_condition is not None:
            touching = [k for k in range(e) if split.touches_initial(k)]
            mi = max(1, c.n_constraint_initial // len(touching))
            pts = take(lambda: torch.stack([b.sample_initial(mi, **kw) for b in boxes]))
            blocks.append(initial_block(problem, pts, ones(pts, touching), c.c_initial))
        for i, bc in enumerate(problem.boundary_conditions):
            faces = bc.where or problem.domain.faces
            for face in faces:
                touching = [k for k in range(e) if face in split.boundary_faces(k, (face,))]
                mb = max(1, c.n_constraint_boundary // len(faces) // max(1, len(touching)))
                pts = take(lambda: torch.stack([b.sample_boundary(mb, where=face, **kw) for b in boxes]))
                blocks.append(boundary_block(problem, i, face, pts, ones(pts, touching), c.c_boundary))
        return blocks

    def _outer_blocks(self) -> tuple[list[Block], list[int]]:
        """Fresh points over the whole domain for the loss of the stitched solution (one 'expert'),
        this rank's share of them, and each block's number of points over all ranks."""
        c, problem, dom = self.config, self.problem, self.problem.domain
        kw, rank, world = self._kw(self.solve_dtype), self.shard.rank, self.shard.world

        def one(pts):
            mine = pts[rank::world]
            return mine.unsqueeze(0), torch.ones(1, len(mine), dtype=pts.dtype, device=pts.device)

        sets = [("residual", None, None, dom.sample_interior(c.n_residual, **kw))]
        if problem.initial_condition is not None and c.n_initial > 0:
            sets.append(("initial", None, None, dom.sample_initial(c.n_initial, **kw)))
        for i, bc in enumerate(problem.boundary_conditions):
            for face in bc.where or dom.faces:
                n = max(1, c.n_boundary // len(bc.where or dom.faces))
                sets.append(("boundary", i, face, dom.sample_boundary(n, where=face, **kw)))
        blocks = []
        for kind, i, face, pts in sets:
            if kind == "residual":
                blocks.append(pde_block(problem, *one(pts), 1.0, self.scale))
            elif kind == "initial":
                blocks.append(initial_block(problem, *one(pts), 1.0))
            else:
                blocks.append(boundary_block(problem, i, face, *one(pts), 1.0))
        return blocks, [len(pts) for *_, pts in sets]


class HCMoE(HC):
    """PI-HC-MoE: K experts on a tensor-product split of the domain, each with its own constraint
    problem, solved together as one batched least-squares / Levenberg-Marquardt solve."""

    name = "hcmoe"
    mixture = True
