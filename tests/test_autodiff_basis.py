"""Derivative matrices of all outputs at once: the forward jet equals nested autograd."""
from __future__ import annotations

import pytest
import torch

from pinnkit.autodiff.basis import output_derivatives
from pinnkit.nn import MLP, InputEncoding, Network


@pytest.mark.parametrize("periodic", [(), ("x",)])
def test_forward_jet_matrices_equal_nested_autograd(periodic):
    g = torch.Generator().manual_seed(0)
    enc = InputEncoding(("x", "t"), (0.0, 0.0), (2.0, 1.0), periodic, 2, 0, 0, 1.0, g, torch.float64)
    net = Network(enc, MLP(enc.out_features, 7, 16, 2, "tanh", g, torch.float64), tuple(f"b{i}" for i in range(7)))
    pts = torch.rand(50, 2, generator=g, dtype=torch.float64) * torch.tensor([2.0, 1.0], dtype=torch.float64)
    suffixes = ("", "x", "t", "xx", "xt")
    fast = output_derivatives(net, pts, ("x", "t"), suffixes, 7, method="forward")
    slow = output_derivatives(net, pts, ("x", "t"), suffixes, 7, method="autograd")
    for s in suffixes:
        assert fast[s].shape == (50, 7)
        assert torch.allclose(fast[s], slow[s], rtol=1e-12, atol=1e-12), s
    assert fast["xx"].abs().max() > 1e-3  # a nonzero second derivative was compared


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be"):
        output_derivatives(torch.nn.Linear(2, 3), torch.zeros(4, 2), ("x", "t"), ("",), 3, method="magic")
