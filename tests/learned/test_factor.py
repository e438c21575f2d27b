"""The learned factor preconditioner: L's pattern and diagonal, SPD by construction, permutation
equivariance of the graph network, a short training run, files and the CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from pinnkit.cli import main
from pinnkit.learned.factor import (FamilyMismatch, LearnedFactor, apply_factor_product, factor_values, load_factor,
                                    system_graph)
from pinnkit.learned.factor_train import make_training_set, train_factor
from pinnkit.linsys import FAMILIES, LinearSystem, make_preconditioner, make_system, pcg


def random_factor(family: str, seed: int = 0, spread: float = 0.1) -> LearnedFactor:
    """An untrained factor with random weights whose edge outputs have mean 0 and standard deviation
    ``spread`` on a reference system (the scaled entries a~_ij are about -0.25 on the FEM families)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        learned = LearnedFactor(family)
    last = learned.network.decoder[-1]
    with torch.no_grad():
        outputs = learned.network(system_graph(make_system(family, 100, seed=99)))  # linear in the last weights
        last.weight.mul_(spread / outputs.std())
        last.bias.sub_(outputs.mean() * spread / outputs.std())
    return learned


def gauss_seidel_factor(family: str) -> LearnedFactor:
    """The factor with v = 0 everywhere: (D + E) D^-1/2, symmetric Gauss-Seidel's."""
    learned = LearnedFactor(family)
    with torch.no_grad():
        learned.network.decoder[-1].weight.zero_()
    return learned


@pytest.mark.parametrize("family", list(FAMILIES))
def test_L_has_the_lower_pattern_of_A_and_the_fixed_diagonal(family):
    system = make_system(family, 150, seed=3)
    learned = random_factor(family)
    L = learned.factor(system)
    lower = sp.csr_matrix(sp.tril(system.A))
    lower.sort_indices()
    assert sp.triu(L, k=1).nnz == 0
    np.testing.assert_array_equal(L.indptr, lower.indptr)
    np.testing.assert_array_equal(L.indices, lower.indices)
    np.testing.assert_allclose(L.diagonal(), np.sqrt(system.A.diagonal()), rtol=0, atol=0)
    off = L - sp.diags(L.diagonal())
    assert np.all(np.isfinite(L.data)) and abs(off).max() > 0.05 * np.sqrt(system.A.diagonal()).min()


@pytest.mark.parametrize("family", ["poisson_fem", "heat_implicit"])
def test_L_LT_is_SPD_for_random_weights(family):
    """Random weights with edge outputs of spread 0.01 to 0.3 (up to the scaled entries themselves;
    measured lambda_min / lambda_max >= 1e-4).  Mathematically any weights give an SPD P (L is
    triangular with a positive diagonal); with outputs far larger L can be numerically singular
    (growth in the triangular solve), which no dense check could tell from indefinite."""
    system = make_system(family, 150, seed=1)
    for seed in range(3):
        for spread in (0.01, 0.1, 0.3):
            learned = random_factor(family, seed, spread)
            L = learned.factor(system).toarray()
            P = L @ L.T
            np.testing.assert_allclose(P, P.T, rtol=0, atol=1e-13 * np.abs(P).max())
            eigenvalues = np.linalg.eigvalsh(P)
            assert eigenvalues.min() > 1e-6 * eigenvalues.max(), (seed, spread, eigenvalues.min(), eigenvalues.max())
        result = pcg(system.A, system.b, learned.preconditioner(system), rtol=1e-8)
        assert result.converged[0] and not result.breakdown[0]


def test_product_matches_scipy():
    system = make_system("poisson_fem", 150, seed=2)
    learned = random_factor("poisson_fem")
    graph = system_graph(system)
    with torch.no_grad():
        values = factor_values(graph, learned.network(graph))
    L = graph.pattern.matrix(values.numpy())
    x = np.random.default_rng(0).standard_normal((system.n, 3))
    np.testing.assert_allclose(apply_factor_product(graph, values, torch.from_numpy(x)).numpy(), L @ (L.T @ x),
                               rtol=1e-12, atol=1e-12)


def test_in_place_forward_equals_the_autograd_forward():
    system = make_system("heat_implicit", 400, seed=0)
    learned = random_factor("heat_implicit")
    graph = system_graph(system)
    with torch.no_grad():
        fast = learned.network(graph)
    slow = learned.network(graph).detach()
    assert (fast - slow).abs().max() < 1e-5 * slow.abs().max()


def _permuted(system: LinearSystem, order: np.ndarray) -> LinearSystem:
    """The same system with unknown order[k] renamed k."""
    A = sp.csr_matrix(system.A[order][:, order])
    A.sort_indices()
    return LinearSystem(A, system.b[order], system.positions[order], system.boundary[order], system.family,
                        system.n_target, system.seed, system.params)


def test_the_graph_network_is_permutation_equivariant():
    system = make_system("poisson_fem", 300, seed=4)
    order = np.random.default_rng(0).permutation(system.n)
    other = _permuted(system, order)
    learned = random_factor("poisson_fem", spread=0.2)
    graph, graph_p = system_graph(system), system_graph(other)
    with torch.no_grad():
        out, out_p = learned.network(graph).double().numpy(), learned.network(graph_p).double().numpy()
    new = np.argsort(order)  # new[i]: the new name of unknown i
    key = lambda r, c, n: r.astype(np.int64) * n + c  # noqa: E731
    keys_p = key(graph_p.receivers.numpy(), graph_p.senders.numpy(), system.n)
    wanted = key(new[graph.receivers.numpy()], new[graph.senders.numpy()], system.n)
    at = np.searchsorted(keys_p, wanted)
    np.testing.assert_array_equal(keys_p[at], wanted)  # every edge (i, j) is (new i, new j) in the relabelled graph
    difference = np.abs(out_p[at] - out).max()
    spread = out.std()
    # measured: difference 5e-7 (float32 round-off, sums in another order), spread 0.2
    assert difference < 1e-5 and spread > 1e-2, (difference, spread)
    # the feature that breaks equivariance is caught: positions not permuted with the unknowns
    broken = LinearSystem(other.A, other.b, system.positions, other.boundary, other.family, other.n_target,
                          other.seed, other.params)
    with torch.no_grad():
        out_b = learned.network(system_graph(broken)).double().numpy()
    assert np.abs(out_b[at] - out).max() > 1e-2  # measured 0.13


def test_short_training_lowers_the_loss_and_pcg_iterations():
    """Seconds of training on 8 systems of 400 unknowns; PCG to 1e-8 on an unseen member (seed 0).

    Measured (one core, ~4 s): mean loss of the first / last 10 steps 0.40 -> 0.23; iterations to
    1e-8 on the held-out system: Jacobi 78, symmetric Gauss-Seidel (the factor the network starts
    near) 29, trained 22, IC(0) 22.
    """
    data = make_training_set("poisson_fem", 400, systems=8, random_rhs=4, seed=0)
    learned, history = train_factor("poisson_fem", n=400, steps=120, batch=4, lr=1e-2, data=data, progress=False)
    losses = [h["loss"] for h in history]
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10]), (losses[:10], losses[-10:])
    held_out = make_system("poisson_fem", 400, seed=0)
    iterations = {name: pcg(held_out.A, held_out.b, P, rtol=1e-8).reached[1e-8][0] for name, P in (
        ("jacobi", make_preconditioner("jacobi", held_out.A)), ("ic0", make_preconditioner("ic0", held_out.A)),
        ("sgs", gauss_seidel_factor("poisson_fem").preconditioner(held_out)), ("learned", learned.preconditioner(held_out)))}
    assert iterations["learned"] < 0.85 * iterations["sgs"] and iterations["sgs"] < iterations["jacobi"], iterations
    assert iterations["learned"] <= iterations["ic0"] + 2, iterations  # on a par with IC(0) after seconds


def test_save_load_and_wrong_family_refused(tmp_path):
    learned = random_factor("poisson_fem")
    learned.sizes = dict(n=150, systems=2)
    path = learned.save(tmp_path / "p.pt")
    back = load_factor(path)
    assert back.family == "poisson_fem" and back.sizes == learned.sizes and back.features == learned.features
    system = make_system("poisson_fem", 150, seed=0)
    assert (back.factor(system) - learned.factor(system)).nnz == 0
    assert LearnedFactor.load(path, family="poisson_fem").family == "poisson_fem"
    with pytest.raises(FamilyMismatch, match="trained for the 'poisson_fem' family, not for 'heat_implicit'"):
        load_factor(path, family="heat_implicit")
    with pytest.raises(FamilyMismatch, match="'poisson_fem' family and cannot be applied to a 'heat_implicit'"):
        back.preconditioner(make_system("heat_implicit", 150, seed=0))
    with pytest.raises(FileNotFoundError, match="no learned-preconditioner file"):
        load_factor(tmp_path / "missing.pt")
    (tmp_path / "bad.pt").write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable learned-preconditioner file"):
        load_factor(tmp_path / "bad.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a learned-preconditioner file"):
        load_factor(tmp_path / "other.pt")


def test_cli_trains_and_writes_both_files(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train-preconditioner", "heat_implicit", "--out", str(out), "--n", "100", "--systems", "2",
            "--steps", "3", "--batch", "2", "--random-rhs", "2", "-q"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["family"] == "heat_implicit" and summary["steps"] == 3 and summary["sizes"]["systems"] == 2
    assert {r["preconditioner"] for r in summary["evaluation"]} == {"jacobi", "ic0", "learned"}
    assert load_factor(out / "preconditioner.pt", family="heat_implicit").sizes["n"] == 100
    assert "heat_implicit: 3 steps" in capsys.readouterr().out
    assert main(argv) == 2  # refuses to overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert main(["train-preconditioner", "poisson_femm", "--out", str(tmp_path / "x"), "-q"]) == 2
    assert "Did you mean 'poisson_fem'" in capsys.readouterr().err
