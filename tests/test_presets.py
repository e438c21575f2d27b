"""Solver presets are data (problems/presets/<solver>.toml): valid names and keys, applied by
solve(), shown by `pinnkit info`, overridable by a user's TOML file."""
import dataclasses

import pytest

import pinnkit
from pinnkit.bench.sample_groups import sample_problem_name
from pinnkit.bench.sample_problem import SUPPORTED
from pinnkit.cli import main
from pinnkit.problems.presets import PRESET_DIR, preset, read_config_file, solver_presets
from pinnkit.solvers import SOLVERS, get_solver


def test_every_preset_names_a_problem_and_only_valid_keys():
    problems = set(pinnkit.list_problems()) | {sample_problem_name(f) for f in SUPPORTED}
    files = sorted(p.stem for p in PRESET_DIR.glob("*.toml"))
    assert files == sorted(SOLVERS)  # one file per solver, none for a solver that does not exist
    for solver in files:
        fields = {f.name for f in dataclasses.fields(get_solver(solver).Config)}
        for problem, values in solver_presets(solver).items():
            assert problem in problems, f"{solver}.toml: no problem {problem!r}"
            assert set(values) <= fields, f"{solver}.toml [{problem}]: unknown keys {set(values) - fields}"
            config = get_solver(solver).default_config(problem)  # types and ranges pass the config's checks
            assert all(getattr(config, k) == v for k, v in values.items())


def test_presets_reach_the_solver_and_overrides_win(tmp_path):
    config = get_solver("pinn").default_config("burgers1d", {"adam_steps": 7})
    assert (config.width, config.depth, config.adaptive, config.adam_steps) == (20, 8, "rad", 7)
    assert get_solver("pinn").default_config("taylor_green") == get_solver("pinn").Config()  # no preset
    mine = tmp_path / "my.toml"
    mine.write_text("# my settings\nadam_steps = 3\nlbfgs_steps = 0\nwidth = 6\n")
    result = pinnkit.solve("poisson1d", config=str(mine), progress=False)
    assert (result.config.adam_steps, result.config.width, result.config.depth) == (3, 6, 3)  # depth: the preset
    assert result.steps == 3


def test_config_file_errors_name_the_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("adam_step = 3\n")
    with pytest.raises(ValueError, match=r"unknown config key 'adam_step' for PINNConfig\. Did you mean 'adam_steps'"):
        pinnkit.solve("poisson1d", config=bad, progress=False)
    bad.write_text("adam_steps = = 3\n")
    with pytest.raises(ValueError, match=r"bad.toml is not valid TOML: .*line 1"):
        read_config_file(bad)
    bad.write_text("[burgers1d]\nwidth = 3\n")
    with pytest.raises(ValueError, match=r"expected plain 'key = value' lines, found the table\(s\) \['burgers1d'\]"):
        read_config_file(bad)
    with pytest.raises(ValueError, match="config file .*missing.toml does not exist"):
        read_config_file(tmp_path / "missing.toml")


def test_cli_config_file_with_set_on_top_and_info_shows_presets(tmp_path, capsys):
    mine = tmp_path / "my.toml"
    mine.write_text("adam_steps = 40\nlbfgs_steps = 0\nwidth = 6\n")
    out = tmp_path / "run"
    assert main(["solve", "poisson1d", "--config", str(mine), "--set", "adam_steps=20", "-q", "--out", str(out)]) == 0
    import json
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["steps"], summary["config"]["width"], summary["config"]["adam_steps"]) == (20, 6, 20)
    capsys.readouterr()
    assert main(["info", "burgers1d"]) == 0
    text = capsys.readouterr().out
    assert "[pinn] width = 20, depth = 8, n_residual = 4096" in text and "[teng] none" in text
    assert preset("teng", "heat1d")["grid"] == 512
