"""PINN configuration: one frozen dataclass (tuned values per problem: problems/presets/pinn.toml), on the
training settings it shares with LPINN (:class:`TrainingConfig`)."""
from __future__ import annotations

from dataclasses import dataclass

from pinnkit._validate import check_choice
from pinnkit.autodiff import METHODS as DERIVATIVE_METHODS
from pinnkit.domain import SAMPLING_METHODS

ADAPTIVE = ("none", "rad", "rar-d")
WEIGHTING = ("fixed", "grad_norm")
LID_CORNERS = ("stokes", "smooth")


@dataclass(frozen=True)
class TrainingConfig:
    """What the PINN-style solvers (PINN, LPINN) share: collocation points, loss weighting and the
    Adam -> L-BFGS phases.

    Points: ``n_residual`` collocation points by ``sampling``, resampled every ``resample_every``
    steps (0: fixed); every ``adaptive_every`` steps ``adaptive="rad"`` redraws them with density
    ~ |r| / mean|r| + 1, ``adaptive="rar-d"`` adds ``adaptive_points`` (0: n_residual / 10) drawn
    with density ~ r^2 (Wu et al., CMAME 403, 2023); ``batch_size`` > 0 uses mini-batches.
    ``weighting="grad_norm"`` re-balances the loss weights every ``weighting_every`` steps by
    gradient norms (Wang, Teng & Perdikaris, SIAM J. Sci. Comput. 43, 2021).
    Optimisation: ``adam_steps`` of Adam (lr decayed by ``lr_decay`` every ``lr_decay_steps``)
    then ``lbfgs_steps`` L-BFGS iterations (strong Wolfe) in ``lbfgs_dtype``. ``derivatives``
    picks the derivative kernel (:func:`pinnkit.autodiff.derivatives`).
    """

    n_residual: int = 4096
    n_initial: int = 256
    sampling: str = "sobol"
    resample_every: int = 0
    adaptive: str = "none"
    adaptive_every: int = 1000
    adaptive_points: int = 0
    batch_size: int = 0
    weighting: str = "fixed"
    weighting_every: int = 100
    weighting_alpha: float = 0.9
    adam_steps: int = 5000
    lr: float = 1e-3
    lr_decay: float = 0.9
    lr_decay_steps: int = 1000
    lbfgs_steps: int = 0
    lbfgs_dtype: str = "float64"
    lbfgs_history: int = 50
    lbfgs_tolerance_grad: float = 1e-10
    lbfgs_tolerance_change: float = 1e-14
    derivatives: str = "auto"

    def __post_init__(self) -> None:
        check_choice("derivative method", self.derivatives, DERIVATIVE_METHODS)
        check_choice("sampling method", self.sampling, SAMPLING_METHODS)
        check_choice("adaptive sampling", self.adaptive, ADAPTIVE)
        check_choice("loss weighting", self.weighting, WEIGHTING)
        check_choice("lbfgs_dtype", self.lbfgs_dtype, ("float32", "float64", "same"))
        for name in ("n_residual", "n_initial", "adam_steps", "lbfgs_steps", "weighting_every", "adaptive_every",
                     "lr_decay_steps", "lbfgs_history"):
            value = getattr(self, name)
            minimum = 0 if name in ("adam_steps", "lbfgs_steps") else 1
            if value < minimum:
                raise ValueError(f"config {name} must be >= {minimum}, got {value}")
        if self.adaptive_points < 0:
            raise ValueError(f"config adaptive_points must be >= 0, got {self.adaptive_points}")
        if self.lr <= 0 or not 0 < self.lr_decay <= 1:
            raise ValueError(f"need lr > 0 and 0 < lr_decay <= 1, got lr={self.lr}, lr_decay={self.lr_decay}")


@dataclass(frozen=True)
class PINNConfig(TrainingConfig):
    """Soft-constraint PINN (Raissi, Perdikaris & Karniadakis, JCP 378, 2019).

    Network: MLP of ``depth`` hidden layers of ``width`` on normalised inputs, exact periodic
    embedding for periodic coordinates, optional random Fourier features.
    ``hard_initial=True`` imposes the initial condition exactly, u = u0(x) + (t - t0) / (t1 - t0)
    N(x, t) (Lagaris, Likas & Fotiadis, IEEE TNN 9, 1998), and drops the L_ic term.
    ``hard_walls=True`` (steady 2-D incompressible flow in a box with resting walls and a lid
    y = y_max moving at constant speed U, i.e. the lid-driven cavity) makes the network output a
    stream function and the pressure, u = psi_y, v = -psi_x, psi = g + D^2 N
    (:class:`pinnkit.nn.StreamFunction`): continuity and the wall conditions hold exactly and the
    L_bc terms leave the loss. ``lid_corners="stokes"``: Taylor's scraper flow (with its Stokes
    pressure) at each top corner, cut off beyond ``lid_band`` (fraction of the box), so the lid
    moves at U right into the corners; ``"smooth"``: the lid speed is U s(x), s rising (C^3) from 0
    at the corners to exactly 1 at ``lid_band`` from them. The lid's velocity is lifted into the
    interior over ``lid_depth`` (fraction of the height). Other problems are refused with the reason.
    Loss: ``w_res L_res + w_ic L_ic + w_bc L_bc`` (mean squares, ``n_boundary`` points per
    boundary condition); ``causal=True`` weights residuals of time chunk i by
    exp(-causal_eps * sum_{j<i} L_j) (Wang, Sankaran & Perdikaris, CMAME 421, 2024).
    Points, weighting and the Adam -> L-BFGS phases: :class:`TrainingConfig`.
    Kernels: ``derivatives`` picks the derivative path (``"auto"``: the one-pass forward jet
    wherever it applies, else nested autograd; ``compile=True`` needs the forward jet);
    ``compile=True`` wraps the residual loss in ``torch.compile`` (falls back to eager with a
    warning where no compiler works).
    """

    width: int = 64
    depth: int = 4
    activation: str = "tanh"
    periodic_harmonics: int = 1
    fourier_features: int = 0
    fourier_sigma: float = 1.0
    n_boundary: int = 256
    w_residual: float = 1.0
    w_initial: float = 10.0
    w_boundary: float = 10.0
    causal: bool = False
    hard_initial: bool = False
    hard_walls: bool = False
    lid_band: float = 0.2
    lid_depth: float = 0.2
    lid_corners: str = "stokes"
    causal_eps: float = 1.0
    causal_chunks: int = 32
    compile: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("lid_corners", self.lid_corners, LID_CORNERS)
        for name in ("width", "depth", "causal_chunks"):
            if getattr(self, name) < 1:
                raise ValueError(f"config {name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.lid_band < 0.5:
            raise ValueError(f"config lid_band must be in (0, 0.5), got {self.lid_band}")
        if not 0 < self.lid_depth <= 1:
            raise ValueError(f"config lid_depth must be in (0, 1], got {self.lid_depth}")
