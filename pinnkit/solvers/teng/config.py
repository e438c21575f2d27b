"""TENG configuration: one frozen dataclass (tuned values per problem: problems/presets/teng.toml)."""
from __future__ import annotations

from dataclasses import dataclass

from pinnkit._validate import check_choice
from pinnkit.solvers.teng.integrators import INTEGRATORS
from pinnkit.solvers.teng.lstsq import LSTSQ_METHODS

ANSATZ = ("mlp", "fourier")
JACOBIAN = ("auto", "forward", "func")
SUBSET_RULES = ("random", "gradient")
TENG_DTYPES = ("float64", "float32", "same")


@dataclass(frozen=True)
class TENGConfig:
    """Time-evolving natural gradient (Chen, McCarran, Vizcaino, Soljacic & Luo, ICML 2024).

    Time: ``dt`` steps of the explicit Runge-Kutta ``integrator`` (euler, heun, ssprk3, rk4)
    over the problem's time interval (``dt`` is shortened to divide it evenly).
    Space: a periodic ``grid`` of points per axis, equal quadrature weights.
    Ansatz (``ansatz="mlp"``): trainable periodic embedding with ``periodic_features`` per axis,
    then an MLP of ``depth`` x ``width``; ``ansatz="fourier"``: a Fourier series with
    ``fourier_modes`` per axis (linear in its parameters).
    Fit of every stage: ``iterations`` Gauss-Newton least-squares updates on the first stage of a
    step and ``later_iterations`` on the others, each on a random parameter subset of ``subset``
    (first iteration of a stage) / ``later_subset`` (others) parameters; 0 = all parameters.
    Inner iterations stop once the misfit |T - u| is below ``tol`` |T|. Every update starts from
    the best iterate so far, so the best one is kept (the reference code's inner loss can rise
    again); a rejected update raises the damping 100-fold (Levenberg-Marquardt). Least squares:
    ``lstsq`` method ("cholesky" or "lstsq", see :mod:`pinnkit.solvers.teng.lstsq`) with
    Tikhonov damping ``damping`` x |J_S|_F^2 / |S| (``rcond`` for the CPU lstsq driver). Initial fit: ``init_iterations`` of the same updates
    with ``init_subset`` parameters, until the relative misfit is below ``init_tol``.
    ``dtype``: the network's precision ("same" = the dtype passed to solve()).
    Start-up (initial data with a kink make the first instants stiff): ``startup_halvings`` > 0
    takes the first step as sub-steps growing geometrically (doubling) from
    ``dt / 2^startup_halvings``; the steps that begin before ``startup_time`` are split into
    sub-steps of at most ``startup_dt`` (0 = ``dt``), and with ``startup_full_fit`` their stage
    fits use all parameters and ``iterations`` updates each.
    ``embedding_in_subset``: every random subset also holds all the trainable periodic embedding's
    parameters (amplitude, phase, offset of each feature), the rest drawn from the other parameters:
    transport is a phase shift, which a subset without the phases can only approximate (burgers2d,
    paper network on 32^2 points, error at t = 0.05: 7.0e-4 -> 1.0e-4; heat2d unchanged).
    ``subset_rule``: how a subset is chosen. "random" (the paper): uniformly at random, redrawn each
    iteration. "gradient": the parameters with the largest |g_p|, g = J^T r the gradient of the misfit
    (one backward pass over the grid), recomputed each iteration: the Gauss-Southwell rule of block
    coordinate descent (Nutini, Schmidt, Laradji, Friedlander & Koepke, ICML 2015); the embedding
    rule above still applies. The least-squares projection of burgers2d's Euler increment (paper
    network on 32^2 points, |S| = 1536) leaves 1.9e-2 of it with a random subset and 2.3e-4 with the
    gradient's (heat2d: 6e-11 with a random subset).
    ``snapshot_every``: steps between recorded parameter sets (the solution at other times is
    interpolated linearly between records).
    """

    integrator: str = "heun"
    dt: float = 0.005
    grid: int = 64
    ansatz: str = "mlp"
    width: int = 40
    depth: int = 7
    activation: str = "tanh"
    periodic_features: int = 20
    fourier_modes: int = 8
    iterations: int = 7
    later_iterations: int = 5
    subset: int = 1536
    later_subset: int = 1024
    tol: float = 0.0
    lstsq: str = "cholesky"
    damping: float = 1e-12
    rcond: float = 1e-12
    jacobian: str = "auto"
    init_iterations: int = 2000
    init_subset: int = 1536
    init_tol: float = 1e-8
    dtype: str = "float64"
    snapshot_every: int = 1
    startup_halvings: int = 0
    startup_time: float = 0.0
    startup_dt: float = 0.0
    startup_full_fit: bool = False
    embedding_in_subset: bool = False
    subset_rule: str = "random"

    def __post_init__(self) -> None:
        check_choice("integrator", self.integrator, INTEGRATORS)
        check_choice("ansatz", self.ansatz, ANSATZ)
        check_choice("least-squares method", self.lstsq, LSTSQ_METHODS)
        check_choice("jacobian method", self.jacobian, JACOBIAN)
        check_choice("dtype", self.dtype, TENG_DTYPES)
        check_choice("subset rule", self.subset_rule, SUBSET_RULES)
        for name in ("grid", "width", "depth", "periodic_features", "fourier_modes", "snapshot_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"config {name} must be >= 1, got {getattr(self, name)}")
        for name in ("iterations", "later_iterations", "subset", "later_subset", "init_iterations", "init_subset",
                     "startup_halvings"):
            if getattr(self, name) < 0:
                raise ValueError(f"config {name} must be >= 0, got {getattr(self, name)}")
        if not self.dt > 0:
            raise ValueError(f"config dt must be > 0, got {self.dt}")
        for name in ("tol", "damping", "rcond", "init_tol", "startup_time", "startup_dt"):
            if getattr(self, name) < 0:
                raise ValueError(f"config {name} must be >= 0, got {getattr(self, name)}")
