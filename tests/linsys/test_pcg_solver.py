"""The ``pcg`` solver on ``poisson2d_fem``: P1 finite elements solved by PCG under the shared driver."""
import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.driver import run
from pinnkit.linsys import make_preconditioner, pcg
from pinnkit.problems.poisson_fem import diffusion_case
from pinnkit.result import Status, load_result
from pinnkit.solvers.pcg import PCG


def solve(config=None, **kwargs):
    return pinnkit.solve("poisson2d_fem", solver="pcg", config=config, progress=False, device="cpu", **kwargs)


def build(config, problem=None):
    problem = problem or pinnkit.get_problem("poisson2d_fem")
    return PCG(problem, PCG.default_config(problem.name, config), torch.device("cpu"), torch.float32,
               torch.Generator().manual_seed(0))


def points(n=500, seed=0):
    return torch.rand(n, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_classical_preconditioners_converge_in_order_to_the_same_solution():
    results = {name: solve({"preconditioner": name}) for name in ("none", "jacobi", "ic0", "amg")}  # 10k unknowns
    iterations = {}
    for name, result in results.items():
        assert result.status is Status.CONVERGED, result.message
        assert f"PCG ({name}) reached rtol 1e-10 in {result.steps} iterations" in result.message
        assert "1e-02: " in result.message and "1e-10: " in result.message and "10,000 unknowns" in result.message
        history = [h["loss"] for h in result.history]  # relative residuals every 10 iterations
        assert history[0] < 1 and history[-1] < history[0] and [h["step"] for h in result.history][:2] == [0, 10]
        iterations[name] = result.steps
        assert 1e-4 < result.errors["rel_l2"] < 5e-4  # the P1 discretisation error at h = 1/101, not PCG's
    assert iterations["amg"] < iterations["ic0"] < iterations["jacobi"] < iterations["none"], iterations
    p = points().numpy()
    u = {name: r.u(p) for name, r in results.items()}
    for name in ("none", "jacobi", "ic0"):
        assert np.abs(u[name] - u["amg"]).max() < 1e-8, name
    assert results["amg"].model.values.dtype == torch.float64  # config dtype float64, whatever solve()'s


def test_steps_are_the_iterations_of_linsys_pcg():
    solver = build({"n": 21, "preconditioner": "ic0"})
    outcome = run(solver, progress=False)
    system = solver.discrete.system
    reference = pcg(system.A, system.b, make_preconditioner("ic0", system.A), rtol=1e-10)
    assert outcome.steps == solver.iterations == reference.iterations[0]
    assert np.array_equal(np.array(solver.residuals), reference.residuals(0))
    assert solver.reached == {t: v[0] for t, v in reference.reached.items()}
    full = solver.discrete.expand(reference.x.numpy())
    assert torch.equal(solver.model.values, torch.as_tensor(full))


def test_second_order_convergence_under_refinement():
    errors = [solve({"n": n}).errors["rel_l2"] for n in (16, 32, 64)]
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    assert all(3.3 < r < 4.8 for r in ratios), (errors, ratios)


def test_problem_source_and_pinn():
    problem = pinnkit.get_problem("poisson2d_fem")
    case = diffusion_case(0, 100.0)
    pts = points().requires_grad_(True)
    x, y = pts[:, 0], pts[:, 1]
    grad_u = torch.autograd.grad(case.exact(x, y).sum(), pts, create_graph=True)[0]
    flux = case.kappa(x, y)[:, None] * grad_u
    div = sum(torch.autograd.grad(flux[:, i].sum(), pts, create_graph=True)[0][:, i] for i in range(2))
    assert torch.allclose(-div, case.source(x, y), rtol=0, atol=1e-10)  # f = -div(k grad u*), by autograd
    axis = torch.linspace(0, 1, 201, dtype=torch.float64)
    k_grid = case.kappa(*torch.meshgrid(axis, axis, indexing="ij"))
    assert abs(float(k_grid.max() / k_grid.min()) - 100.0) < 1e-6 and k_grid.min() > 0
    assert problem.residual(problem.reference.fn, pts.detach()).abs().max() < 1e-10
    boundary = problem.domain.sample_boundary(64, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert problem.boundary_conditions[0].value(boundary).abs().max() > 0.05  # non-zero Dirichlet data
    config = dict(width=8, depth=2, n_residual=64, n_boundary=16, adam_steps=2, lbfgs_steps=0)
    result = pinnkit.solve(problem, config=config, progress=False, device="cpu")
    assert result.status.ok and result.steps == 2 and np.isfinite(result.errors["rel_l2"])


def test_save_and_load_give_the_same_solution(tmp_path):
    result = solve({"n": 31, "preconditioner": "jacobi"})
    loaded = load_result(result.save(tmp_path / "result.pt"))
    p = points().numpy()
    assert np.array_equal(loaded.u(p), result.u(p)) and loaded.errors == result.errors
    other = build({"n": 31, "mesh_seed": 1})
    with pytest.raises(ValueError, match="belong to another mesh"):
        other.model.load_state_dict(result.model.state_dict())


def test_resume_from_a_checkpoint_continues_the_recurrence(tmp_path):
    whole = run(build({"n": 21, "preconditioner": "jacobi"}), progress=False)
    first = run(build({"n": 21, "preconditioner": "jacobi"}), steps=7, checkpoint_dir=tmp_path, progress=False)
    assert first.status is Status.COMPLETED and "PCG stopped before rtol" in first.message
    again = build({"n": 21, "preconditioner": "jacobi"})
    resumed = run(again, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert resumed.status is Status.CONVERGED and resumed.steps == whole.steps


def test_refusals_name_the_options(tmp_path):
    with pytest.raises(ValueError, match="problem 'poisson2d' has none. Problems with one: poisson2d_fem"):
        pinnkit.solve("poisson2d", solver="pcg", progress=False)
    with pytest.raises(ValueError, match="preconditioner 'learned' needs checkpoint=PATH"):
        solve({"preconditioner": "learned"})
    with pytest.raises(ValueError, match="unknown preconditioner 'ilu'"):
        solve({"preconditioner": "ilu"})
    with pytest.raises(ValueError, match="cannot be reached in float32"):
        solve({"dtype": "same"})  # solve()'s float32 with rtol 1e-10
    result = solve({"n": 21, "dtype": "float32", "rtol": 1e-6})
    assert result.status is Status.CONVERGED and result.model.values.dtype == torch.float32


def test_learned_factor_from_a_checkpoint(tmp_path):
    factor = pytest.importorskip("pinnkit.learned.factor")
    factor.LearnedFactor("poisson_fem").save(tmp_path / "preconditioner.pt")  # untrained: ~ symmetric Gauss-Seidel
    learned = solve({"n": 21, "preconditioner": "learned", "checkpoint": str(tmp_path)})
    jacobi = solve({"n": 21, "preconditioner": "jacobi"})
    assert learned.status is Status.CONVERGED and learned.steps < jacobi.steps, (learned.steps, jacobi.steps)
    factor.LearnedFactor("poisson_grid").save(tmp_path / "grid.pt")
    with pytest.raises(factor.FamilyMismatch, match="trained for the 'poisson_grid' family"):
        solve({"n": 21, "preconditioner": "learned", "checkpoint": str(tmp_path / "grid.pt")})
