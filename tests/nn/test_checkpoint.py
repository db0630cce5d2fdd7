"""nn.utils.save / load: nested state dicts round-trip with their types, the file is written
atomically (a crash leaves the old one intact), and loading never unpickles."""

from __future__ import annotations

import io
import math
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import Tensor


def _same(a: object, b: object) -> bool:
    """Equal values with equal types, recursively (arrays: same dtype, shape and values)."""
    if isinstance(a, np.ndarray):
        return (
            type(b) is np.ndarray
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def test_a_model_state_dict_round_trips(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model(ag.randn(5, 3))  # move the running statistics
    path = tmp_path / "model.ckpt"
    nn.utils.save(model.state_dict(), path)
    loaded = nn.utils.load(path)
    assert _same(model.state_dict(), loaded)
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(loaded)
    x = ag.randn(2, 3)
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x).data, fresh(x).data)


def test_an_optimizer_state_dict_round_trips_with_int_keys_and_tuples(tmp_path: Path) -> None:
    model = nn.Linear(2, 2)
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    model(ag.randn(3, 2)).sum().backward()
    opt.step()
    state = opt.state_dict()
    path = tmp_path / "opt.npz"
    nn.utils.save({"model": model.state_dict(), "optimizer": state, "epoch": 3}, path)
    loaded = nn.utils.load(path)
    assert _same(state, loaded["optimizer"])
    assert list(loaded["optimizer"]["state"]) == [0, 1]
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert loaded["epoch"] == 3 and type(loaded["epoch"]) is int
    again = optim.Adam(model.parameters(), lr=0.5)
    again.load_state_dict(loaded["optimizer"])
    assert again.param_groups[0]["lr"] == 0.01


def test_every_supported_value_keeps_its_type(tmp_path: Path) -> None:
    tree = {
        "ints": [0, -7, 2**62],
        "floats": (0.1, -2.5e-300, math.inf, -math.inf, math.nan),
        "flags": [True, False, None],
        "text": "naïve ünïcode",
        1: "an int key",
        2.5: "a float key",
        (1, "a"): "a tuple key",
        None: "a None key",
        False: "a bool key",
        "nested": {"empty_list": [], "empty_dict": {}, "empty_tuple": (), "deep": [[{"x": (1,)}]]},
        "arrays": [
            np.arange(6, dtype=np.int32).reshape(2, 3),
            np.array([1.5, np.nan], dtype=np.float16),
            np.array(True),
            np.zeros((0, 3)),
            np.array(["a", "bc"]),
            np.array([1 + 2j]),
        ],
        "numpy_scalars": [np.float32(1.25), np.int64(3)],
    }
    path = tmp_path / "tree"
    nn.utils.save(tree, path)
    assert _same(tree, nn.utils.load(path))


def test_tensors_and_parameters_come_back_as_arrays(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    nn.utils.save({"t": Tensor([1.0, 2.0]), "p": nn.Parameter(np.ones(2))}, path)
    loaded = nn.utils.load(path)
    assert type(loaded["t"]) is np.ndarray and loaded["t"].dtype == np.float32
    assert type(loaded["p"]) is np.ndarray and loaded["p"].dtype == np.float64


def test_the_file_is_written_at_exactly_the_path(tmp_path: Path) -> None:
    for name in ["weights.bin", "no_suffix", "model.npz", "a.b.c"]:
        nn.utils.save({"x": np.ones(2)}, tmp_path / name)
        assert (tmp_path / name).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["weights.bin", "no_suffix", "model.npz", "a.b.c"]
    )
    nn.utils.save({"x": 1}, str(tmp_path / "as_str"))  # a str path too
    assert nn.utils.load(str(tmp_path / "as_str")) == {"x": 1}


def test_a_crash_during_writing_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt"
    nn.utils.save({"version": 1, "w": np.ones(3)}, path)
    before = path.read_bytes()

    def half_written(file: io.BufferedWriter, **arrays: np.ndarray) -> None:
        file.write(b"PK\x03\x04 half of a zip file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(OSError, match="disk full"):
        nn.utils.save({"version": 2, "w": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # no temporary file left behind
    monkeypatch.undo()
    assert nn.utils.load(path)["version"] == 1


def test_an_interrupt_during_writing_also_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(file: io.BufferedWriter, **arrays: np.ndarray) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nn.utils.save({"x": 1}, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_the_saved_file_has_an_ordinary_mode(tmp_path: Path) -> None:
    path = tmp_path / "mode"
    nn.utils.save({}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=r"save: the folder '.*no/such' does not exist"):
        nn.utils.save({"x": 1}, missing / "ckpt.npz")


def test_unsupported_values_are_type_errors_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "bad"
    with pytest.raises(TypeError, match=r"cannot save a value of type set at the root\['a'\]\[1\]"):
        nn.utils.save({"a": [1, {2}]}, path)
    with pytest.raises(TypeError, match="cannot save an array of dtype object"):
        nn.utils.save({"a": np.array([{}, []], dtype=object)}, path)
    with pytest.raises(TypeError, match="cannot save a dict key of type frozenset"):
        nn.utils.save({frozenset(): 1}, path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def _checkpoint(tmp_path: Path) -> bytes:
    path = tmp_path / "good"
    nn.utils.save({"w": np.arange(100.0), "meta": {"step": 3}}, path)
    return path.read_bytes()


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_a_truncated_file_is_a_value_error_naming_it(tmp_path: Path, fraction: float) -> None:
    data = _checkpoint(tmp_path)
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ValueError, match=r"load: '.*truncated\.npz' is"):
        nn.utils.load(path)


def test_a_corrupt_file_is_a_value_error_naming_it(tmp_path: Path) -> None:
    data = bytearray(_checkpoint(tmp_path))
    path = tmp_path / "corrupt"
    data[len(data) // 3 : len(data) // 3 + 40] = b"\xff" * 40  # inside the array data
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"load: '.*corrupt' is corrupt or truncated"):
        nn.utils.load(path)
    path.write_bytes(os.urandom(300))
    with pytest.raises(ValueError, match=r"load: '.*corrupt' is not a NumPy \.npz file"):
        nn.utils.load(path)


class _Exploit:
    """Unpickling this would create a file: load must never do it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def test_load_never_unpickles(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"weights": _Exploit(marker)}))
    with pytest.raises(ValueError, match=r"load: '.*evil\.pkl' .* never unpickles"):
        nn.utils.load(path)
    npz = tmp_path / "evil.npz"
    tree = np.array('{"format": "glassgrad-checkpoint-1", "root": {"array": "a0"}}')
    np.savez(npz, __tree__=tree, a0=np.array([_Exploit(marker)], dtype=object))
    with pytest.raises(
        ValueError, match=r"contains pickled objects, which load refuses to unpickle"
    ):
        nn.utils.load(npz)
    assert not marker.exists()


def test_files_that_are_not_checkpoints(tmp_path: Path) -> None:
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(ValueError, match=r"is a single \.npy array, not a checkpoint"):
        nn.utils.load(npy)
    npz = tmp_path / "plain.npz"
    np.savez(npz, x=np.ones(3))
    with pytest.raises(ValueError, match=r"is a \.npz file but not a checkpoint written by"):
        nn.utils.load(npz)
    bad_tree = tmp_path / "bad_tree.npz"
    np.savez(
        bad_tree, __tree__=np.array('{"format": "glassgrad-checkpoint-1", "root": {"array": "a9"}}')
    )
    with pytest.raises(ValueError, match="refers to a missing array 'a9'"):
        nn.utils.load(bad_tree)
    np.savez(bad_tree, __tree__=np.array("not json"))
    with pytest.raises(ValueError, match="unreadable structure"):
        nn.utils.load(bad_tree)
    with pytest.raises(FileNotFoundError):
        nn.utils.load(tmp_path / "absent")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"not a checkpoint written by nn\.utils\.save"):
        nn.utils.load(tmp_path / "other.zip")
