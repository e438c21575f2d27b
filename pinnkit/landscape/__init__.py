"""Loss landscapes and the roughness index (Wu, Jian, Du, Chen & Zhou 2021).

    from pinnkit.landscape import make_loss, roughness
    result = pinnkit.solve("poisson1d", solver="pinn")
    r = roughness(result.model, make_loss(result.problem, "galerkin"))   # 50 directions, 11 points
    r.ri, r.tv_mean, r.tv_std

Directions are filter-normalised (Li et al. 2018); perturbed parameters are evaluated in batches
with ``torch.func.functional_call`` / ``vmap`` and the model is never modified. Along training:
pass ``RoughnessCallback(loss, every=k)`` to :func:`pinnkit.solve` (``callbacks=[...]``).
Command line: ``pinnkit landscape`` (:mod:`pinnkit.cli.landscape`).
"""
from pinnkit.landscape.callback import RoughnessCallback
from pinnkit.landscape.directions import BIAS_MODES, filter_normalize, parameters_of, random_directions
from pinnkit.landscape.losses import (LOSSES, GalerkinLoss, LagrangianLoss, Loss, RitzLoss, dirichlet_factor,
                                     make_loss)
from pinnkit.landscape.profiles import METHODS, Profiles, Surface, perturbed_losses, profiles_1d, surface_2d
from pinnkit.landscape.roughness import Roughness, normalized_tv, roughness, roughness_index
from pinnkit.landscape.train import LossMinimizer, LossMinimizerConfig, ResNet, Swish

__all__ = [
    "BIAS_MODES", "LOSSES", "METHODS", "GalerkinLoss", "LagrangianLoss", "Loss", "LossMinimizer",
    "LossMinimizerConfig", "Profiles", "ResNet", "RitzLoss", "Roughness", "RoughnessCallback", "Surface", "Swish",
    "dirichlet_factor",
    "filter_normalize", "make_loss", "normalized_tv", "parameters_of", "perturbed_losses", "profiles_1d",
    "random_directions", "roughness", "roughness_index", "surface_2d",
]
