"""Data sets and loaders: TensorDataset, DataLoader, random_split, kfold, load_digits.

PyTorch's names and semantics. Randomness (shuffling, splits, folds) draws
from `ag.default_generator()`, so `ag.manual_seed(n)` makes it repeatable.
A DataLoader over a TensorDataset (or a Subset of one) builds each batch with
one fancy index per tensor, never a Python loop over samples.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor


class TensorDataset:
    """Samples are rows: `ds[i]` is `(t[i] for t in tensors)` as a tuple of Tensors.

    All tensors must have the same first dimension (else `ValueError` naming
    the lengths). NumPy arrays and lists are converted to Tensors.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        converted = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        for t in converted:
            if t.ndim == 0:
                raise ValueError("TensorDataset: tensors need a first dimension, got a 0-d tensor")
        lengths = [len(t) for t in converted]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same first dimension, got lengths "
                f"{lengths} (shapes {[t.shape for t in converted]})"
            )
        self.tensors = converted

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """One sample, or a batch when `index` is a slice or an integer array."""
        return tuple(t[index] for t in self.tensors)

    def __repr__(self) -> str:
        return f"TensorDataset(len={len(self)}, shapes={[t.shape for t in self.tensors]})"


class Subset:
    """The samples of `dataset` at `indices`, in that order (what `random_split` returns)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        return self.dataset[self.indices[index]]

    def __repr__(self) -> str:
        return f"Subset(len={len(self)}, of {self.dataset!r})"


def _collate(column: list[Any]) -> Tensor:
    """Stack one field of several samples into a batch Tensor."""
    if all(isinstance(v, Tensor | np.ndarray) for v in column):
        return ag.from_numpy(np.stack([np.asarray(v) for v in column]))
    return Tensor(column)  # Python numbers: the default dtype rules apply


def _fetch(dataset: Any, index: np.ndarray) -> Any:
    """The batch of samples at `index`: one fancy index per tensor where the data allows."""
    if isinstance(dataset, TensorDataset):
        return dataset[index]
    if isinstance(dataset, Subset):
        return _fetch(dataset.dataset, dataset.indices[index])
    samples = [dataset[int(i)] for i in index]  # any dataset with __len__ and __getitem__
    if isinstance(samples[0], tuple | list):
        return tuple(_collate(list(field)) for field in zip(*samples))
    return _collate(samples)


class DataLoader:
    """Iterate over `dataset` in batches: each batch is a tuple of Tensors such as `(xb, yb)`.

    With `shuffle=True` the order is a fresh permutation from
    `ag.default_generator()` at the start of every epoch (every `iter()`).
    `drop_last=True` drops a final batch smaller than `batch_size`.
    """

    def __init__(
        self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(
                f"DataLoader: batch_size must be an integer, got {type(batch_size).__name__}"
            )
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)

    def __len__(self) -> int:
        """The number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = ag.default_generator().permutation(n) if self.shuffle else np.arange(n)
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, n), self.batch_size):
            yield _fetch(self.dataset, order[start : start + self.batch_size])

    def __repr__(self) -> str:
        return (
            f"DataLoader(batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, batches={len(self)})"
        )


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Counts as given, or fractions turned into counts as PyTorch does.

    Fractions summing to 1 get floor(n * f) each; the remainder is handed
    out one at a time, round-robin from the first split. (PyTorch also
    requires the float sum to be <= 1, rejecting [0.1, 0.2, 0.7]; we don't.)
    """
    total = sum(lengths)
    if math.isclose(total, 1):
        for f in lengths:
            if not 0 <= f <= 1:
                raise ValueError(f"random_split: fraction {f} is not in [0, 1]")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    for c in lengths:
        if isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 0:
            raise ValueError(
                f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                f"got {list(lengths)}"
            )
    if total != n:
        raise ValueError(
            f"random_split: lengths {list(lengths)} sum to {total}, not the dataset's length {n}"
        )
    return [int(c) for c in lengths]


def random_split(
    dataset: Any, lengths: Sequence[float], generator: np.random.Generator | None = None
) -> list[Subset]:
    """Split `dataset` at random into non-overlapping Subsets of the given sizes.

    `lengths` are counts summing to `len(dataset)`, or fractions summing to 1
    (`[0.8, 0.2]`). The permutation comes from `generator`, by default
    `ag.default_generator()`.
    """
    if len(lengths) == 0:
        raise ValueError("random_split: lengths is empty")
    n = len(dataset)
    counts = _split_lengths(n, lengths)
    order = (generator or ag.default_generator()).permutation(n)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - c : end]) for c, end in zip(counts, ends)]


def kfold(n: int, k: int, shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield `(train_idx, val_idx)` for k-fold cross-validation over n samples.

    The n indices (shuffled by `ag.default_generator()` when `shuffle`) are cut
    into k folds whose sizes differ by at most one (the first n % k folds get
    one more); each fold is the validation set once, the other k-1 the
    training set. Both index arrays are int64 and sorted.
    """
    for name, v in (("n", n), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"kfold: {name} must be an integer, got {type(v).__name__}")
    if k < 2 or k > n:
        raise ValueError(f"kfold: k must be between 2 and n={n}, got k={k}")
    order = ag.default_generator().permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return _folds(order, np.cumsum(sizes) - sizes, sizes)


def _folds(
    order: np.ndarray, starts: np.ndarray, sizes: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """kfold's folds, one at a time (a generator of its own, so that kfold checks its
    arguments and shuffles when it is called, not at the first `next`)."""
    for start, size in zip(starts, sizes):
        val = np.sort(order[start : start + size])
        train = np.sort(np.concatenate([order[:start], order[start + size :]]))
        yield train.astype(np.int64), val.astype(np.int64)


@cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    source = resources.files("nn.datasets").joinpath("digits.csv.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.float32), table[:, -1].copy()


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits, 8x8: `(X, y)`, X float32 (1797, 64) in 0..16, y int64 0..9.

    Read offline from the copy shipped in `nn/datasets/` (CC BY 4.0,
    Alpaydin & Kaynak, UCI ML repository; see the README there). Each row of
    X is an image, row by row: `X[i].reshape(8, 8)`. Returns fresh copies.
    """
    X, y = _digits_arrays()
    return X.copy(), y.copy()
