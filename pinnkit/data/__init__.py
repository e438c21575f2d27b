"""PDEBench data I/O: read and write its HDF5 layouts, its metrics, its file manifest and downloads.

This package imports nothing above it; turning samples into problems, generating datasets and
the benchmark harness live in :mod:`pinnkit.bench`.

* :func:`open_pdebench` reads any PDEBench layout lazily (:mod:`pinnkit.data.reader`);
* ``write_*`` produce each layout exactly (:mod:`pinnkit.data.writer`);
* :func:`pdebench_metrics` computes PDEBench's metrics (:mod:`pinnkit.data.metrics`);
* :func:`pdebench_initial` draws PDEBench's 1-D initial conditions (:mod:`pinnkit.data.initial`).
"""
from pinnkit.data.metrics import METRIC_KEYS, pdebench_metrics
from pinnkit.data.reader import PDEBenchFile, open_pdebench
from pinnkit.data.writer import write_cfd, write_darcy, write_groups, write_ns_incom, write_single

__all__ = ["pdebench_metrics", "METRIC_KEYS", "open_pdebench", "PDEBenchFile", "write_single", "write_darcy",
           "write_cfd", "write_groups", "write_ns_incom"]
