"""PINN end to end on small budgets: accuracy, L-BFGS, divergence, save/load, command line."""
import json

import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.cli import main

FAST_HEAT = dict(width=16, depth=2, n_residual=512, n_initial=128, n_boundary=64, adam_steps=300,
                 lbfgs_steps=150, lr=1e-2)


@pytest.fixture(scope="module")
def heat_result():
    return pinnkit.solve("heat1d", config=FAST_HEAT, progress=False, seed=0)


def test_heat1d_small_budget_accuracy(heat_result):
    assert heat_result.status.ok, heat_result.message
    assert heat_result.errors["rel_l2"] < 1e-2
    # L-BFGS ran in float64 and did real iterations (not the 1-2 iteration exit of peers)
    assert heat_result.dtype == "float64"
    lbfgs = [h for h in heat_result.history if h["step"] >= 300]
    assert lbfgs and lbfgs[-1]["loss"] < 0.1 * [h for h in heat_result.history if h["step"] < 300][-1]["loss"]


def test_result_u_matches_reference_and_errors_are_honest(heat_result):
    pts = np.array([[1.0, 0.5], [4.0, 1.5]])
    u = heat_result.u(pts)
    ref = heat_result.problem.reference(pts)
    grid = heat_result.problem.reference.grid()
    pred = heat_result.u(grid.points())
    rel = np.linalg.norm(pred - grid.flat_values()) / np.linalg.norm(grid.flat_values())
    assert rel == pytest.approx(heat_result.errors["rel_l2"], rel=1e-9)
    assert np.abs(u - ref).max() < 0.05


def test_save_load_roundtrip(heat_result, tmp_path):
    path = heat_result.save(tmp_path / "r.pt")
    loaded = pinnkit.load_result(path)
    pts = torch.rand(50, 2, dtype=torch.float64) * torch.tensor([6.0, 2.0], dtype=torch.float64)
    assert torch.equal(loaded.u(pts), heat_result.u(pts))
    assert loaded.errors == heat_result.errors and loaded.status is heat_result.status
    with pytest.raises(ValueError, match="no saved result"):
        pinnkit.load_result(tmp_path / "missing.pt")
    torch.save({"format": "x"}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="missing key 'summary'"):
        pinnkit.load_result(tmp_path / "bad.pt")


def test_divergence_stops_with_reason_and_finite_parameters():
    result = pinnkit.solve("burgers1d", config=dict(width=8, depth=2, n_residual=128, adam_steps=200, lr=1e20,
                                                   lr_decay=1.0), progress=False)
    assert result.status is pinnkit.Status.NONFINITE
    assert "at step" in result.message
    assert all(torch.isfinite(p).all() for p in result.model.parameters())


@pytest.mark.parametrize("kwargs, message", [
    (dict(config={"adam_step": 3}), r"unknown config key 'adam_step' for PINNConfig\. Did you mean 'adam_steps'"),
    (dict(solver="tengg"), r"unknown solver 'tengg'"),
    (dict(config={"sampling": "grid"}), "unknown sampling method 'grid'"),
    (dict(device="cuda"), "CUDA is not available") if not torch.cuda.is_available() else
    (dict(dtype="float16"), "unknown dtype 'float16'"),
])
def test_solve_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pinnkit.solve("heat1d", progress=False, **kwargs)


def test_cli_solve_writes_summary_figure_result_and_refuses_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["solve", "poisson1d", "--set", "adam_steps=200", "--set", "lbfgs_steps=100", "--set", "width=16",
            "--steps", "300", "--seed", "1", "-q", "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("problem", "solver", "status", "rel_l2", "max_abs_error", "wall_time_s", "steps", "device",
                "dtype", "seed", "config"):
        assert key in summary
    assert summary["seed"] == 1 and summary["config"]["adam_steps"] == 200 and summary["rel_l2"] < 1e-2
    assert (out / "solution.png").stat().st_size > 10_000 and (out / "result.pt").is_file()
    assert main(args) == 2
    assert "already holds files; pass --overwrite" in capsys.readouterr().err


def test_cli_resume_continues_from_checkpoint(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    common = ["solve", "poisson1d", "--set", "adam_steps=60", "--set", "lbfgs_steps=0", "--set", "width=8", "-q"]
    assert main(common + ["--steps", "30", "--out", str(first)]) == 0
    assert json.loads((first / "summary.json").read_text())["steps"] == 30
    assert main(common + ["--resume", str(first), "--out", str(second)]) == 0
    resumed = json.loads((second / "summary.json").read_text())
    straight = pinnkit.solve("poisson1d", config=dict(adam_steps=60, lbfgs_steps=0, width=8), progress=False)
    assert resumed["steps"] == 60
    # resuming reproduces the uninterrupted run (same points, optimiser state and parameters)
    assert resumed["rel_l2"] == pytest.approx(straight.errors["rel_l2"], rel=1e-5)
    assert main(common + ["--resume", str(tmp_path / "nothing"), "--out", str(tmp_path / "c")]) == 2


def test_hard_initial_condition_is_exact_and_needs_one(heat_result):
    assert heat_result.config.hard_initial  # the heat1d default
    x = torch.linspace(0.0, 2 * np.pi, 33, dtype=torch.float64)[:, None]
    u0 = heat_result.problem.initial_condition.value(x)
    at_zero = heat_result.u(torch.cat([x, torch.zeros_like(x)], dim=1))
    assert float((at_zero.reshape(-1) - u0.reshape(-1)).abs().max()) < 1e-14
    assert "loss_residual" in heat_result.history[0] and "loss_initial" not in heat_result.history[0]
    with pytest.raises(ValueError, match="problem 'poisson1d' has no initial condition to impose"):
        pinnkit.solve("poisson1d", config=dict(hard_initial=True, adam_steps=1, lbfgs_steps=0), progress=False)


def test_a_result_saved_before_a_config_key_existed_still_loads(tmp_path):
    """Missing keys take the dataclass defaults, not the problem's tuned ones (heat1d: hard_initial)."""
    result = pinnkit.solve("heat1d", config=dict(FAST_HEAT, adam_steps=2, lbfgs_steps=0, hard_initial=False),
                           progress=False)
    path = result.save(tmp_path / "r.pt")
    payload = torch.load(path, weights_only=False)
    del payload["summary"]["config"]["hard_initial"]  # as written before the option existed
    torch.save(payload, path)
    loaded = pinnkit.load_result(path)
    pts = torch.rand(20, 2, dtype=torch.float64) * torch.tensor([6.0, 2.0], dtype=torch.float64)
    assert not loaded.config.hard_initial and torch.equal(loaded.u(pts), result.u(pts))
