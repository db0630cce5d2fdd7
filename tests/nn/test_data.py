"""nn.data: TensorDataset, DataLoader, random_split, kfold and the shipped digits set."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor
from nn.data import DataLoader, Subset, TensorDataset, kfold, load_digits, random_split


def _dataset(n: int = 10) -> TensorDataset:
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(Tensor(X), Tensor(np.arange(n)))


# ---- TensorDataset ------------------------------------------------------------------------
def test_tensor_dataset_indexing_returns_a_tuple_of_tensors():
    ds = _dataset(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    np.testing.assert_array_equal(x.data, [6, 7, 8])
    assert y.item() == 2
    xb, yb = ds[np.array([3, 0])]
    np.testing.assert_array_equal(yb.data, [3, 0])
    assert xb.shape == (2, 3)


def test_tensor_dataset_converts_arrays_and_keeps_their_dtype():
    ds = TensorDataset(np.zeros((3, 2)), [1, 2, 3])
    x, y = ds[0]
    assert x.dtype == np.float64 and y.dtype == np.int64


def test_tensor_dataset_different_lengths_is_a_value_error_naming_them():
    with pytest.raises(ValueError, match=r"TensorDataset: .*same first dimension.*\[5, 4\]"):
        TensorDataset(ag.zeros(5, 2), ag.zeros(4))


def test_tensor_dataset_needs_tensors_with_a_first_dimension():
    with pytest.raises(ValueError, match="TensorDataset: needs at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"TensorDataset: .*0-d"):
        TensorDataset(Tensor(3.0))


# ---- DataLoader ---------------------------------------------------------------------------
def test_loader_yields_ordered_batches_and_a_short_last_one():
    loader = DataLoader(_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in batches]), np.arange(10))
    xb, _ = batches[0]
    assert isinstance(xb, Tensor) and xb.shape == (4, 3) and xb.dtype == np.float32


def test_loader_drop_last_drops_the_short_batch():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(yb) for _, yb in loader] == [4, 4]
    assert len(DataLoader(_dataset(8), batch_size=4, drop_last=True)) == 2


def test_loader_shuffle_is_a_permutation_reproducible_and_new_each_epoch():
    loader = DataLoader(_dataset(50), batch_size=7, shuffle=True)
    ag.manual_seed(3)
    epoch1 = np.concatenate([yb.data for _, yb in loader])
    epoch2 = np.concatenate([yb.data for _, yb in loader])
    assert sorted(epoch1) == list(range(50))
    assert not np.array_equal(epoch1, epoch2)  # reshuffled every epoch
    ag.manual_seed(3)
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in loader]), epoch1)


def test_loader_rows_stay_together_when_shuffled():
    ag.manual_seed(0)
    for xb, yb in DataLoader(_dataset(20), batch_size=6, shuffle=True):
        np.testing.assert_array_equal(xb.data[:, 0], 3 * yb.data)


def test_loader_over_a_subset_and_over_a_plain_dataset():
    ds = _dataset(10)
    sub = Subset(ds, [9, 1, 5])
    (xb, yb), *_ = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(yb.data, [9, 1, 5])

    class Squares:  # any object with __len__ and __getitem__
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> tuple[np.ndarray, float]:
            return np.full(2, i, dtype=np.float64), float(i * i)

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xb.shape == (5, 2) and xb.dtype == np.float64
    np.testing.assert_array_equal(yb.data, [0, 1, 4, 9, 16])
    assert yb.dtype == ag.get_default_dtype()


def test_loader_builds_a_batch_with_one_index_per_tensor(monkeypatch):
    calls = []
    original = TensorDataset.__getitem__

    def counting(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(TensorDataset, "__getitem__", counting)
    list(DataLoader(Subset(_dataset(100), np.arange(100)), batch_size=32, shuffle=True))
    assert len(calls) == 4  # one fancy index per batch, not one call per sample


@pytest.mark.parametrize("batch_size", [0, -3])
def test_loader_batch_size_below_one_is_a_value_error(batch_size):
    with pytest.raises(
        ValueError, match=f"DataLoader: batch_size must be at least 1, got {batch_size}"
    ):
        DataLoader(_dataset(), batch_size=batch_size)


def test_loader_batch_size_must_be_an_integer():
    with pytest.raises(TypeError, match="DataLoader: batch_size must be an integer, got float"):
        DataLoader(_dataset(), batch_size=2.0)


@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_loader_len_matches_iteration(n, batch_size, drop_last):
    loader = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last, shuffle=True)
    sizes = [len(yb) for _, yb in loader]
    assert len(sizes) == len(loader)
    assert all(s == batch_size for s in sizes[:-1])
    assert sum(sizes) == (n - n % batch_size if drop_last else n)


# ---- random_split -------------------------------------------------------------------------
def test_random_split_counts_are_disjoint_and_cover_everything():
    ag.manual_seed(0)
    parts = random_split(_dataset(10), [6, 3, 1])
    assert [len(p) for p in parts] == [6, 3, 1]
    assert all(isinstance(p, Subset) for p in parts)
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen) == list(range(10))
    _, y = parts[0][0]
    assert y.item() == parts[0].indices[0]


def test_random_split_fractions_hand_out_the_remainder_round_robin_as_pytorch():
    # floor(10 * 0.33) = 3 each, remainder 1 goes to the first split: PyTorch gives [4, 3, 3]
    assert [len(p) for p in random_split(_dataset(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(p) for p in random_split(_dataset(11), [0.5, 0.5])] == [6, 5]
    assert [len(p) for p in random_split(_dataset(10), [0.1, 0.2, 0.7])] == [1, 2, 7]


def test_random_split_is_reproducible_and_takes_a_generator():
    ag.manual_seed(5)
    a = random_split(_dataset(30), [0.5, 0.5])
    ag.manual_seed(5)
    b = random_split(_dataset(30), [0.5, 0.5])
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    c = random_split(_dataset(30), [15, 15], generator=np.random.default_rng(1))
    d = random_split(_dataset(30), [15, 15], generator=np.random.default_rng(1))
    np.testing.assert_array_equal(c[1].indices, d[1].indices)


@given(n=st.integers(0, 60), weights=st.lists(st.integers(1, 10), min_size=1, max_size=5))
def test_random_split_fraction_sizes(n, weights):
    fractions = [w / sum(weights) for w in weights]
    sizes = [len(p) for p in random_split(_dataset(n), fractions)]
    assert sum(sizes) == n
    for size, f in zip(sizes, fractions):
        assert abs(size - n * f) < 1 + 1e-9


def test_random_split_wrong_sum_is_a_value_error():
    with pytest.raises(ValueError, match=r"random_split: lengths \[5, 3\] sum to 8, not .* 10"):
        random_split(_dataset(10), [5, 3])


def test_random_split_bad_lengths_are_value_errors():
    with pytest.raises(ValueError, match="random_split: lengths is empty"):
        random_split(_dataset(10), [])
    with pytest.raises(ValueError, match="random_split: lengths must be non-negative integers"):
        random_split(_dataset(10), [12, -2])
    with pytest.raises(ValueError, match=r"random_split: fraction 1.5 is not in \[0, 1\]"):
        random_split(_dataset(10), [1.5, -0.5])


# ---- kfold --------------------------------------------------------------------------------
@given(n=st.integers(2, 80), data=st.data(), shuffle=st.booleans())
def test_kfold_folds_partition_the_indices(n, data, shuffle):
    k = data.draw(st.integers(2, n))
    folds = list(kfold(n, k, shuffle=shuffle))
    assert len(folds) == k
    vals = [val for _, val in folds]
    assert max(map(len, vals)) - min(map(len, vals)) <= 1
    np.testing.assert_array_equal(np.sort(np.concatenate(vals)), np.arange(n))
    for train, val in folds:
        assert train.dtype == val.dtype == np.int64
        np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
        assert len(np.intersect1d(train, val)) == 0


def test_kfold_without_shuffle_is_contiguous_and_with_shuffle_reproducible():
    (_, v0), (_, v1), (_, v2) = kfold(7, 3, shuffle=False)
    assert [v0.tolist(), v1.tolist(), v2.tolist()] == [[0, 1, 2], [3, 4], [5, 6]]
    ag.manual_seed(2)
    a = [val for _, val in kfold(20, 4)]
    ag.manual_seed(2)
    b = [val for _, val in kfold(20, 4)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(("n", "k"), [(10, 1), (10, 0), (3, 4)])
def test_kfold_k_out_of_range_is_a_value_error_at_the_call(n, k):
    with pytest.raises(ValueError, match=f"kfold: k must be between 2 and n={n}, got k={k}"):
        kfold(n, k)  # raised at the call, not at the first next()


def test_kfold_needs_integers():
    with pytest.raises(TypeError, match="kfold: k must be an integer, got float"):
        kfold(10, 2.0)


# ---- load_digits --------------------------------------------------------------------------
def test_load_digits_shapes_dtypes_and_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    np.testing.assert_array_equal(
        np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    # the first image is a zero: a ring of ink around an empty middle
    assert y[0] == 0
    assert X[0].reshape(8, 8)[3:5, 3:5].sum() == 0


def test_load_digits_returns_fresh_copies():
    X, y = load_digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0 and y2.min() == 0
