"""Writers produce PDEBench's layouts exactly (checked with raw h5py); readers read them back."""
import h5py
import numpy as np
import pytest

from pinnkit.data import open_pdebench, write_cfd, write_darcy, write_groups, write_ns_incom, write_single

RNG = np.random.default_rng(0)


def centres(n, low=0.0, high=1.0):
    return low + (np.arange(n) + 0.5) * (high - low) / n


def raw(path):
    """{name: (shape, dtype)} of every dataset, and the root attributes."""
    out = {}
    with h5py.File(path, "r") as h5:
        h5.visititems(lambda name, obj: out.__setitem__(name, (obj.shape, obj.dtype))
                      if isinstance(obj, h5py.Dataset) else None)
        return out, dict(h5.attrs)


def test_single_array_round_trip_with_strides(tmp_path):
    data = RNG.normal(size=(3, 6, 8))
    path = write_single(tmp_path / "1D_Advection_Sols_beta0.4.hdf5", "advection", data, centres(8),
                        np.linspace(0, 2, 7), dict(beta=0.4))
    datasets, attrs = raw(path)
    assert datasets == {"tensor": ((3, 6, 8), np.float32), "x-coordinate": ((8,), np.float32),
                        "t-coordinate": ((7,), np.float32)}
    assert attrs == {"beta": np.float32(0.4)}
    with open_pdebench(path) as f:
        assert (f.family, f.layout, f.n_samples, f.fields) == ("advection", "single", 3, ("u",))
        assert f.params["beta"] == pytest.approx(0.4)
        assert f.bounds["x"] == pytest.approx((0.0, 1.0))
        assert len(f.t) == 6 and f.t[-1] == pytest.approx(5 / 3)  # the first nt of the nt + 1 times
        np.testing.assert_array_equal(f.sample(2)[..., 0], data[2].astype(np.float32))
    with open_pdebench(path, reduced_resolution=2, reduced_resolution_t=3) as f:
        np.testing.assert_array_equal(f.sample(1)[..., 0], data[1, ::3, ::2].astype(np.float32))
        np.testing.assert_allclose(f.coords["x"], centres(8)[::2], rtol=1e-6)
        assert f.t.tolist() == pytest.approx([0.0, 1.0])


def test_parameters_from_file_name_and_leading_singleton_axis(tmp_path):
    path = tmp_path / "ReacDiff_Nu0.5_Rho2.0.hdf5"
    data = RNG.normal(size=(1, 2, 4, 5)).astype(np.float32)  # [1, N, nt, nx] as some generators wrote
    with h5py.File(path, "w") as h5:
        h5["tensor"], h5["x-coordinate"], h5["t-coordinate"] = data, centres(5), np.linspace(0, 1, 5)
    with open_pdebench(path) as f:
        assert (f.family, f.n_samples, f.params) == ("reacdiff", 2, {"nu": 0.5, "rho": 2.0})
        np.testing.assert_array_equal(f.sample(1)[..., 0], data[0, 1])
    with h5py.File(path, "a") as h5:
        h5.attrs["Nu"] = np.float32(0.25)  # a root attribute wins over the file name
    with open_pdebench(path) as f:
        assert f.params == {"nu": 0.25, "rho": 2.0}


def test_leading_singleton_axis_in_cfd_and_incompressible_ns(tmp_path):
    data = {v: RNG.normal(size=(1, 2, 3, 4)).astype(np.float32) for v in ("density", "pressure", "Vx")}
    path = tmp_path / "1D_CFD_Rand_Eta0.1_Zeta0.1_periodic_Train.hdf5"
    with h5py.File(path, "w") as h5:
        for name, value in data.items():
            h5[name] = value
        h5["x-coordinate"], h5["t-coordinate"] = centres(4), np.linspace(0, 1, 4)
    with open_pdebench(path) as f:
        assert (f.family, f.n_samples, f.params) == ("cfd1d", 2, {"eta": 0.1, "zeta": 0.1})
        np.testing.assert_array_equal(f.sample(1), np.stack([data[v][0, 1] for v in data], axis=-1))
    velocity = RNG.normal(size=(1, 3, 4, 4, 2))
    particles, force = RNG.normal(size=(1, 3, 4, 4, 1)), RNG.normal(size=(1, 4, 4, 2))
    path = write_ns_incom(tmp_path / "ns_incom_inhom_2d_512-1.h5", velocity, np.linspace(0, 1, 3), particles, force)
    with open_pdebench(path) as f:  # one sample: (1, nt, ...) must not be taken for a singleton axis
        extra = f.extra(0)
        np.testing.assert_array_equal(extra["particles"], particles[0].astype(np.float32))
        np.testing.assert_array_equal(extra["force"], force[0].astype(np.float32))


def test_only_the_requested_sample_is_read(tmp_path, monkeypatch):
    data = RNG.normal(size=(4, 5, 8))
    single = write_single(tmp_path / "1D_Burgers_Sols_Nu0.1.hdf5", "burgers", data, centres(8),
                          np.linspace(0, 2, 6), dict(nu=0.1))
    groups = write_groups(tmp_path / "2D_diff-react_NA_NA.h5", "diff-react", RNG.normal(size=(3, 2, 4, 4, 2)),
                          (centres(4), centres(4)), np.linspace(0, 1, 2))
    reads, original = [], h5py.Dataset.__getitem__

    def spy(self, args, *rest, **kwargs):
        reads.append((self.name, args if isinstance(args, tuple) else (args,)))
        return original(self, args, *rest, **kwargs)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
    with open_pdebench(single, reduced_resolution_t=2) as f:
        assert not [name for name, _ in reads if name == "/tensor"]  # opening reads coordinates only
        f.sample(2)
    assert [(name, args[0]) for name, args in reads if name == "/tensor"] == [("/tensor", 2)]
    reads.clear()
    with open_pdebench(groups) as f:
        f.sample(1)
    assert {name for name, _ in reads if name.endswith("/data")} == {"/0001/data"}


def test_darcy_round_trip(tmp_path):
    u, nu = RNG.normal(size=(2, 4, 6)), RNG.uniform(0.1, 1, size=(2, 4, 6))
    path = write_darcy(tmp_path / "2D_DarcyFlow_beta1.0_Train.hdf5", u, nu, centres(4), centres(6), beta=1.0)
    datasets, attrs = raw(path)
    assert datasets == {"tensor": ((2, 1, 4, 6), np.float32), "nu": ((2, 4, 6), np.float32),
                        "x-coordinate": ((4,), np.float32), "y-coordinate": ((6,), np.float32)}
    assert attrs == {"beta": np.float32(1.0)}
    with open_pdebench(path) as f:
        assert (f.family, f.space, f.params) == ("darcy", ("x", "y"), {"beta": 1.0})
        np.testing.assert_array_equal(f.sample(1)[0, ..., 0], u[1].astype(np.float32))
        np.testing.assert_array_equal(f.extra(1)["nu"], nu[1].astype(np.float32))


def test_compressible_ns_round_trip_params_from_name(tmp_path):
    samples = RNG.normal(size=(2, 3, 4, 5, 4))  # [N][t, x, y, (density, pressure, Vx, Vy)]
    path = write_cfd(tmp_path / "2D_CFD_Rand_M0.1_Eta0.01_Zeta1.e-8_periodic_128_Train.hdf5", samples,
                     (centres(4), centres(5)), np.linspace(0, 1, 4), {})
    datasets, _ = raw(path)
    assert datasets == {**{v: ((2, 3, 4, 5), np.float32) for v in ("density", "pressure", "Vx", "Vy")},
                        "x-coordinate": ((4,), np.float32), "y-coordinate": ((5,), np.float32),
                        "t-coordinate": ((4,), np.float32)}
    with open_pdebench(path) as f:
        assert f.family == "cfd2d" and f.fields == ("density", "pressure", "Vx", "Vy")
        assert f.params == pytest.approx({"M": 0.1, "eta": 0.01, "zeta": 1e-8})
        np.testing.assert_array_equal(f.sample(1), samples[1].astype(np.float32))


def test_diffusion_reaction_groups_are_stored_y_first(tmp_path):
    samples = RNG.normal(size=(2, 3, 4, 5, 2))  # [N][t, x, y, (u, v)]
    configs = [dict(sim=dict(seed=i, x_left=-1.0)) for i in range(2)]
    path = write_groups(tmp_path / "2D_diff-react_NA_NA.h5", "diff-react", samples,
                        (centres(4, -1, 1), centres(5, -1, 1)), np.linspace(0, 5, 3), configs)
    datasets, _ = raw(path)
    assert datasets["0001/data"] == ((3, 5, 4, 2), np.float32)  # [t, y, x, c] on disk
    assert {k for k in datasets if k.startswith("0000/")} == {"0000/data", "0000/grid/x", "0000/grid/y",
                                                              "0000/grid/t"}
    with h5py.File(path, "r") as h5:
        assert isinstance(h5["0001"].attrs["config"], str) and "seed: 1" in h5["0001"].attrs["config"]
        np.testing.assert_array_equal(h5["0001/data"][()], np.swapaxes(samples[1], 1, 2).astype(np.float32))
    with open_pdebench(path) as f:
        assert (f.family, f.n_samples, f.fields) == ("diff-react", 2, ("u", "v"))
        assert set(f.bounds) == {"x", "y"}
        assert f.bounds["x"] == pytest.approx((-1.0, 1.0)) and f.bounds["y"] == pytest.approx((-1.0, 1.0))
        np.testing.assert_array_equal(f.sample(1), samples[1].astype(np.float32))
        assert f.config(1) == configs[1]


def test_diffusion_sorption_groups_and_incompressible_ns(tmp_path):
    samples = RNG.uniform(size=(2, 4, 6, 1))
    path = write_groups(tmp_path / "1D_diff-sorp_NA_NA.h5", "diff-sorp", samples, (centres(6),),
                        np.linspace(0, 500, 4))
    with open_pdebench(path, reduced_resolution=2) as f:
        assert (f.family, f.space) == ("diff-sorp", ("x",))
        np.testing.assert_array_equal(f.sample(0), samples[0, :, ::2].astype(np.float32))
    velocity = RNG.normal(size=(2, 3, 4, 4, 2))
    path = write_ns_incom(tmp_path / "ns_incom_inhom_2d_512-0.h5", velocity, np.linspace(0, 1, 3))
    datasets, _ = raw(path)
    assert datasets == {"velocity": ((2, 3, 4, 4, 2), np.float32), "t": ((2, 3), np.float32),
                        "particles": ((2, 3, 4, 4, 1), np.float32), "force": ((2, 4, 4, 2), np.float32)}
    with open_pdebench(path) as f:
        assert (f.family, f.n_samples) == ("ns_incom", 2)
        np.testing.assert_array_equal(f.sample(1), velocity[1].astype(np.float32))


def test_malformed_files_say_what_was_found_and_expected(tmp_path):
    path = tmp_path / "odd.h5"
    with h5py.File(path, "w") as h5:
        h5["foo"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"matches no PDEBench layout. Found: foo \(3,\). Expected one of: 'tensor'"):
        open_pdebench(path)
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        open_pdebench(tmp_path / "text.h5")
    bad = tmp_path / "1D_Burgers_Sols_Nu0.01.hdf5"
    with h5py.File(bad, "w") as h5:
        h5["tensor"], h5["x-coordinate"], h5["t-coordinate"] = np.zeros((1, 4, 5)), np.zeros(6), np.zeros(5)
    with pytest.raises(ValueError, match=r"do not match 'tensor' \(1, 4, 5\): expected 5 and 5"):
        open_pdebench(bad)
    path = write_single(tmp_path / "1D_Advection_Sols_beta0.1.hdf5", "advection", np.zeros((1, 2, 4)),
                        centres(4), np.arange(3.0), dict(beta=0.1))
    with open_pdebench(path) as f, pytest.raises(ValueError, match=r"sample index must be in \[0, 1\), got 1"):
        f.sample(1)
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['nu'\] for family 'advection'"):
        write_single(tmp_path / "x.hdf5", "advection", np.zeros((1, 2, 4)), centres(4), np.arange(3.0), dict(nu=1))
