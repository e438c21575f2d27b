"""Problem registry and the command line: names, parameters, error messages, outputs."""
import json

import numpy as np
import pytest

import pinnkit
from pinnkit.cli import main

EXPECTED = {"heat1d", "heat2d", "burgers1d", "burgers2d", "allen_cahn1d", "allen_cahn2d", "poisson1d",
            "poisson2d", "kovasznay", "taylor_green", "lid_driven_cavity", "advection1d", "burgers1d_pdebench", "diffusion_reaction1d",
            "diffusion_reaction2d", "diffusion_sorption1d", "ns_vorticity2d", "convection1d", "burgers1d_shock",
            "poisson2d_fem"}


def test_catalogue_lists_every_problem_and_builds_them_cheaply():
    assert set(pinnkit.list_problems()) == EXPECTED
    for name in EXPECTED:
        problem = pinnkit.get_problem(name)
        assert problem.name == name
        assert problem.description.strip(), name
        assert problem.reference is not None, name


def test_parameters_reach_the_problem_and_problems_are_frozen():
    problem = pinnkit.get_problem("burgers1d", nu=0.02)
    assert problem.params["nu"] == 0.02
    with pytest.raises(TypeError):
        problem.params["nu"] = 1.0
    with pytest.raises(AttributeError):
        problem.name = "other"


@pytest.mark.parametrize("call, message", [
    (lambda: pinnkit.get_problem("burgers"), r"unknown problem 'burgers'\. Did you mean 'burgers1d' or 'burgers2d'"),
    (lambda: pinnkit.get_problem("heat1d", nuu=0.1), r"unknown parameter 'nuu' for problem 'heat1d'\. Did you mean 'nu'"),
    (lambda: pinnkit.get_problem("heat1d", nu=-1.0), "parameter nu must be a finite number > 0, got -1.0"),
    (lambda: pinnkit.get_problem("heat1d", bc="neumann"), "unknown value for parameter bc: 'neumann'"),
    (lambda: pinnkit.get_problem("poisson1d", k=0), "parameter k must be an integer >= 1"),
])
def test_registry_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cli_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED:
        assert name in out
    assert "parameters: nu=0.1, t_final=2.0, bc='periodic'" in out


def test_cli_reference_writes_data_summary_and_figure(tmp_path):
    assert main(["reference", "heat1d", "--param", "nu=0.2", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["problem"] == "heat1d" and summary["params"]["nu"] == 0.2
    data = np.load(tmp_path / "reference.npz")
    x, t, u = data["axis_x"], data["axis_t"], data["u"]
    exact = np.exp(-0.2 * t)[None] * np.sin(x)[:, None] + 0.5 * np.exp(-1.8 * t)[None] * np.cos(3 * x)[:, None]
    assert np.abs(u - exact).max() < 1e-14
    assert (tmp_path / "reference.png").stat().st_size > 10_000
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_errors_name_the_problem(tmp_path, capsys):
    assert main(["reference", "heat3d", "--out", str(tmp_path)]) == 2
    assert "unknown problem 'heat3d'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["reference", "heat1d", "--param", "nu"])
