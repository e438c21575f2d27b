"""pinnkit.linsys: the system families, the batched PCG and the classical preconditioners."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.sparse.linalg import LinearOperator, cg, spsolve
from skfem import Functional

import pinnkit.reference.cavity_pressure as reference
from pinnkit.linsys import (FAMILIES, PRECONDITIONERS, THRESHOLDS, FactorSolve, IC0Breakdown, factor, ic0,
                            ic0_factor, jacobi, lower_pattern, make_preconditioner, make_system, pcg, to_scipy_csr,
                            to_torch_csr)
from pinnkit.linsys.cavity import cavity_operators
from pinnkit.linsys.fem import assemble, eliminate_dirichlet, square_mesh
from pinnkit.linsys.grid import face_matrix
from pinnkit.reference.cavity import solve_lid_driven_cavity


def laplacian_2d(m: int) -> sp.csr_matrix:
    """The 5-point Dirichlet Laplacian on an m x m grid (an M-matrix)."""
    t = sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])
    return sp.csr_matrix(sp.kron(sp.eye(m), t) + sp.kron(t, sp.eye(m)))


def random_spd(n: int, density: float, seed: int) -> sp.csr_matrix:
    """Random symmetric pattern, entries of both signs, made strictly diagonally dominant (SPD, not an M-matrix)."""
    rng = np.random.default_rng(seed)
    s = sp.random(n, n, density, random_state=rng, data_rvs=lambda k: rng.uniform(-1, 1, k))
    s = sp.triu(s, 1)
    s = s + s.T
    return sp.csr_matrix(s + sp.diags(np.asarray(abs(s).sum(1)).ravel() + 0.5))


def dense_ic0(a: np.ndarray) -> np.ndarray:
    """IC(0) written plainly: right-looking Cholesky that only updates entries in A's pattern."""
    a = a.copy()
    n = a.shape[0]
    pattern = a != 0
    lower = np.zeros_like(a)
    for k in range(n):
        lower[k, k] = np.sqrt(a[k, k])
        for i in range(k + 1, n):
            if pattern[i, k]:
                lower[i, k] = a[i, k] / lower[k, k]
        for j in range(k + 1, n):
            for i in range(j, n):
                if pattern[i, j]:
                    a[i, j] -= lower[i, k] * lower[j, k]
    return lower


# ---------------------------------------------------------------- PCG


def scipy_iterates(A, b, steps, M=None):
    seen = []
    cg(A, b, rtol=1e-30, atol=0.0, maxiter=max(steps), M=M, callback=lambda xk: seen.append(xk.copy()))
    return {k: seen[k - 1] for k in steps}


@pytest.mark.parametrize("preconditioned", [False, True])
def test_pcg_iterates_match_scipy_cg(preconditioned):
    system = make_system("poisson_fem", 300, seed=3)
    A, b = system.A, system.b
    # CG iterates amplify round-off: two float64 codes (ours, scipy's, plain numpy) agree to 1e-16
    # at k = 10, 1e-11 at k = 20 and only 1e-4 at k = 30 on this matrix, each about as far from a
    # long-double run as the others; so the iterates are compared early, the solution at the end
    steps = (1, 3, 8, 15)
    M = P = None
    if preconditioned:
        inverse = 1.0 / A.diagonal()
        M = LinearOperator(A.shape, matvec=lambda r: inverse * r.ravel(), dtype=float)
        P = jacobi(A)
    expected = scipy_iterates(A, b, steps, M)
    for k in steps:
        ours = pcg(A, b, P, rtol=1e-30, max_iter=k).x.numpy()
        assert np.linalg.norm(ours - expected[k]) <= 1e-10 * np.linalg.norm(expected[k]), k
    final, _ = cg(A, b, rtol=1e-12, atol=0.0, maxiter=2000, M=M)
    ours = pcg(A, b, P, rtol=1e-12, max_iter=2000).x.numpy()
    assert np.linalg.norm(ours - final) <= 1e-10 * np.linalg.norm(final)


def test_batched_pcg_equals_column_by_column():
    system = make_system("poisson_fem", 500, seed=1, n_rhs=3)
    b = np.concatenate([system.b, np.zeros((system.n, 1))], axis=1)  # a zero column: done at iteration 0
    b[:, 1] *= 1e3  # scale does not change the relative iteration counts
    for P in (None, ic0(system.A)):
        batched = pcg(system.A, b, P, rtol=1e-9)
        assert batched.iterations[3] == 0 and batched.converged[3] and not batched.x[:, 3].abs().max()
        for c in range(3):
            single = pcg(system.A, b[:, c], P, rtol=1e-9)
            assert single.iterations[0] == batched.iterations[c]
            np.testing.assert_allclose(batched.residuals(c), single.residuals(0), rtol=1e-9)
            scale = single.x.abs().max()
            assert (batched.x[:, c] - single.x).abs().max() <= 1e-12 * scale


def test_pcg_log_of_thresholds_and_true_residual():
    system = make_system("poisson_grid", 400, seed=0)
    result = pcg(system.A, system.b, rtol=1e-10)
    its = result.iterations[0]
    history = result.residuals(0)
    assert result.converged == [True] and history[-1] <= 1e-10 < history[-2]
    for threshold in THRESHOLDS:
        k = result.reached[threshold][0]
        assert history[k] <= threshold and (k == 0 or np.all(history[:k] > threshold))
    assert result.reached[1e-2][0] < result.reached[1e-6][0] < result.reached[1e-10][0] == its
    assert result.true_residual[0] < 1e-9
    x = spsolve(system.A.tocsc(), system.b)
    np.testing.assert_allclose(result.x.numpy(), x, rtol=0, atol=1e-8 * np.abs(x).max())
    short = pcg(system.A, system.b, rtol=1e-10, max_iter=10)
    assert short.iterations == [10] and short.converged == [False] and short.reached[1e-10] == [None]


def test_pcg_float32_and_torch_input():
    system = make_system("heat_implicit", 400, seed=2)
    A = to_torch_csr(system.A, torch.float32)
    b = torch.as_tensor(system.b, dtype=torch.float32)
    result = pcg(A, b, jacobi(system.A), rtol=1e-5)
    assert result.x.dtype == torch.float32 and result.converged == [True]
    x = spsolve(system.A.tocsc(), system.b)
    assert np.linalg.norm(result.x.double().numpy() - x) < 1e-4 * np.linalg.norm(x)
    assert result.true_residual[0] < 1e-4


def test_pcg_rejects_bad_input_and_flags_indefinite_matrices():
    A = laplacian_2d(4)
    with pytest.raises(ValueError, match="rtol"):
        pcg(A, np.ones(16), rtol=0.0)
    with pytest.raises(ValueError, match=r"b \(n,\)"):
        pcg(A, np.ones(15))
    indefinite = sp.csr_matrix(sp.diags(np.r_[np.ones(8), -np.ones(8)]))
    result = pcg(indefinite, np.r_[np.ones(8), 2 * np.ones(8)])
    assert result.breakdown == [True] and result.converged == [False]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pcg_on_cuda_matches_cpu(dtype):
    system = make_system("poisson_fem", 1000, seed=0, n_rhs=2)
    tol = 1e-5 if dtype == torch.float32 else 1e-8
    for name in ("none", "jacobi", "ic0", "amg"):
        P = make_preconditioner(name, system.A)
        cpu = pcg(system.A, torch.as_tensor(system.b, dtype=dtype), P, rtol=tol)
        gpu = pcg(system.A, torch.as_tensor(system.b, dtype=dtype, device="cuda"), P, rtol=tol)
        assert gpu.x.device.type == "cuda" and gpu.converged == [True, True]
        assert all(abs(g - c) <= max(2, 0.1 * c) for g, c in zip(gpu.iterations, cpu.iterations)), name
        assert (gpu.x.cpu() - cpu.x).abs().max() <= 10 * tol * cpu.x.abs().max()


# ---------------------------------------------------------------- IC(0) and the factor helper


@pytest.mark.parametrize("name", ["laplacian 6x6", "random spd"])
def test_ic0_matches_dense_reference(name):
    A = laplacian_2d(6) if name == "laplacian 6x6" else random_spd(40, 0.08, seed=5)
    L = ic0_factor(A)
    expected = dense_ic0(A.toarray())
    assert sp.triu(L, 1).nnz == 0
    assert np.array_equal((L.toarray() != 0) | (expected != 0), np.tril(A.toarray()) != 0)  # no fill
    np.testing.assert_allclose(L.toarray(), expected, rtol=0, atol=1e-13)
    product = (L @ L.T).toarray()
    on_pattern = A.toarray() != 0
    np.testing.assert_allclose(product[on_pattern], A.toarray()[on_pattern], atol=1e-12)  # exact on the pattern
    assert np.abs(product - A.toarray()).max() > 1e-3  # and not elsewhere (fill was dropped)


def test_ic0_is_the_cholesky_factor_of_a_tridiagonal_matrix():
    rng = np.random.default_rng(0)
    off = rng.uniform(-1, 1, 29)
    A = sp.csr_matrix(sp.diags([off, 2.5 + rng.uniform(0, 1, 30), off], [-1, 0, 1]))
    np.testing.assert_allclose(ic0_factor(A).toarray(), np.linalg.cholesky(A.toarray()), atol=1e-13)


def test_ic0_breakdown_is_detected_and_shifted():
    kershaw = sp.csr_matrix(np.array([[3, -2, 0, 2], [-2, 3, -2, 0], [0, -2, 3, -2], [2, 0, -2, 3.0]]))
    assert np.linalg.eigvalsh(kershaw.toarray()).min() > 0  # SPD (Kershaw, J. Comput. Phys. 26, 1978)
    with pytest.raises(IC0Breakdown, match="row 3"):
        ic0_factor(kershaw)
    with pytest.raises(IC0Breakdown):
        ic0(kershaw, shift=0.0)
    P = ic0(kershaw)
    assert P.info["shift"] > 0
    result = pcg(kershaw, np.arange(1.0, 5.0), P, rtol=1e-12)
    assert result.converged == [True] and result.true_residual[0] < 1e-10


def test_factor_helper_applies_inverse_of_l_lt_with_both_backends():
    A = random_spd(60, 0.1, seed=2)
    L = ic0_factor(A)
    r = torch.as_tensor(np.random.default_rng(1).standard_normal((60, 3)))
    expected = np.linalg.solve((L @ L.T).toarray(), r.numpy())
    for backend in ("scipy", "torch"):
        z = factor(L, backend=backend)(r)
        np.testing.assert_allclose(z.numpy(), expected, atol=1e-10)
        np.testing.assert_allclose(FactorSolve(to_torch_csr(L), backend)(r[:, 0]).numpy(), expected[:, 0], atol=1e-10)
    with pytest.raises(ValueError, match="lower triangular"):
        FactorSolve(L.T)
    with pytest.raises(ValueError, match="Did you mean 'scipy'"):
        FactorSolve(L, backend="scpy")


def test_lower_pattern_maps_a_to_its_lower_triangle():
    A = make_system("poisson_fem", 200, seed=0).A
    pattern = lower_pattern(A)
    lower = sp.tril(A).tocsr()
    assert np.array_equal(pattern.indptr, lower.indptr) and np.array_equal(pattern.indices, lower.indices)
    np.testing.assert_array_equal(A.data[pattern.source], lower.data)
    np.testing.assert_array_equal(A.data[pattern.mirror], lower.data)  # symmetric A: the partner has the same value
    assert np.array_equal(pattern.indices[pattern.diagonal], np.arange(A.shape[0]))
    np.testing.assert_array_equal(pattern.matrix(lower.data).toarray(), lower.toarray())
    assert np.array_equal(to_scipy_csr(to_torch_csr(A)).toarray(), A.toarray())


def test_preconditioner_registry_errors_name_the_valid_ones():
    assert set(PRECONDITIONERS) == {"none", "jacobi", "ic0", "amg"}
    with pytest.raises(ValueError, match="Did you mean 'ic0'.*Valid: none, jacobi, ic0, amg"):
        make_preconditioner("ic1", laplacian_2d(3))
    with pytest.raises(ValueError, match="positive diagonal"):
        jacobi(sp.csr_matrix(np.diag([1.0, 0.0])))


@pytest.mark.parametrize("name", sorted(PRECONDITIONERS))
def test_preconditioners_are_symmetric_positive_and_keep_dtype(name):
    A = make_system("heat_implicit", 300, seed=0).A
    P = make_preconditioner(name, to_torch_csr(A) if name == "jacobi" else A)
    r = torch.as_tensor(np.random.default_rng(0).standard_normal((A.shape[0], 2)))
    z = P(r)
    assert z.shape == r.shape and z.dtype == r.dtype and P.setup_s >= 0
    assert abs(z[:, 0] @ r[:, 1] - z[:, 1] @ r[:, 0]) <= 1e-10 * abs(z[:, 0] @ r[:, 1])  # r2.P^-1 r1 = r1.P^-1 r2
    assert bool(((z * r).sum(0) > 0).all())
    assert P(r[:, 0].float()).dtype == torch.float32


def test_preconditioners_cut_iterations_in_the_expected_order():
    system = make_system("poisson_fem", 1000, seed=0)
    its = {}
    for name in PRECONDITIONERS:
        P = make_preconditioner(name, system.A)
        result = pcg(system.A, system.b, P, rtol=1e-8)
        assert result.converged == [True] and result.true_residual[0] < 1e-7
        its[name] = result.reached[1e-8][0]
    # measured (n = 1024, seed 0): none 410, jacobi 126, ic0 34, amg 10
    assert its["amg"] < its["ic0"] < its["jacobi"] < its["none"]
    assert its["amg"] <= 15 and its["ic0"] <= its["none"] / 8 and its["jacobi"] <= its["none"] / 2


# ---------------------------------------------------------------- the families


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_is_spd_seeded_and_well_formed(family):
    system = make_system(family, 300, seed=4)
    A = system.A
    assert isinstance(A, sp.csr_matrix) and A.has_sorted_indices and abs(A - A.T).max() == 0.0
    assert np.linalg.eigvalsh(A.toarray())[0] > 0
    assert 250 <= system.n <= 350 and system.b.shape == (system.n,) and system.positions.shape == (system.n, 2)
    assert system.positions.min() >= 0 and system.positions.max() <= 1
    assert 0 < system.boundary.sum() < system.n and np.linalg.norm(system.b) > 0
    again = make_system(family, 300, seed=4)
    assert (again.A != A).nnz == 0 and np.array_equal(again.b, system.b)
    other = make_system(family, 300, seed=5)
    assert not np.array_equal(other.b, system.b)
    wide = make_system(family, 300, seed=4, n_rhs=3)
    assert wide.b.shape == (system.n, 3) and wide.params["n_rhs"] == 3


def test_family_sizes_follow_n_target():
    for family, n in (("poisson_fem", 1000), ("poisson_grid", 10000), ("cavity_pressure", 1000)):
        assert abs(make_system(family, n, 0).n - n) <= 0.1 * n


def test_make_system_errors_name_the_valid_ones():
    with pytest.raises(ValueError, match="Did you mean 'poisson_fem'"):
        make_system("poisson_fen", 100)
    with pytest.raises(ValueError, match="Did you mean 'sigma'.*Valid: sigma"):
        make_system("poisson_grid", 100, sigm=2.0)
    with pytest.raises(ValueError, match="jitter"):
        make_system("poisson_fem", 100, jitter=0.3)


def l2_error(mesh, u_full, exact):
    basis_u = assemble(mesh, 1.0)[3]

    @Functional
    def squared(w):
        return (w.u - exact(w.x[0], w.x[1])) ** 2

    return float(np.sqrt(squared.assemble(basis_u, u=basis_u.interpolate(u_full))))


def test_fem_poisson_converges_at_second_order():
    exact = lambda x, y: np.sin(np.pi * x) * np.sin(np.pi * y)  # noqa: E731
    source = lambda x, y: 2 * np.pi**2 * exact(x, y)  # noqa: E731  (-lap u, k = 1)
    errors = []
    for cells in (12, 24):
        mesh = square_mesh(cells, np.random.default_rng(0))
        K, _, rhs, basis = assemble(mesh, 1.0, [source])
        A, b, kept, _ = eliminate_dirichlet(K, rhs, basis)
        u = np.zeros(basis.N)
        u[kept] = spsolve(A.tocsc(), b[:, 0])
        errors.append(l2_error(mesh, u, exact))
    rate = np.log2(errors[0] / errors[1])
    assert 1.8 < rate < 2.3, (errors, rate)  # measured: 2.0


def test_grid_poisson_converges_at_second_order():
    errors = []
    for m in (15, 31):
        h = 1.0 / (m + 1)
        x, y = np.meshgrid(np.arange(m + 2) * h, np.arange(m + 2) * h)
        k = 1.0 + 0.5 * x * y  # div(k grad u) with u = sin(pi x) sin(pi y)
        u = np.sin(np.pi * x) * np.sin(np.pi * y)
        ux, uy = np.pi * np.cos(np.pi * x) * np.sin(np.pi * y), np.pi * np.sin(np.pi * x) * np.cos(np.pi * y)
        f = -(0.5 * y * ux + 0.5 * x * uy) + 2 * np.pi**2 * k * u
        A = face_matrix(k)
        solution = spsolve(A.tocsc(), h * h * f[1:-1, 1:-1].ravel())
        errors.append(np.abs(solution - u[1:-1, 1:-1].ravel()).max())
    assert 1.8 < np.log2(errors[0] / errors[1]) < 2.3, errors


def test_cavity_matrix_is_the_reference_solvers_matrix(monkeypatch):
    n = 17
    seen = []
    original = reference.splu
    monkeypatch.setattr(reference, "splu", lambda M, **kw: seen.append(M.copy()) or original(M, **kw))
    fx, fy = np.random.default_rng(0).standard_normal((2, n, n))
    p = reference._fit_potential(fx, fy, 1.0 / (n - 1))
    normal, force = cavity_operators(n)
    (matrix,) = seen
    assert abs(matrix.tocsr()[1:] - normal[1:]).max() < 1e-12  # rows 1.. as assembled (row 0: the gauge)
    system = make_system("cavity_pressure", n * n - 1, seed=0)
    assert system.n == n * n - 1 and abs(system.A - normal[1:, 1:]).max() == 0.0
    q = spsolve(system.A.tocsc(), (force @ np.concatenate([fx.ravel(), fy.ravel()]))[1:])
    np.testing.assert_allclose(q, p.ravel()[1:], atol=1e-12 * np.abs(p).max())


def test_cavity_system_reproduces_the_reference_pressure_of_a_real_flow():
    flow = solve_lid_driven_cavity(re=100.0, n=17, tol=1e-9)
    h = 1.0 / 16
    fx, fy = reference.momentum_force(flow.u, flow.v, flow.omega, flow.re, h)
    normal, force = cavity_operators(17)
    rhs = (force @ np.concatenate([fx.ravel(), fy.ravel()]))[1:]
    result = pcg(normal[1:, 1:], rhs, make_preconditioner("amg", normal[1:, 1:].tocsr()), rtol=1e-12)
    p = np.r_[0.0, result.x.numpy()]
    difference = p - flow.p.ravel()  # the reference is normalised at the centre instead of the corner
    assert np.ptp(difference) < 1e-9 * np.ptp(flow.p)
