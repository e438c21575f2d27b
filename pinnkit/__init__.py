"""pinnkit: physics-informed neural-network PDE solvers with trustworthy reference solutions.

Public API::

    import pinnkit
    pinnkit.list_problems()                  # names of the catalogue
    problem = pinnkit.get_problem("burgers1d", nu=0.01 / 3.141592653589793)
    problem.reference(points)                # ground truth at arbitrary points
    result = pinnkit.solve("heat1d", solver="pinn")
    result.errors["rel_l2"], result.plot("heat1d.png")
"""
from pinnkit.api import solve
from pinnkit.conditions import Dirichlet, InitialCondition, Neumann, Periodic
from pinnkit.domain import Box, Domain, Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.registry import get_problem, list_problems, problem_info
from pinnkit.result import Result, Status, load_result
from pinnkit.solvers import list_solvers

__version__ = "0.1.0"

__all__ = [
    "Advection", "Box", "Dirichlet", "Domain", "Equation", "InitialCondition", "Interval", "Neumann",
    "PDE", "Periodic", "Problem", "Result", "SpaceTime", "Status", "TimeInterval", "get_problem",
    "list_problems", "list_solvers", "load_result", "problem_info", "solve", "__version__",
]
