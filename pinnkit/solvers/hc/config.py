"""Hard-constraint solver configuration: one frozen dataclass (tuned values per problem:
``problems/presets/hc.toml`` and ``problems/presets/hcmoe.toml``)."""
from __future__ import annotations

from dataclasses import dataclass

from pinnkit._validate import check_choice

IFT_MODES = ("gauss_newton", "exact")
LINEAR_MODES = ("auto", "yes", "no")


@dataclass(frozen=True)
class HCConfig:
    """Physics-informed hard constraints, PI-HC and its mixture of experts PI-HC-MoE
    (Chalapathi, Du & Krishnapriyan, ICLR 2024, arXiv 2402.13412).

    Basis network: an MLP of ``depth`` hidden layers of ``width`` (exact periodic embedding,
    optional Fourier features) with ``n_basis`` outputs per field: u_f(x) = b_f(x) . w_f
    (``n_basis <= width + 1``: the outputs are combinations of the last hidden layer).
    Constraint layer: w* = argmin_w |F(w)|^2 + ``ridge`` |w|^2, F the PDE residual at
    ``n_constraint`` points (shared out among the experts) and the initial / boundary residuals
    at ``n_constraint_initial`` / ``n_constraint_boundary`` points, weighted by ``c_residual``,
    ``c_initial``, ``c_boundary``; evolution residuals are multiplied by the time span when
    ``time_scale`` (so u_t is measured per unit of normalised time). ``linear``: ``"auto"`` (test
    whether F is affine in w), ``"yes"`` (one regularised least-squares solve), ``"no"``
    (Levenberg-Marquardt, at most ``lm_max_steps`` steps, stop when |dw| <= ``lm_atol`` +
    ``lm_rtol`` |w|). Solved in ``solve_dtype``; ``ift`` picks the backward: ``"gauss_newton"``
    (dw/dtheta = -(J^T J + ridge I)^-1 J^T J_theta with the forward's Cholesky factor) or
    ``"exact"`` (the full Hessian of the least-squares objective; costs n_coefficients extra
    passes). ``resample_constraints``: new constraint points every k steps (0: fixed).
    Experts: ``experts`` is the number of sub-domains per coordinate, as ``"x=4"`` / ``"x=2,y=2"``
    or a tuple in coordinate order; ``"1"`` is one global expert (PI-HC).
    Outer training: Adam (``lr``, gradient norm clipped at ``clip_norm``) for ``steps`` steps on
    ``w_residual`` mean r^2 at ``n_residual`` fresh points + ``w_initial`` / ``w_boundary`` mean
    squares of the stitched solution u = sum_k 1_k b . w_k, plus (several experts)
    ``w_interface`` times the mean squared jumps of u and of its normal derivative (per unit of
    half the domain's length) at ``n_interface`` points on the experts' interfaces (periodic
    seams included): nothing else ties neighbouring experts together.
    """

    width: int = 64
    depth: int = 3
    activation: str = "tanh"
    n_basis: int = 48
    periodic_harmonics: int = 1
    fourier_features: int = 0
    fourier_sigma: float = 1.0
    experts: str = "1"
    n_constraint: int = 2048
    n_constraint_initial: int = 256
    n_constraint_boundary: int = 128
    c_residual: float = 1.0
    c_initial: float = 10.0
    c_boundary: float = 10.0
    time_scale: bool = True
    ridge: float = 1e-4
    linear: str = "auto"
    lm_max_steps: int = 100
    lm_rtol: float = 1e-4
    lm_atol: float = 1e-4
    lm_damping: float = 1e-3
    solve_dtype: str = "float64"
    ift: str = "gauss_newton"
    resample_constraints: int = 0
    n_residual: int = 2048
    n_initial: int = 256
    n_boundary: int = 128
    w_residual: float = 1.0
    w_initial: float = 10.0
    w_boundary: float = 10.0
    n_interface: int = 256
    w_interface: float = 10.0
    lr: float = 1e-3
    clip_norm: float = 1.0
    steps: int = 1000
    sampling: str = "uniform"

    def __post_init__(self) -> None:
        check_choice("ift", self.ift, IFT_MODES)
        check_choice("linear", self.linear, LINEAR_MODES)
        check_choice("solve_dtype", self.solve_dtype, ("float32", "float64"))
        for name in ("width", "depth", "n_basis", "n_constraint", "n_residual", "lm_max_steps"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"config key {name!r} must be >= 1, got {getattr(self, name)!r}")
        if self.n_basis > self.width + 1:
            raise ValueError(f"n_basis={self.n_basis}: the basis functions are linear combinations of the last hidden "
                             f"layer and a constant, so they span at most width + 1 = {self.width + 1} functions; "
                             "raise width or lower n_basis")
        for name in ("ridge", "lm_rtol", "lm_atol", "lm_damping", "clip_norm", "lr"):
            if float(getattr(self, name)) < 0:
                raise ValueError(f"config key {name!r} must be >= 0, got {getattr(self, name)!r}")
