"""pinnkit bench: scoring, restarts, parallel samples, the CLI and its errors."""
import hashlib
import json

import numpy as np
import pytest

from pinnkit.cli import main
from pinnkit.data import pdebench_metrics
from pinnkit.bench.run import _score, bench_config, parse_samples, run_bench
from pinnkit.bench.generate import generate

TINY = dict(width=8, depth=2, n_residual=64, n_initial=16, adam_steps=3, lbfgs_steps=0)


@pytest.fixture(scope="module")
def advection_file(tmp_path_factory):
    return generate("advection", tmp_path_factory.mktemp("data") / "1D_Advection_Sols_beta0.1.hdf5", samples=3,
                    nx=32, nt=25, seed=1)


def test_bench_runs_samples_in_processes_and_restarts(advection_file, tmp_path):
    out = tmp_path / "run"
    summary = run_bench(advection_file, out, samples="0:2", overrides=TINY, workers=2)
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["md5"] == hashlib.md5(advection_file.read_bytes()).hexdigest()
    assert [r["sample"] for r in saved["samples"]] == [0, 1] and saved["recomputed"] == [0, 1]
    assert saved["mean"]["nrmse"] == pytest.approx(np.mean([r["metrics"]["nrmse"] for r in saved["samples"]]))
    assert all(r["steps"] == 3 and r["status"] == "COMPLETED" for r in saved["samples"])
    assert (out / "sample_0001.png").is_file() and "| mean |" in (out / "metrics.md").read_text()
    # a rerun with one more sample computes only that one, in this process (CLI, one worker)
    assert main(["bench", str(advection_file), "--samples", "0:3", "--workers", "1", "--out", str(out),
                 *[f"--set={k}={v}" for k, v in TINY.items()]]) == 0
    again = json.loads((out / "metrics.json").read_text())
    assert again["recomputed"] == [2] and again["samples"][:2] == summary["samples"]
    with pytest.raises(ValueError, match="holds results of different settings for sample 0"):
        run_bench(advection_file, out, samples="0:1", overrides=dict(TINY, adam_steps=4), workers=1)


def test_scoring_uses_the_protocols_frames():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(16, 30)) + 2.0
    pred = target.copy()
    pred[:, :10] += 1.0  # wrong only before the last 20 frames
    assert _score(pred, target, 20)["nrmse"] == 0.0
    expected = pdebench_metrics(pred[None, :, :, None], target[None, :, :, None], initial_step=1)["nrmse"]
    assert _score(pred, target, None)["nrmse"] == pytest.approx(expected) and expected > 0.1


def test_sample_selection_and_protocol_errors():
    assert parse_samples("0:3", 8) == [0, 1, 2] and parse_samples("1,5", 8) == [1, 5] and parse_samples(":", 2) == [0, 1]
    with pytest.raises(ValueError, match=r"selects \[9\]; the file has samples 0..7"):
        parse_samples("2,9", 8)
    with pytest.raises(ValueError, match="START:STOP or a comma-separated list"):
        parse_samples("a-b", 8)
    config = bench_config("burgers", "pdebench-pinn", dict(adam_steps=10))
    assert (config["width"], config["depth"], config["lr"], config["lbfgs_steps"], config["adam_steps"]) == (40, 6, 1e-3, 0, 10)
    with pytest.raises(ValueError, match="unknown protocol 'pdebench'. Did you mean 'pdebench-pinn'"):
        bench_config("burgers", "pdebench", None)
    with pytest.raises(ValueError, match="protocol 'pdebench-pinn' is PDEBench's PINN baseline: it needs --solver pinn, not 'teng'"):
        bench_config("burgers", "pdebench-pinn", None, solver="teng")
    assert bench_config("burgers", "pinnkit", None, solver="pinn")["causal"] is True  # the PINN's tuned family config
    teng = bench_config("burgers", "pinnkit", dict(dt=0.001), solver="teng")  # TENG's pdebench_burgers preset
    assert (teng["dt"], teng["grid"], teng["damping"], teng["width"]) == (0.001, 1024, 1e-7, 20)
    baseline = bench_config("burgers", "pdebench-pinn", None)  # PDEBench's baseline takes nothing from the preset
    assert (baseline["causal"], baseline["periodic_harmonics"], baseline["n_residual"]) == (False, 1, 1000)


def test_teng_tuned_for_pdebench_samples(advection_file):
    """A PDEBench sample gets TENG's pdebench_<family> defaults: this advection sample to 1.6e-5 (measured)."""
    import pinnkit
    from pinnkit.bench.sample_problem import sample_problem

    problem = sample_problem(advection_file, 0)
    config = pinnkit.solvers.teng.TENG.default_config(problem.name)
    assert (config.integrator, config.dt, config.grid) == ("rk4", 0.01, 256)
    result = pinnkit.solve(problem, solver="teng", config=dict(grid=64, init_iterations=200), progress=False)
    assert result.errors["rel_l2"] < 1e-4
