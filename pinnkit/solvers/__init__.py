"""Solvers: one subpackage or module per method, all behind :class:`pinnkit.solvers.base.Solver`."""
