"""The wall-exact stream-function ansatz (pinnkit.nn.StreamFunction) and PINN hard_walls."""
from __future__ import annotations

import pytest
import torch

import pinnkit
from pinnkit.autodiff import derivatives
from pinnkit.nn import StreamFunction, build_network, lid_lift, lid_profile, stream_function_network
from pinnkit.registry import get_problem

F64 = torch.float64


def _net(lows=(0.0, 0.0), highs=(1.0, 1.0), band=0.05, depth=0.2, speed=1.0, activation="tanh", corners="smooth",
         nu=0.01):
    return stream_function_network(lows, highs, width=16, depth=3, activation=activation, lid_speed=speed,
                                   lid_band=band, lid_depth=depth, corners=corners, viscosity=nu,
                                   generator=torch.Generator().manual_seed(3), dtype=F64)


def _walls(lows, highs, n=40):
    t = torch.rand(n, dtype=F64, generator=torch.Generator().manual_seed(1))
    (a, c), (b, d) = lows, highs
    x, y = a + (b - a) * t, c + (d - c) * t
    full = torch.full_like
    return {"x_min": torch.stack([full(t, a), y], 1), "x_max": torch.stack([full(t, b), y], 1),
            "y_min": torch.stack([x, full(t, c)], 1), "y_max": torch.stack([x, full(t, d)], 1)}


@pytest.mark.parametrize("lows,highs,speed", [((0.0, 0.0), (1.0, 1.0), 1.0), ((-0.5, 0.2), (1.5, 1.0), 2.5)])
def test_walls_hold_exactly(lows, highs, speed):
    net = _net(lows, highs, speed=speed)
    for face, points in _walls(lows, highs).items():
        uv = net(points)[:, :2]
        if face == "y_max":
            xi = (points[:, 0] - lows[0]) / (highs[0] - lows[0])
            assert torch.allclose(uv[:, 0], speed * lid_profile(xi, 0.05)[0], atol=1e-13, rtol=0)
            assert uv[:, 1].abs().max() < 1e-13
        else:
            assert uv.abs().max() < 1e-13, face
    # the lid is exactly U outside the corner bands
    x = torch.linspace(lows[0], highs[0], 201, dtype=F64)
    xi = (x - lows[0]) / (highs[0] - lows[0])
    inner = (xi >= 0.05) & (xi <= 0.95)
    lid = net(torch.stack([x, torch.full_like(x, highs[1])], 1))[:, 0]
    assert torch.allclose(lid[inner], torch.full_like(lid[inner], speed), atol=1e-13, rtol=0)


def test_continuity_holds_exactly():
    net = _net()
    points = torch.rand(200, 2, dtype=F64, generator=torch.Generator().manual_seed(2))
    jet = derivatives(net, points, ("x", "y"), ("u", "v", "p"), ["u_x", "v_y"])
    scale = max(1.0, float(jet["u_x"].detach().abs().max()))
    assert (jet["u_x"] + jet["v_y"]).abs().max() < 1e-13 * scale  # round-off of u_x's size
    fast = net.flow_derivatives(points, ["u_x", "v_y"])
    assert (fast["u_x"] + fast["v_y"]).abs().max() < 1e-13 * scale


def test_profiles_derivatives_match_autograd():
    t = torch.linspace(0.001, 0.999, 499, dtype=F64).requires_grad_(True)
    for fn, arg in ((lid_profile, 0.07), (lid_lift, 0.3)):
        values = fn(t, arg, 3)
        for j in range(3):
            grad = torch.autograd.grad(values[j].sum(), t, retain_graph=True)[0]
            scale = values[j + 1].abs().max()
            assert (grad - values[j + 1]).abs().max() <= 1e-10 * scale, (fn.__name__, j)


@pytest.mark.parametrize("lows,highs,speed", [((0.0, 0.0), (1.0, 1.0), 1.0), ((-0.5, 0.2), (1.5, 1.0), 2.5)])
def test_stokes_corners_hold_the_walls_and_the_whole_lid(lows, highs, speed):
    net = _net(lows, highs, band=0.2, speed=speed, corners="stokes")
    for face, points in _walls(lows, highs).items():
        uv = net(points)[:, :2]
        if face == "y_max":  # the lid moves at U all the way into the corners
            assert (uv[:, 0] - speed).abs().max() < 1e-12 * speed and uv[:, 1].abs().max() < 1e-13
        else:
            assert uv.abs().max() < 1e-13, face
    corners = torch.tensor([[lows[0], highs[1]], [highs[0], highs[1]]], dtype=F64)
    assert torch.isfinite(net(corners)).all()


def test_stokes_corner_flow_balances_viscous_stress():
    """Near a lid corner (r << lid_band) the particular part is Taylor's scraper flow with its Stokes
    pressure: grad p = nu lap u to the cut-off's O((r / band)^4)."""
    nu = 0.01
    net = _net(band=0.3, depth=0.3, corners="stokes", nu=nu)
    with torch.no_grad():
        net.network.mlp.layers[-1].weight.zero_()
        net.network.mlp.layers[-1].bias.zero_()
    gen = torch.Generator().manual_seed(5)
    r = 1e-4 + 1e-3 * torch.rand(20, dtype=F64, generator=gen)
    theta = torch.rand(20, dtype=F64, generator=gen) * torch.pi / 2
    for xc, sign in ((0.0, 1.0), (1.0, -1.0)):
        points = torch.stack([xc + sign * r * torch.cos(theta), 1 - r * torch.sin(theta)], 1)
        d = net.flow_derivatives(points, ["p_x", "p_y", "u_xx", "u_yy", "v_xx", "v_yy"])
        for grad_p, lap in ((d["p_x"], d["u_xx"] + d["u_yy"]), (d["p_y"], d["v_xx"] + d["v_yy"])):
            assert (grad_p - nu * lap).abs().max() <= 1e-6 * (nu * lap).abs().max()


KEYS = ["u", "v", "p", "u_x", "u_y", "v_x", "v_y", "p_x", "p_y", "u_xx", "u_yy", "v_xx", "v_yy", "u_xy", "p_xx"]


@pytest.mark.parametrize("activation,corners", [("tanh", "smooth"), ("sin", "smooth"), ("tanh", "stokes")])
def test_derivatives_agree_with_autograd_and_func(activation, corners):
    """The module's own jet, pinnkit.autodiff.derivatives (nested autograd and torch.func) and a
    torch.func reference on psi itself (u_xx = psi_xxy) agree."""
    net = _net(band=0.1, depth=0.5, activation=activation, corners=corners)
    points = torch.rand(30, 2, dtype=F64, generator=torch.Generator().manual_seed(4))
    fast = net.flow_derivatives(points, KEYS)
    auto = derivatives(net, points, ("x", "y"), ("u", "v", "p"), KEYS)  # falls back to nested autograd
    func = derivatives(net, points, ("x", "y"), ("u", "v", "p"), KEYS, method="func")
    for key in KEYS:
        scale = max(1.0, float(auto[key].detach().abs().max()))
        assert torch.allclose(fast[key], auto[key], atol=1e-11 * scale, rtol=0), key
        assert torch.allclose(func[key], auto[key], atol=1e-11 * scale, rtol=0), key

    def psi(point):
        return net.stream_function(point[None])[0]

    third = torch.vmap(torch.func.jacfwd(torch.func.jacfwd(torch.func.jacrev(psi))))(points)  # (N, 2, 2, 2)
    second = torch.vmap(torch.func.jacfwd(torch.func.jacrev(psi)))(points)
    first = torch.vmap(torch.func.jacrev(psi))(points)
    assert torch.allclose(fast["u"], first[:, 1], atol=1e-12)
    assert torch.allclose(fast["v"], -first[:, 0], atol=1e-12)
    assert torch.allclose(fast["u_x"], second[:, 0, 1], atol=1e-11)
    assert torch.allclose(fast["v_x"], -second[:, 0, 0], atol=1e-11)
    for key, (i, j, k), sign in (("u_xx", (0, 0, 1), 1), ("u_yy", (1, 1, 1), 1), ("v_xx", (0, 0, 0), -1),
                                 ("v_yy", (0, 1, 1), -1)):
        ref = sign * third[:, i, j, k]
        assert torch.allclose(fast[key], ref, atol=1e-10 * max(1.0, float(ref.detach().abs().max())), rtol=0), key


def test_refuses_networks_it_cannot_jet():
    problem = get_problem("lid_driven_cavity")
    plain = build_network(problem, width=8, depth=2)  # three outputs, not (psi, p)
    with pytest.raises(ValueError, match="maps 2 -> 3"):
        StreamFunction(plain, (0.0, 0.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="activation"):
        stream_function_network((0.0, 0.0), (1.0, 1.0), width=8, depth=2, activation="gelu")


def test_short_solve_decreases_loss():
    result = pinnkit.solve("lid_driven_cavity", config={"hard_walls": True, "width": 16, "depth": 2,
                                                        "n_residual": 256, "adam_steps": 40, "lbfgs_steps": 5,
                                                        "lid_band": 0.1, "lid_depth": 0.5},
                           progress=False, threads=1)
    losses = [h["loss"] for h in result.history if "loss" in h]
    assert losses[-1] < losses[0]
    assert all("loss_boundary" not in h for h in result.history)  # the walls left the loss


@pytest.mark.parametrize("name,reason", [("kovasznay", "flow through the walls"),
                                         ("taylor_green", "steady 2-D incompressible flow"),
                                         ("poisson2d", "steady 2-D incompressible flow")])
def test_refuses_problems_it_cannot_take(name, reason):
    with pytest.raises(ValueError, match=reason):
        pinnkit.solve(name, config={"hard_walls": True, "adam_steps": 1}, progress=False, threads=1)


def test_config_checks_the_lid():
    with pytest.raises(ValueError, match="lid_band"):
        pinnkit.solve("lid_driven_cavity", config={"hard_walls": True, "lid_band": 0.6}, progress=False)
