"""The hard-constraint solvers through pinnkit.solve: constraints, experts, reporting."""
from __future__ import annotations

import pytest
import torch

import pinnkit
from pinnkit.registry import get_problem
from pinnkit.solvers import get_solver
from pinnkit.solvers.hc.experts import ExpertSplit, parse_experts
from pinnkit.solvers.hc.system import basis_matrices, block_residual

SMALL = dict(width=16, depth=2, n_basis=12, n_constraint=64, n_constraint_initial=16, n_constraint_boundary=16,
             n_residual=64, n_initial=16, n_boundary=16)


def make_solver(problem_name: str, solver: str = "hc", seed: int = 0, **overrides):
    problem = get_problem(problem_name)
    cls = get_solver(solver)
    config = cls.default_config(problem_name, {**SMALL, **overrides})
    return cls(problem, config, torch.device("cpu"), torch.float64, torch.Generator().manual_seed(seed))


def test_linear_problems_take_one_solve_and_nonlinear_ones_levenberg_marquardt():
    assert make_solver("heat1d").constraints.linear
    assert not make_solver("burgers1d").constraints.linear


def test_basis_matrices_agree_with_the_generic_kernels():
    """The model's PDE residual by nested autograd equals the constraint rows built from the basis
    matrices (one forward jet), at the constraint points."""
    s = make_solver("burgers1d")
    s.step(0)
    s.finish()
    block = s.constraints.blocks[0]
    pts = block.points.reshape(-1, 2)
    expected = s.problem.residual(s.network, pts, method="autograd")[:, 0]
    mats = basis_matrices(s.network.basis, [block], s.problem.coords, s.network.coefficients.shape[1], torch.float64)
    rows = block_residual(block, mats[0], s.network.coefficients, s.config.n_basis)
    assert torch.allclose(rows.reshape(-1), expected * s.scale, rtol=1e-9, atol=1e-10)


def test_solution_satisfies_its_constraints_where_the_basis_can():
    """Fewer constraint rows than coefficients (linear PDE): w* makes the model's own PDE and initial
    residuals (checked by nested autograd on the stitched model) vanish at the constraint points."""
    s = make_solver("heat1d", width=48, n_basis=40, n_constraint=8, n_constraint_initial=4, n_constraint_boundary=4,
                    ridge=1e-12, lm_rtol=1e-12, lm_atol=1e-12)
    s.finish()
    assert s.report.unconverged == 0
    blocks = s.constraints.blocks
    residual = s.problem.residual(s.network, blocks[0].points.reshape(-1, 2), method="autograd")
    assert residual.abs().max() < 1e-6
    initial = blocks[1].points.reshape(-1, 2)
    u0 = s.problem.initial_condition.value(initial[:, :1])
    assert (s.network(initial) - u0).abs().max() < 1e-6
    for block in blocks[2:]:
        pts = block.points.reshape(-1, 2)
        bc = s.problem.boundary_conditions[int(block.name[len("boundary")])]
        assert (s.network(pts) - bc.value(pts)).abs().max() < 1e-6


def test_nonlinear_solution_is_stationary_to_the_tolerance():
    """Burgers (Levenberg-Marquardt): the least-squares optimality J^T F + ridge w = 0 holds at w*."""
    s = make_solver("burgers1d", "hcmoe", experts="x=2", lm_rtol=1e-10, lm_atol=1e-10)
    s.finish()
    mats = basis_matrices(s.network.basis, s.constraints.blocks, s.problem.coords, s.network.coefficients.shape[1],
                          torch.float64)
    w = s.network.coefficients
    res, jac = s.constraints.residual(mats, w), s.constraints.jacobian(mats, w)
    grad = (jac.transpose(1, 2) @ res.unsqueeze(-1)).squeeze(-1) + s.config.ridge * w
    assert s.report.unconverged == 0 and s.report.iterations > 2
    assert float(grad.abs().max()) < 1e-8 * float(jac.abs().max() * res.abs().max())


def test_one_expert_mixture_equals_the_global_hard_constraint():
    runs = {}
    for solver in ("hc", "hcmoe"):
        s = make_solver("burgers1d", solver, experts="1")
        for k in range(3):
            s.step(k)
        s.finish()
        runs[solver] = s.predict(s.problem.domain.grid(9, dtype=torch.float64))
    assert torch.allclose(runs["hc"], runs["hcmoe"], rtol=0, atol=1e-12)


def test_experts_split_the_domain_and_see_only_their_boundary_terms():
    s = make_solver("burgers1d", "hcmoe", experts="x=4")
    assert s.split.n_experts == 4
    pde = s.constraints.blocks[0].points
    lows = torch.tensor([b.lows[0] for b in s.split.boxes], dtype=torch.float64)
    assert torch.equal(s.split.assign(pde.reshape(-1, 2)).reshape(4, -1), torch.arange(4)[:, None].expand(4, pde.shape[1]))
    assert (pde[..., 0].min(dim=1).values >= lows).all()
    left = next(b for b in s.constraints.blocks if b.name.endswith("x_min"))
    assert left.mask.sum(dim=1).tolist() == [left.mask.shape[1], 0, 0, 0]


def test_more_basis_functions_than_the_last_layer_can_span_are_refused():
    with pytest.raises(ValueError, match="at most width \\+ 1"):
        make_solver("heat1d", width=8, n_basis=12)


def test_experts_are_parsed_by_name_or_position_and_bad_ones_refused():
    assert parse_experts("x=4", ("x", "t")) == (4, 1)
    assert parse_experts("1", ("x", "y", "t")) == (1, 1, 1)
    assert parse_experts((2, 1), ("x", "t")) == (2, 1)
    with pytest.raises(ValueError, match="unknown coordinate 'z'"):
        parse_experts("z=2", ("x", "t"))
    with pytest.raises(ValueError, match="one count per coordinate"):
        parse_experts("2,2,2", ("x", "t"))
    with pytest.raises(ValueError, match="needs solver='hcmoe'"):
        make_solver("burgers1d", "hc", experts="x=2")


def test_split_assigns_every_point_to_one_box():
    split = ExpertSplit(get_problem("burgers1d").domain, (3, 2))
    pts = get_problem("burgers1d").domain.sample_interior(500, generator=torch.Generator().manual_seed(1))
    k = split.assign(pts)
    for e, box in enumerate(split.boxes):
        assert box.contains(pts[k == e]).all()
    assert torch.bincount(k, minlength=6).sum() == 500


def test_levenberg_marquardt_out_of_steps_reaches_the_result_message():
    result = pinnkit.solve("burgers1d", "hc", config={**SMALL, "steps": 2, "lm_max_steps": 1}, progress=False,
                           threads=1)
    assert "Levenberg-Marquardt reached lm_max_steps=1" in result.message
    assert result.status.ok


def test_training_lowers_the_error_on_heat1d():
    """A hundred and fifty Adam steps through the constraint layer lower the reference error."""
    errors = []
    for steps in (1, 150):
        r = pinnkit.solve("heat1d", "hc", config={**SMALL, "steps": steps, "lr": 3e-3}, progress=False, threads=1,
                          dtype="float64")
        errors.append(r.errors["rel_l2"])
    assert errors[1] < 0.5 * errors[0]


def test_checkpoint_resume_continues_the_same_run(tmp_path):
    kw = dict(config={**SMALL, "steps": 4}, progress=False, threads=1, dtype="float64")
    straight = pinnkit.solve("burgers1d", "hc", **kw)
    pinnkit.solve("burgers1d", "hc", steps=2, checkpoint_dir=tmp_path, **kw)
    resumed = pinnkit.solve("burgers1d", "hc", checkpoint_dir=tmp_path, resume=True, **kw)
    assert resumed.errors["rel_l2"] == pytest.approx(straight.errors["rel_l2"], rel=1e-6)


def test_interface_points_sit_between_neighbouring_experts_and_on_the_periodic_seam():
    split = ExpertSplit(get_problem("heat1d").domain, (3, 1))
    pts, left, right = split.interface_points(0, 30, periodic=True, generator=torch.Generator().manual_seed(0),
                                              dtype=torch.float64)
    pairs = {(int(a), int(b)) for a, b in zip(left, right)}
    assert pairs == {(0, 1), (1, 2), (2, 0)}
    edges = split.edges[0]
    seam = (left == 2) & (right == 0)
    assert torch.allclose(pts[seam, 0], edges[0].expand(int(seam.sum())))


def test_the_interface_term_joins_the_experts():
    """Without it, two experts on periodic heat1d drift apart at their interfaces; with it, the jump is small."""
    jumps = {}
    for weight in (0.0, 10.0):
        s = make_solver("heat1d", "hcmoe", experts="x=2", w_interface=weight, lr=3e-3)
        for k in range(150):
            s.step(k)
        s.finish()
        jumps[weight] = float(s._interface_jumps(s.network.coefficients))
    assert jumps[10.0] < 0.35 * jumps[0.0]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_steps_match_the_cpu():
    predictions = []
    for device in ("cpu", "cuda"):
        problem = get_problem("burgers1d")
        cls = get_solver("hcmoe")
        s = cls(problem, cls.default_config("burgers1d", {**SMALL, "experts": "x=2"}), torch.device(device),
                torch.float64, torch.Generator().manual_seed(0))
        for k in range(3):
            s.step(k)
        predictions.append(s.predict(problem.domain.grid(9, dtype=torch.float64)).cpu())
    assert torch.allclose(predictions[0], predictions[1], rtol=0, atol=1e-8)


def test_saved_result_reloads_with_its_experts_coefficients(tmp_path):
    result = pinnkit.solve("heat1d", "hcmoe", config={**SMALL, "steps": 3, "experts": "x=2"}, progress=False,
                           threads=1, dtype="float64")
    path = result.save(tmp_path / "result.pt")
    again = pinnkit.load_result(path)
    points = result.problem.domain.grid(7, dtype=torch.float64)
    assert torch.equal(again.u(points), result.u(points))
    assert again.errors["rel_l2"] == result.errors["rel_l2"]
