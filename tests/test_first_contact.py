"""What a new user meets first: threads, progress without a terminal, resuming, file permissions."""
import io
import json
import os
import stat

import pytest
import torch

import pinnkit
import pinnkit.threads as threads_module
from pinnkit._io import write_json
from pinnkit.cli import main
from pinnkit.cli.solve import continue_command
from pinnkit.bench.generate import generate
from pinnkit.progress import Progress
from pinnkit.threads import MIN_WORK_PER_THREAD, choose_threads, torch_threads

TINY = ["--set", "adam_steps=60", "--set", "lbfgs_steps=0", "--set", "width=8"]


def test_thread_choice(monkeypatch):
    assert choose_threads(3, "cpu", None) == (3, "requested")
    assert choose_threads(None, "cpu", None)[0] == 1
    assert choose_threads(None, "cpu", MIN_WORK_PER_THREAD)[0] == 1  # small networks: one thread
    assert choose_threads(None, "cuda", 1e12) == (1, "GPU run")
    monkeypatch.setattr(threads_module, "usable_cores", lambda: 8)
    monkeypatch.setattr(os, "getloadavg", lambda: (5.2, 0.0, 0.0))
    assert threads_module.idle_cores() == 3  # 8 cores, 5 busy
    assert choose_threads(None, "cpu", 100 * MIN_WORK_PER_THREAD) == (3, "3 of 8 cores idle")
    assert choose_threads(None, "cpu", 2.5 * MIN_WORK_PER_THREAD)[0] == 2  # no more threads than work pays for
    monkeypatch.setattr(os, "getloadavg", lambda: (11.0, 0.0, 0.0))
    assert choose_threads(None, "cpu", 100 * MIN_WORK_PER_THREAD)[0] == 1  # overloaded: still one
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="threads must be a positive integer"):
            choose_threads(bad, "cpu", None)


@pytest.mark.parametrize("problem, solver, threads_pay", [("heat2d", "pinn", False), ("allen_cahn1d", "pinn", False),
                                                          ("heat1d", "teng", False), ("burgers2d", "teng", True)])
def test_work_estimates_put_only_large_least_squares_steps_above_one_thread(problem, solver, threads_pay):
    """benchmarks/threads.py: beside a busy process a second thread made these PINN presets and TENG
    heat1d 2.8-5.4x slower, TENG burgers2d only 1.25x (and 1.8x faster on an idle machine)."""
    from pinnkit.solvers import get_solver

    cls = get_solver(solver)
    instance = cls(pinnkit.get_problem(problem), cls.default_config(problem), torch.device("cpu"), torch.float64,
                   torch.Generator().manual_seed(0))
    assert (instance.work_per_step >= 2 * MIN_WORK_PER_THREAD) == threads_pay


def test_solve_runs_with_the_chosen_threads_and_restores_them():
    seen = []
    before = torch.get_num_threads()
    with torch_threads(1):
        result = pinnkit.solve("poisson1d", config=dict(adam_steps=3, lbfgs_steps=0, width=8), progress=False,
                               threads=2, callbacks=[lambda k, s, info: seen.append(torch.get_num_threads())])
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    assert seen == [2, 2, 2] and result.threads == 2 and result.summary()["threads"] == 2
    default = pinnkit.solve("poisson1d", config=dict(adam_steps=1, lbfgs_steps=0, width=8), progress=False)
    assert default.threads == 1  # the catalogue's small networks


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_lines_without_a_terminal(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr("pinnkit.progress.time.perf_counter", clock)
    stream = io.StringIO()  # not a terminal
    progress = Progress(100, 0, None, "heat1d / pinn", every_s=30.0, note="1 thread (default)", stream=stream)
    for step in range(100):
        clock.now = 1.0 * (step + 1)  # one second a step
        progress.update(step, {"loss": 0.5 / (step + 1), "loss_residual": 0.1})
    progress.close("completed the step budget")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "heat1d / pinn: steps 0..100, 1 thread (default); a progress line every 30 s"
    assert lines[1] == ("heat1d / pinn: step 30/100 (30%), loss 1.667e-02, loss_residual 1.000e-01, "
                        "elapsed 30s, remaining ~1m10s")
    assert [line.split(":")[1].split(",")[0] for line in lines[2:4]] == [" step 60/100 (60%)", " step 90/100 (90%)"]
    assert lines[-1] == "heat1d / pinn: completed the step budget after 1m40s"
    assert len(lines) == 5
    quiet = io.StringIO()
    silent = Progress(10, 0, False, "x", stream=quiet)
    silent.update(0, {"loss": 1.0})
    silent.close("done")
    assert quiet.getvalue() == ""


def test_data_generate_draws_no_bar_into_a_pipe(tmp_path, capsys):
    generate("advection", tmp_path / "a.h5", samples=2, nx=32, nt=5, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err and err.startswith("advection samples: steps 0..2")


def test_resume_in_place_and_the_continue_command(tmp_path, capsys):
    run = tmp_path / "run"
    first = ["solve", "poisson1d", *TINY, "-q", "--steps", "30", "--out", str(run)]
    assert main(first) == 0
    assert json.loads((run / "summary.json").read_text())["steps"] == 30
    # in place: no --out, no --overwrite; the checkpoint folder itself is accepted too
    assert main(["solve", "poisson1d", *TINY, "-q", "--resume", str(run / "checkpoint")]) == 0
    resumed = json.loads((run / "summary.json").read_text())
    straight = pinnkit.solve("poisson1d", config=dict(adam_steps=60, lbfgs_steps=0, width=8), progress=False)
    assert resumed["steps"] == 60
    assert resumed["rel_l2"] == pytest.approx(straight.errors["rel_l2"], rel=1e-5)
    assert main(["solve", "poisson1d", "-q", "--resume", str(tmp_path / "nothing")]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    command = continue_command(["solve", "burgers1d", "--set", "nu=0.1", "--overwrite", "--out", "runs/b c",
                                "--threads", "1"], tmp_path / "b c")
    assert command == f"pinnkit solve burgers1d --set nu=0.1 --threads 1 --resume '{tmp_path / 'b c'}'"


def test_interrupted_solve_prints_the_command_that_continues_it(tmp_path, capsys, monkeypatch):
    from pinnkit.solvers.pinn import PINN

    step = PINN.step

    def interrupt_at_20(self, k):
        if k == 20:
            raise KeyboardInterrupt
        return step(self, k)

    monkeypatch.setattr(PINN, "step", interrupt_at_20)
    out = tmp_path / "run"
    assert main(["solve", "poisson1d", *TINY, "-q", "--out", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"continue with: pinnkit solve poisson1d {' '.join(TINY)} -q --resume {out}"
    monkeypatch.setattr(PINN, "step", step)
    assert main(lines[-1].split()[3:]) == 0  # the printed command, after "continue with: pinnkit"
    assert json.loads((out / "summary.json").read_text())["steps"] == 60


def test_files_are_written_with_the_users_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = write_json(tmp_path / "a.json", {"x": 1})
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        os.umask(0o002)
        path = write_json(tmp_path / "b.json", {"x": 1})
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
    finally:
        os.umask(old)
