"""Finite elements + preconditioned conjugate gradients (``"pcg"``) under the shared driver.

The problem's P1 discretisation (:mod:`pinnkit.linsys.problem_fem`) is assembled on the first step
together with the preconditioner; every step is then one iteration of the Hestenes-Stiefel
recurrence of :func:`pinnkit.linsys.pcg` (same formulas, same order of operations, so the same
iterates), and the step's ``loss`` is the relative recurrence residual ||r_k|| / ||b||, which the
history records.  The model (:class:`P1Solution`) holds the nodal values, boundary values included,
and interpolates them linearly on the triangle holding each query point, so ``Result.u``, the
errors against the problem's reference, figures and saved results work as for the networks.

Which problems have a finite-element discretisation: :data:`FEM_PROBLEMS` (problem name -> k, f, g
as numpy callables).  A learned factor (``preconditioner="learned"``) is read with
:func:`pinnkit.learned.factor.load_factor`; the families it may have been trained on for each
problem: :data:`LEARNED_FAMILIES`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn

from pinnkit.problem import Problem
from pinnkit.problems.poisson_fem import diffusion_case
from pinnkit.solvers.base import DTYPES, Solver
from pinnkit.solvers.pcg.config import FLOAT32_RTOL, PCGConfig

from pinnkit.learned.factor import FamilyMismatch, load_factor
from pinnkit.linsys import THRESHOLDS, make_preconditioner, to_torch_csr
from pinnkit.linsys.problem_fem import DirichletSystem, FEMMesh, assemble_dirichlet, dirichlet_mesh, expand

__all__ = ["PCG", "P1Solution", "FEMProblem", "FEM_PROBLEMS", "LEARNED_FAMILIES", "CHECKPOINT_FILE"]

CHECKPOINT_FILE = "preconditioner.pt"  # what `pinnkit train-preconditioner FAMILY --out DIR` writes in DIR
NumpyField = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class FEMProblem:
    """-div(k grad u) = f on the unit square, u = g on its boundary: k, f, g as callables of numpy x, y."""

    kappa: NumpyField
    source: NumpyField
    boundary: NumpyField


def _numpy(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> NumpyField:
    def call(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return fn(torch.as_tensor(np.asarray(x, np.float64)), torch.as_tensor(np.asarray(y, np.float64))).numpy()

    return call


def _poisson2d_fem(problem: Problem) -> FEMProblem:
    case = diffusion_case(**problem.params)
    return FEMProblem(_numpy(case.kappa), _numpy(case.source), _numpy(case.exact))


# problem name -> its finite-element data (built from problem.params)
FEM_PROBLEMS: dict[str, Callable[[Problem], FEMProblem]] = {"poisson2d_fem": _poisson2d_fem}
# problem name -> the linsys families whose learned factors fit its matrices (same mesh generator and
# P1 stiffness of a smooth positive coefficient, so the same kind of sparsity pattern and entries)
LEARNED_FAMILIES: dict[str, tuple[str, ...]] = {"poisson2d_fem": ("poisson_fem",)}


def mesh_signature(mesh: FEMMesh) -> list[int]:
    """Squares per side, nodes, triangles and CRC-32 checksums of the node coordinates and the triangles
    (integers, so converting the model's dtype leaves them alone): a saved solution's mesh check."""
    nodes = np.ascontiguousarray(mesh.nodes, np.float64).tobytes()
    triangles = np.ascontiguousarray(mesh.triangles, np.int64).tobytes()
    return [mesh.cells, mesh.n_nodes, mesh.triangles.shape[0], zlib.crc32(nodes), zlib.crc32(triangles)]


class P1Solution(nn.Module):
    """A continuous piecewise-linear function on a triangle mesh: ``forward(points (N, 2)) -> (N, 1)``.

    ``values`` (a parameter without gradient, so the driver's snapshots, non-finite checks and
    ``Result`` treat it like a network's weights): the value at every mesh node.  Points are located
    on the CPU (:meth:`pinnkit.linsys.problem_fem.FEMMesh.locate`); the interpolation itself is torch,
    differentiable in the values and the points.  The mesh is rebuilt from the configuration, not
    saved; the state holds its ``signature`` and loading a state of another mesh is refused.
    """

    def __init__(self, mesh: FEMMesh, values: np.ndarray | torch.Tensor, dtype: torch.dtype,
                 device: torch.device | str = "cpu") -> None:
        super().__init__()
        self.mesh = mesh
        self.values = nn.Parameter(torch.as_tensor(values).to(device=device, dtype=dtype), requires_grad=False)
        origin, inverse = mesh.inverse_maps
        self.register_buffer("triangles", torch.as_tensor(mesh.triangles, dtype=torch.long, device=device),
                             persistent=False)
        self.register_buffer("origin", torch.as_tensor(origin, dtype=dtype, device=device), persistent=False)
        self.register_buffer("inverse", torch.as_tensor(inverse, dtype=dtype, device=device), persistent=False)
        self.register_buffer("signature", torch.tensor(mesh_signature(mesh), dtype=torch.long, device=device))
        self.register_load_state_dict_post_hook(_check_signature)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (N, 2), got {tuple(points.shape)}")
        elements, _ = self.mesh.locate(points.detach().cpu().double().numpy())
        e = torch.as_tensor(elements, device=self.triangles.device)
        shift = points.to(self.origin.dtype) - self.origin[e]
        local = torch.einsum("nij,nj->ni", self.inverse[e], shift)
        weights = torch.cat([1.0 - local.sum(1, keepdim=True), local], dim=1)
        return (weights * self.values[self.triangles[e]]).sum(1, keepdim=True)


def _check_signature(module: P1Solution, incompatible_keys) -> None:
    expected = torch.tensor(mesh_signature(module.mesh), dtype=torch.long)
    if not torch.equal(module.signature.detach().cpu(), expected):
        module.signature.copy_(expected)
        raise ValueError(f"the loaded nodal values belong to another mesh (signature {expected.tolist()} expected): "
                         "the configuration's n, mesh_seed or jitter differ from those it was saved with")


class PCG(Solver):
    """P1 finite elements solved by preconditioned conjugate gradients, one iteration per step
    (see the module docstring and :class:`~pinnkit.solvers.pcg.config.PCGConfig`)."""

    name = "pcg"
    Config = PCGConfig

    @classmethod
    def refusal(cls, problem: Problem) -> str | None:
        """Why pcg cannot solve ``problem``, or ``None``."""
        if problem.name not in FEM_PROBLEMS:
            return (f"pcg solves a problem's finite-element discretisation, and problem {problem.name!r} has none. "
                    f"Problems with one: {', '.join(sorted(FEM_PROBLEMS))}")
        return None

    def __init__(self, problem: Problem, config: PCGConfig, device, dtype, generator) -> None:
        dtype = dtype if config.dtype == "same" else DTYPES[config.dtype]
        if dtype == torch.float32 and config.rtol < FLOAT32_RTOL:
            raise ValueError(f"config rtol={config.rtol:g} cannot be reached in float32 (the recurrence stalls near "
                             f"1e-7); use dtype='float64' or rtol >= {FLOAT32_RTOL:g}")
        super().__init__(problem, config, device, dtype, generator)
        self.check(problem)
        self.fem = FEM_PROBLEMS[problem.name](problem)
        self.mesh = dirichlet_mesh(config.n, config.mesh_seed, config.jitter)
        boundary = np.asarray(self.fem.boundary(*self.mesh.nodes[self.mesh.dirichlet].T), np.float64).reshape(-1)
        start = expand(self.mesh, np.zeros(self.mesh.interior.size), boundary)  # x0 = 0 inside, g on the boundary
        self.network = P1Solution(self.mesh, start, dtype, device)
        self.discrete: DirichletSystem | None = None  # assembled on the first step
        self.preconditioner = None
        self.setup_s = 0.0
        self.residuals: list[float] = []  # ||r_k|| / ||b||, k = 0, 1, ...
        self.true_residual: float | None = None
        self._state: dict[str, torch.Tensor] | None = None  # x, r, p, rz of the recurrence
        self._restored: Mapping[str, Any] | None = None
        self._breakdown = False
        self._interior: torch.Tensor | None = None
        self.info: dict[str, Any] = {}  # sizes and set-up times, after the first step

    # ------------------------------------------------------------------ protocol
    @property
    def planned_steps(self) -> int:
        return self.config.max_iter

    @property
    def model(self) -> P1Solution:
        return self.network

    @property
    def iterations(self) -> int:
        """PCG iterations done."""
        return max(len(self.residuals) - 1, 0)

    @property
    def converged(self) -> bool:
        return bool(self.residuals) and self.residuals[-1] <= self.config.rtol

    @property
    def reached(self) -> dict[float, int | None]:
        """For each of 1e-2, 1e-4, ..., 1e-10: the first iteration with ||r|| / ||b|| at or below it."""
        return {t: next((k for k, r in enumerate(self.residuals) if r <= t), None) for t in THRESHOLDS}

    def step(self, k: int) -> dict[str, float]:
        if self._state is None:
            self._setup()
        if self.converged or self._breakdown:
            return {"loss": self.residuals[-1], "iteration": float(self.iterations)}
        s, A = self._state, self._A
        AP = A @ s["p"]
        pap = _dot(s["p"], AP)
        if not bool(pap > 0):  # A or P not SPD (in this precision): the recurrence cannot go on
            self._breakdown = True
            return {"loss": float("nan"), "iteration": float(self.iterations)}
        alpha = s["rz"] / pap
        s["x"] = s["x"] + alpha * s["p"]
        s["r"] = s["r"] - alpha * AP
        self.residuals.append(float(_dot(s["r"], s["r"]).sqrt() / self._scale))
        if not self.converged:
            z = self.preconditioner(s["r"])
            rz = _dot(s["r"], z)
            s["p"] = z + (rz / s["rz"]) * s["p"]
            s["rz"] = rz
        self._write_model()
        return {"loss": self.residuals[-1], "iteration": float(self.iterations)}

    def terminate(self) -> str | None:
        if not self.converged:
            return None
        self._true_residual()
        return (f"PCG ({self.config.preconditioner}) reached rtol {self.config.rtol:g} in {self.iterations} "
                f"iterations (true residual {self.true_residual:.2e}; iterations to {self._thresholds()}; "
                f"set-up {self.setup_s:.2g} s) on {self._size()}")

    def finish(self) -> None:
        if self._state is not None:
            self._true_residual()

    def notes(self) -> list[str]:
        if self._state is None or self.converged:
            return []
        if self._breakdown:
            return [f"PCG broke down at iteration {self.iterations + 1}: p.Ap <= 0, so A or the "
                    f"{self.config.preconditioner} preconditioner is not positive definite in this precision"]
        return [f"PCG stopped before rtol {self.config.rtol:g}: relative residual {self.residuals[-1]:.2e} after "
                f"{self.iterations} iterations (iterations to {self._thresholds()}); the finite-element solution "
                "is not converged"]

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"model": self.model.state_dict(), "residuals": list(self.residuals),
                                 "breakdown": self._breakdown}
        if self._state is not None:
            state["pcg"] = {k: v.detach().clone() for k, v in self._state.items()}
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.residuals = list(state.get("residuals", []))
        self._breakdown = bool(state.get("breakdown", False))
        self._restored = state.get("pcg")
        self._state = None  # rebuilt (assembly, preconditioner) on the next step, then the vectors restored

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        start = time.perf_counter()
        c = self.config
        self.discrete = assemble_dirichlet(self.mesh, self.fem.kappa, self.fem.source, self.fem.boundary,
                                           family=self.problem.name)
        system = self.discrete.system
        self.preconditioner = self._make_preconditioner(system)
        self._A = to_torch_csr(system.A, self.dtype, self.device)
        b = torch.as_tensor(system.b, dtype=self.dtype, device=self.device)[:, None]
        norm = float(_dot(b, b).sqrt())
        self._scale = norm if norm > 0 else 1.0  # b = 0: absolute residuals
        if self._restored is not None:
            self._state = {k: v.to(device=self.device, dtype=self.dtype) for k, v in self._restored.items()}
            self._restored = None
        else:
            x, r = torch.zeros_like(b), b.clone()
            z = self.preconditioner(r)
            self._state = {"x": x, "r": r, "p": z, "rz": _dot(r, z)}
            self.residuals = [float(_dot(r, r).sqrt() / self._scale)]
        self.setup_s = time.perf_counter() - start
        self.info = dict(self.discrete.info, preconditioner=c.preconditioner,
                         preconditioner_setup_s=self.preconditioner.setup_s, setup_s=self.setup_s)

    def _make_preconditioner(self, system):
        name = self.config.preconditioner
        if name != "learned":
            with _numpy_seed(self.generator.initial_seed()):  # pyamg draws random start vectors from numpy
                return make_preconditioner(name, system.A)
        path = Path(self.config.checkpoint)
        if path.is_dir():
            path = path / CHECKPOINT_FILE
        learned = load_factor(path)
        families = LEARNED_FAMILIES.get(self.problem.name, ())
        if not families:
            raise ValueError(f"no learned-preconditioner family fits the matrices of {self.problem.name!r}")
        if learned.family not in families:
            raise FamilyMismatch(f"{path} holds a preconditioner trained for the {learned.family!r} family; the "
                                 f"matrices of {self.problem.name!r} are of the kind of {', '.join(families)}: train "
                                 f"one with `pinnkit train-preconditioner {families[0]} --out DIR`")
        return learned.preconditioner(dataclasses.replace(system, family=learned.family))

    # ------------------------------------------------------------------ helpers
    def _write_model(self) -> None:
        values = self.network.values
        if self._interior is None or self._interior.device != values.device:
            self._interior = torch.as_tensor(self.mesh.interior, device=values.device)
        with torch.no_grad():
            values[self._interior] = self._state["x"][:, 0].to(values.dtype)

    def _true_residual(self) -> None:
        s = self._state
        b = torch.as_tensor(self.discrete.system.b, dtype=self.dtype, device=self.device)[:, None]
        self.true_residual = float(torch.linalg.vector_norm(b - self._A @ s["x"]) / self._scale)

    def _thresholds(self) -> str:
        return ", ".join(f"{t:.0e}: {'-' if k is None else k}" for t, k in self.reached.items())

    def _size(self) -> str:
        n = self.discrete.system.n
        return f"P1 elements, {n:,} unknowns, h = 1/{self.config.n}"


@contextlib.contextmanager
def _numpy_seed(seed: int):
    """numpy's global generator seeded with ``seed`` inside, restored after: pyamg's set-up estimates
    spectral radii from np.random vectors, so without this two runs differ in the last digits."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def _dot(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """u . v for (n, 1) columns, reduced as :func:`pinnkit.linsys.pcg` does (so the iterates agree)."""
    return (u * v).T.contiguous().sum(1)[0]
