"""The shared driver: budgets, non-finite detection, checkpoints/resume, interrupts, config errors."""
from dataclasses import dataclass

import pytest
import torch

import pinnkit
from pinnkit.driver import load_checkpoint, run
from pinnkit.result import Status
from pinnkit.solvers.base import Solver, build_config


@dataclass(frozen=True)
class ToyConfig:
    steps: int = 50
    lr: float = 0.1
    blow_up_at: int = -1
    interrupt_at: int = -1


class Toy(Solver):
    """Gradient descent on |theta - 3|^2 for a 1-parameter 'network' u = theta."""

    name = "toy"
    Config = ToyConfig

    def __init__(self, problem, config, device=torch.device("cpu"), dtype=torch.float64, generator=None):
        super().__init__(problem, config, device, dtype, generator)
        self.net = torch.nn.Linear(1, 1, bias=False).double()
        torch.nn.init.zeros_(self.net.weight)

    @property
    def planned_steps(self):
        return self.config.steps

    @property
    def model(self):
        return self.net

    def step(self, k):
        if k == self.config.interrupt_at:
            raise KeyboardInterrupt
        with torch.no_grad():
            w = self.net.weight
            w -= self.config.lr * 2 * (w - 3.0)
            if k == self.config.blow_up_at:
                w.fill_(float("nan"))
        return {"loss": float((w.detach() - 3.0).pow(2).sum())}

    def terminate(self):
        return "converged: loss < 1e-20" if float((self.net.weight.detach() - 3).pow(2).sum()) < 1e-20 else None


PROBLEM = pinnkit.get_problem("poisson1d")


def theta(solver):
    return solver.net.weight.item()


def test_completes_and_logs_history():
    out = run(Toy(PROBLEM, ToyConfig(steps=20)), log_every=5, progress=False)
    assert out.status is Status.COMPLETED and out.steps == 20
    assert [h["step"] for h in out.history] == [0, 5, 10, 15, 19]
    assert out.history[-1]["loss"] == pytest.approx(9 * 0.8 ** 40, rel=1e-12)


def test_converged_stops_early_with_reason():
    out = run(Toy(PROBLEM, ToyConfig(steps=1000, lr=0.5)), progress=False)
    assert out.status is Status.CONVERGED and out.steps == 1 and "converged" in out.message


def test_nonfinite_keeps_last_finite_parameters():
    solver = Toy(PROBLEM, ToyConfig(steps=20, blow_up_at=7))
    out = run(solver, progress=False)
    assert out.status is Status.NONFINITE
    assert "at step 7" in out.message and "loss = nan" in out.message
    assert theta(solver) == pytest.approx(3 - 3 * 0.8 ** 7, rel=1e-12)  # the parameters after step 6


def test_checkpoint_resume_reproduces_uninterrupted_run(tmp_path):
    full = Toy(PROBLEM, ToyConfig(steps=30))
    run(full, progress=False)
    first = Toy(PROBLEM, ToyConfig(steps=30, interrupt_at=12))
    out = run(first, progress=False, checkpoint_dir=tmp_path, checkpoint_every=5)
    assert out.status is Status.INTERRUPTED and "resume" in out.message
    step, _, _ = load_checkpoint(tmp_path, Toy(PROBLEM, ToyConfig()))
    assert step == 12
    second = Toy(PROBLEM, ToyConfig(steps=30))
    out = run(second, progress=False, checkpoint_dir=tmp_path, resume=True)
    assert out.status is Status.COMPLETED and out.steps == 30
    assert theta(second) == pytest.approx(theta(full), rel=1e-14)


def test_time_budget_and_errors(tmp_path):
    out = run(Toy(PROBLEM, ToyConfig(steps=10**6, lr=1e-9)), time_budget_s=0.05, progress=False)
    assert out.status is Status.TIME_LIMIT and 0 < out.steps < 10**6
    with pytest.raises(ValueError, match="no checkpoint to resume from"):
        run(Toy(PROBLEM, ToyConfig()), checkpoint_dir=tmp_path / "none", resume=True)
    (tmp_path / "bad").mkdir()
    torch.save({"step": 3}, tmp_path / "bad" / "checkpoint.pt")
    with pytest.raises(ValueError, match="missing key 'history'"):
        run(Toy(PROBLEM, ToyConfig()), checkpoint_dir=tmp_path / "bad", resume=True)


def test_build_config_names_unknown_keys_and_converts():
    assert build_config(ToyConfig, {"steps": "7", "lr": "0.5"}) == ToyConfig(steps=7, lr=0.5)
    with pytest.raises(ValueError, match=r"unknown config key 'step' for ToyConfig\. Did you mean 'steps'"):
        build_config(ToyConfig, {"step": 3})
    with pytest.raises(ValueError, match="config key 'steps' takes an int, got 2.5"):
        build_config(ToyConfig, {"steps": 2.5})
