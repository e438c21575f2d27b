"""Learned solvers: the neural parametric solver of Le Boudec et al. (ICLR 2025, arXiv:2410.06820), and
the learned factor preconditioner of Li, Chen, Du & Matusik (ICML 2023; :mod:`.factor`,
:mod:`.factor_train`, docs/learned_preconditioner.md).

A solution of a parametric PDE is a cubic B-spline expansion ``u_theta = sum_i theta_i phi_i``
(:mod:`.bspline`); a family (:mod:`.families`) samples PDE parameters and gives the physics loss
``L(theta; gamma)`` and reference solutions; a learned optimiser (:mod:`.optimizer`) takes ``L``
steps ``theta_{k+1} = theta_k - s F_psi(grad L / ||grad L||, gamma, data, k)`` (an FNO over the
coefficients, :mod:`.fno`) and is trained through them (:mod:`.train`); :mod:`.baselines` runs GD,
Adam and L-BFGS on the same loss. docs/solvers/neural_solver.md has the measured comparison.
"""
from pinnkit.learned.baselines import METHODS, BaselineRun, run_baseline, steps_to_reach
from pinnkit.learned.bspline import BSplineBasis, TensorBasis, gauss_points
from pinnkit.learned.evolution import Advection, ReactionDiffusion
from pinnkit.learned.factor import FamilyMismatch, LearnedFactor, load_factor
from pinnkit.learned.factor_train import evaluate_factor, train_factor
from pinnkit.learned.families import FAMILIES, get_family
from pinnkit.learned.family import Family, relative_l2
from pinnkit.learned.fno import CoefficientFNO
from pinnkit.learned.ode import Helmholtz, Poisson
from pinnkit.learned.optimizer import NeuralSolver, physics_gradient
from pinnkit.learned.train import evaluate, load_solver, make_dataset, save_solver, train_solver

__all__ = [
    "Advection", "BSplineBasis", "BaselineRun", "CoefficientFNO", "FAMILIES", "Family", "FamilyMismatch",
    "Helmholtz", "LearnedFactor", "METHODS", "evaluate_factor", "load_factor", "train_factor",
    "NeuralSolver", "Poisson", "ReactionDiffusion", "TensorBasis", "evaluate", "gauss_points", "get_family",
    "load_solver", "make_dataset", "physics_gradient", "relative_l2", "run_baseline", "save_solver",
    "steps_to_reach", "train_solver",
]
