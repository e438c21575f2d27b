"""Loss landscapes: directions, batched profiles, the roughness index, losses, callback and CLI."""
import json
import math

import numpy as np
import pytest
import torch
from torch import nn

import pinnkit
from pinnkit.cli import main
from pinnkit.driver import run
from pinnkit.landscape import (GalerkinLoss, Loss, LossMinimizer, LossMinimizerConfig, ResNet, RitzLoss,
                               RoughnessCallback, dirichlet_factor, make_loss, normalized_tv, perturbed_losses,
                               random_directions, roughness, roughness_index)
from pinnkit.nn import build_network


class Toy(nn.Module):
    """A "network" whose every output row is ``f(W)``: its loss is a plain function of its parameters."""

    def __init__(self, f, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.weight = nn.Parameter(torch.randn(4, 6, generator=g, dtype=torch.float64))
        self.centre = self.weight.detach().clone()
        self.f = f

    def forward(self, x):
        return self.f(self.weight, self.centre) * x.new_ones(x.shape[0], 1)


class ParamLoss(Loss):
    """Mean of the toy network's output at one dummy point per parameter vector."""

    points_per_call = 1

    def __call__(self, u, batch=1, method="auto"):
        return u(torch.zeros(batch, 1, dtype=torch.float64)).reshape(batch)


def bowl(w, c):
    return ((w - c) ** 2).sum()


def oscillation(w, c):
    return torch.cos(3000.0 * w).sum()


def test_quadratic_bowl_has_roughness_zero_and_oscillation_does_not():
    smooth = roughness(Toy(bowl), ParamLoss(), directions=50, span=0.01, points=11)
    rough = roughness(Toy(oscillation), ParamLoss(), directions=50, span=0.01, points=11)
    # a bowl centred at theta*: every profile is c_j alpha^2, TV = 2 f(l) / (2 l f(l)) = 1 / l exactly
    assert smooth.tv_mean == pytest.approx(100.0, rel=1e-10)
    assert smooth.ri < 1e-8
    assert rough.ri > 0.1
    assert rough.ri > 1e6 * smooth.ri


def test_normalized_tv_and_index_by_hand():
    tv = normalized_tv([[0.0, 1.0, 0.0], [0.0, 1.0, 2.0], [3.0, 3.0, 3.0]], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(tv, [1.0, 0.5, 0.0])
    ri, mean, std = roughness_index([1.0, 3.0])
    assert (mean, std, ri) == pytest.approx((2.0, math.sqrt(2.0), math.sqrt(2.0) / 2))
    with pytest.raises(ValueError, match="at least 2 directions, got 1"):
        roughness_index([1.0])


def test_directions_are_filter_normalised_and_biases_follow_the_option():
    net = build_network(pinnkit.get_problem("poisson2d"), width=8, depth=2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in net.parameters():
            if p.ndim == 1:
                p.add_(0.3)
    theta = dict(net.named_parameters())
    (d,) = random_directions(net, 1, seed=3)
    (f,) = random_directions(net, 1, seed=3, biases="filter")
    for name, p in theta.items():
        if p.ndim == 2:
            torch.testing.assert_close(d[name].norm(dim=1), p.detach().norm(dim=1), rtol=1e-5, atol=0)
        else:
            assert torch.count_nonzero(d[name]) == 0
            torch.testing.assert_close(f[name].norm(), p.detach().norm(), rtol=1e-5, atol=0)
    with pytest.raises(ValueError, match="unknown bias mode 'none'.*Valid: zero, filter"):
        random_directions(net, 1, biases="none")


def _small_problem_and_net(dtype=torch.float64):
    problem = pinnkit.get_problem("poisson2d")
    net = build_network(problem, width=8, depth=2, generator=torch.Generator().manual_seed(1), dtype=dtype)
    return problem, net, GalerkinLoss(problem, n_interior=64, n_boundary=32, seed=2)


@pytest.mark.parametrize("kind", ["network", "resnet-hard-ritz"])
def test_batched_vmap_and_loop_agree_and_parameters_are_restored_bit_for_bit(kind):
    problem, net, loss = _small_problem_and_net()
    if kind != "network":  # a model outside the forward kernels: the tiled nested-autograd path
        net = ResNet(2, 1, width=6, blocks=1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        loss = RitzLoss(problem, n_interior=64, hard=True, seed=2)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    dirs = random_directions(net, 3, seed=0)
    coef = np.random.default_rng(0).uniform(-0.05, 0.05, size=(7, 3))
    values = {m: perturbed_losses(net, loss, dirs, coef, method=m, chunk=3) for m in ("batched", "vmap", "loop")}
    np.testing.assert_allclose(values["batched"], values["loop"], rtol=1e-11)
    np.testing.assert_allclose(values["vmap"], values["loop"], rtol=1e-11)
    assert values["loop"].std() > 0  # the perturbations do change the loss
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


@pytest.mark.parametrize("method, chunk", [("loop", None), ("batched", 1)])
def test_parameters_are_restored_when_the_loss_fails(method, chunk):
    _, net, loss = _small_problem_and_net(torch.float32)
    loss = loss.to(dtype=torch.float32)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    calls = []

    class Failing(Loss):
        def __call__(self, u, batch=1, method="auto"):
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("boom")
            return loss(u, batch, method)

    with pytest.raises(RuntimeError, match="boom"):
        perturbed_losses(net, Failing(), random_directions(net, 1), [[0.5], [0.7], [0.9]], method=method, chunk=chunk)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_same_seed_same_roughness_index_other_seed_differs():
    _, net, loss = _small_problem_and_net()
    # span 0.3: wide enough that the untrained network's profiles bend (at 0.01 they are monotone, RI ~ 0)
    a = roughness(net, loss, directions=6, seed=5, span=0.3)
    b = roughness(net, loss, directions=6, seed=5, span=0.3)
    c = roughness(net, loss, directions=6, seed=6, span=0.3)
    assert a.ri == b.ri and np.array_equal(a.tv, b.tv)
    assert a.ri > 0.05 and abs(c.ri - a.ri) > 0.05
    with pytest.raises(ValueError, match="unknown evaluation method 'fast'.*Valid: batched, vmap, loop"):
        roughness(net, loss, directions=2, method="fast")


class Exact(nn.Module):
    def forward(self, x):
        return torch.sin(math.pi * x)


def test_losses_at_the_exact_solution():
    problem = pinnkit.get_problem("poisson1d")
    galerkin = GalerkinLoss(problem, n_interior=256, n_boundary=2)
    ritz = RitzLoss(problem, n_interior=1024, n_boundary=2)
    x = torch.tensor([[0.0], [0.5], [1.0]], dtype=torch.float64)
    assert galerkin(Exact().double())[0].item() < 1e-20
    # E(u*) = -1/2 int f u* = -pi^2 / 4 (quasi-Monte Carlo quadrature with 1024 Sobol points)
    assert ritz(Exact().double())[0].item() == pytest.approx(-math.pi**2 / 4, abs=5e-3)
    assert dirichlet_factor(problem)(x)[:, 0].tolist() == [0.0, 0.25, 0.0]


@pytest.mark.parametrize("call, message", [
    (lambda: make_loss(pinnkit.get_problem("heat1d"), "ritz"), "Deep Ritz energy needs a steady Poisson problem"),
    (lambda: make_loss(pinnkit.get_problem("heat1d"), "galerkin", hard=True), "no Dirichlet boundary for a hard"),
    (lambda: make_loss(pinnkit.get_problem("poisson1d"), "energy"), "unknown loss 'energy'.*Valid: galerkin, ritz"),
    (lambda: make_loss(pinnkit.get_problem("kovasznay"), "galerkin", hard=True), "needs u = 0 on every face"),
])
def test_loss_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_callback_records_the_roughness_of_the_current_parameters():
    problem = pinnkit.get_problem("poisson1d")
    loss = make_loss(problem, "ritz", hard=True, n_interior=64)
    net = ResNet(1, 1, width=6, blocks=1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    callback = RoughnessCallback(loss, every=2, directions=5)
    outcome = run(LossMinimizer(problem, loss, net, LossMinimizerConfig(steps=4, lr=1e-2)), progress=False,
                  callbacks=[callback])
    assert outcome.steps == 4
    assert [row["step"] for row in callback.curve] == [1, 2, 4]
    assert callback.curve[-1]["ri"] == roughness(net, loss, directions=5).ri
    assert callback.curve[-1]["loss"] == pytest.approx(loss(net)[0].item(), rel=1e-12)


def test_cli_writes_roughness_json_and_figures(tmp_path):
    out = tmp_path / "land"
    code = main(["landscape", "poisson1d", "--loss", "ritz", "--hard", "--steps", "4", "--every", "2",
                 "--directions", "4", "--surface-points", "5", "--loss-points", "32", "--set", "width=6",
                 "--set", "depth=1", "--out", str(out), "-q"])
    assert code == 0
    data = json.loads((out / "roughness.json").read_text())
    ri, mean, std = roughness_index(data["tv"])
    assert (data["ri"], data["tv_mean"], data["tv_std"]) == pytest.approx((ri, mean, std))
    assert (data["directions"], data["span"], data["points"]) == (4, 0.01, 11)
    assert [row["step"] for row in data["curve"]] == [0, 1, 2, 4]
    assert sorted(p.name for p in out.iterdir()) == ["profiles.png", "ri_curve.png", "roughness.json", "surface.png"]


def test_profile_histogram_of_round_off_equal_tvs(tmp_path):
    from pinnkit.landscape.plot import histogram_range, plot_profiles
    from pinnkit.landscape.profiles import Profiles
    from pinnkit.landscape.roughness import Roughness

    tv = np.array([50.0, 50.0 + 7e-15, 50.0, 50.0 - 7e-15])  # all four profiles monotone (TV = 1 / width)
    lo, hi = histogram_range(tv)
    assert (lo, hi) == pytest.approx((50.0 - 5e-8, 50.0 + 5e-8), rel=0, abs=1e-12)
    assert histogram_range([1.0, 2.0]) == (1.0, 2.0) and histogram_range([0.0, 0.0]) == (-1e-9, 1e-9)
    assert np.histogram(tv, bins=5, range=(lo, hi))[0].sum() == 4
    alphas = np.linspace(-0.01, 0.01, 11)
    r = Roughness(0.0, 50.0, 4e-15, tv, Profiles(alphas, np.stack([alphas * k for k in (1, 2, 3, 4)])),
                  0.01, 11, 0, "zero")
    path = plot_profiles(r, tmp_path / "profiles.png")
    assert path.stat().st_size > 1000


def test_cli_errors(tmp_path, capsys):
    assert main(["landscape", "--result", str(tmp_path / "r.pt"), "--steps", "3", "--out", str(tmp_path / "o")]) == 2
    assert "--steps configure training and cannot be used with --result" in capsys.readouterr().err
    assert main(["landscape", "--out", str(tmp_path / "o")]) == 2
    assert "give a PROBLEM to train, or --result FILE" in capsys.readouterr().err
