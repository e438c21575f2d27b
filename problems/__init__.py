"""The problem catalogue: one module per PDE family, each factory returning a Problem.

Installed as ``pinnkit.problems``; look problems up by name with ``pinnkit.get_problem``.
"""
from .advection import advection1d
from .allen_cahn import allen_cahn1d, allen_cahn2d
from .burgers import burgers1d, burgers2d
from .burgers_pdebench import burgers1d_pdebench
from .burgers_shock import burgers1d_shock
from .convection import convection1d
from .diffusion_reaction import diffusion_reaction1d
from .diffusion_reaction2d import diffusion_reaction2d
from .diffusion_sorption import diffusion_sorption1d
from .heat import heat1d, heat2d
from .navier_stokes import kovasznay, lid_driven_cavity, taylor_green
from .ns_vorticity import ns_vorticity2d
from .poisson import poisson1d, poisson2d
from .poisson_fem import poisson2d_fem

CATALOGUE = {
    f.__name__: f
    for f in (heat1d, heat2d, burgers1d, burgers2d, allen_cahn1d, allen_cahn2d, poisson1d, poisson2d,
              kovasznay, taylor_green, lid_driven_cavity, advection1d, burgers1d_pdebench, diffusion_reaction1d,
              diffusion_reaction2d, diffusion_sorption1d, ns_vorticity2d, convection1d, burgers1d_shock,
              poisson2d_fem)
}

__all__ = ["CATALOGUE", *CATALOGUE]
