"""The PDEBench benchmark harness: PDEBench samples as forward problems, datasets made with
pinnkit's reference solvers, and ``pinnkit bench`` (solve samples, score with PDEBench's metrics).

* :func:`sample_problem` turns one sample into a :class:`~pinnkit.Problem` (:mod:`pinnkit.bench.sample_problem`);
* :func:`generate` writes a PDEBench-format file (:mod:`pinnkit.bench.generate`);
* :func:`run_bench` solves and scores samples, restartably (:mod:`pinnkit.bench.run`).

It sits above :mod:`pinnkit.api` (it calls :func:`pinnkit.solve`); PDEBench file I/O is :mod:`pinnkit.data`.
"""
from pinnkit.bench.generate import generate
from pinnkit.bench.run import run_bench
from pinnkit.bench.sample_problem import sample_problem

__all__ = ["generate", "run_bench", "sample_problem"]
