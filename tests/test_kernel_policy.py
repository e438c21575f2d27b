"""method="auto" picks the fast kernels, or the generic ones under PINNKIT_KERNELS=generic."""
import pytest
import torch

from pinnkit import autodiff, get_problem
from pinnkit.autodiff import jacobian as jacobian_module
from pinnkit.nn import build_network


@pytest.fixture
def heat_net():
    problem = get_problem("heat1d")
    net = build_network(problem, width=8, depth=2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    points = problem.domain.sample_interior(16, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    return problem, net, points


def _refuse(*args, **kwargs):
    raise AssertionError("the forward path ran")


@pytest.mark.parametrize("policy, forward_runs", [("fast", True), ("generic", False)])
def test_auto_follows_the_kernel_policy(heat_net, monkeypatch, policy, forward_runs):
    problem, net, points = heat_net
    monkeypatch.setenv("PINNKIT_KERNELS", policy)
    keys = ["u", "u_t", "u_xx"]
    reference = autodiff.derivatives(net, points, problem.coords, problem.fields, keys, method="autograd")
    jet = autodiff.derivatives(net, points, problem.coords, problem.fields, keys)
    assert max(float((jet[k] - reference[k]).abs().max()) for k in keys) < 1e-12
    monkeypatch.setattr(autodiff, "batch_jet_forward", _refuse)
    monkeypatch.setattr(jacobian_module, "fast_parameter_jacobian", _refuse)
    if forward_runs:
        with pytest.raises(AssertionError, match="the forward path ran"):
            autodiff.derivatives(net, points, problem.coords, problem.fields, keys)
        with pytest.raises(AssertionError, match="the forward path ran"):
            autodiff.parameter_jacobian(net, points, problem.coords, problem.fields)
    else:
        again = autodiff.derivatives(net, points, problem.coords, problem.fields, keys)
        assert float((again["u_xx"] - reference["u_xx"]).abs().max()) == 0.0  # nested autograd, bit for bit
        jac = autodiff.parameter_jacobian(net, points, problem.coords, problem.fields)
        func = autodiff.parameter_jacobian(net, points, problem.coords, problem.fields, method="func")
        assert float((jac - func).abs().max()) == 0.0


def test_unknown_kernel_policy_is_refused(heat_net, monkeypatch):
    problem, net, points = heat_net
    monkeypatch.setenv("PINNKIT_KERNELS", "fastest")
    with pytest.raises(ValueError, match="PINNKIT_KERNELS='fastest' is not one of fast, generic"):
        autodiff.derivatives(net, points, problem.coords, problem.fields, ["u_x"])
