"""Classification metrics: accuracy, precision, recall, f1_score, confusion_matrix.

Labels come as 1-D arrays, lists or Tensors (`logits.argmax(axis=1)` is fine)
and the results are plain floats (or NumPy arrays), with scikit-learn's
definitions. Where a ratio has a zero denominator (no predicted positives for
precision, no actual positives for recall) the metric is 0.0, the value
scikit-learn returns by default, but without a warning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_AVERAGES = ("binary", "macro", None)


def _labels(values: Any, fn: str, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{fn}: {name} must be 1-D labels, got shape {array.shape}")
    return array


def _pair(y_true: Any, y_pred: Any, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """Both label arrays, checked to be 1-D, non-empty and of the same length."""
    t, p = _labels(y_true, fn, "y_true"), _labels(y_pred, fn, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"{fn}: y_true and y_pred have different lengths ({len(t)} and {len(p)})")
    if len(t) == 0:
        raise ValueError(f"{fn}: y_true and y_pred are empty")
    return t, p


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, with 0.0 where den is 0 (the zero-division convention above)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def accuracy(y_true: Any, y_pred: Any) -> float:
    """The fraction of predictions equal to the true label."""
    t, p = _pair(y_true, y_pred, "accuracy")
    return float(np.mean(t == p))


def _counts(
    t: np.ndarray, p: np.ndarray, average: str | None, pos_label: Any, fn: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, predicted positives and actual positives, per class considered.

    'binary': the one class `pos_label`; 'macro' and None: every label in
    the sorted union of y_true and y_pred.
    """
    if average not in _AVERAGES:
        raise ValueError(f"{fn}: average must be 'binary', 'macro' or None, got {average!r}")
    labels = np.union1d(t, p)
    if average == "binary":
        if len(labels) > 2:
            raise ValueError(
                f"{fn}: average='binary' needs at most 2 distinct labels, got {len(labels)} "
                f"({labels.tolist()}); use average='macro' for multiclass"
            )
        if len(labels) == 2 and pos_label not in labels:
            raise ValueError(
                f"{fn}: pos_label={pos_label!r} is not one of the labels {labels.tolist()}"
            )
        labels = np.asarray([pos_label])
    true_is = t[None, :] == labels[:, None]  # (classes, samples)
    pred_is = p[None, :] == labels[:, None]
    return (true_is & pred_is).sum(axis=1), pred_is.sum(axis=1), true_is.sum(axis=1)


def _summarise(scores: np.ndarray, average: str | None) -> float | np.ndarray:
    return scores if average is None else float(scores.mean())


def precision(
    y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1
) -> float | np.ndarray:
    """TP / (TP + FP): of the samples predicted as a class, the fraction that are.

    `average='binary'` scores the class `pos_label` (y must have at most two
    distinct labels); 'macro' is the unweighted mean over the labels present
    in y_true or y_pred; None returns the per-class array in sorted label
    order. 0.0 where nothing was predicted as the class.
    """
    t, p = _pair(y_true, y_pred, "precision")
    tp, predicted, _ = _counts(t, p, average, pos_label, "precision")
    return _summarise(_ratio(tp, predicted), average)


def recall(
    y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1
) -> float | np.ndarray:
    """TP / (TP + FN): of the samples of a class, the fraction found.

    `average` and `pos_label` as in `precision`. 0.0 where the class never
    occurs in y_true.
    """
    t, p = _pair(y_true, y_pred, "recall")
    tp, _, actual = _counts(t, p, average, pos_label, "recall")
    return _summarise(_ratio(tp, actual), average)


def f1_score(
    y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1
) -> float | np.ndarray:
    """The harmonic mean of precision and recall: 2 TP / (2 TP + FP + FN).

    `average` and `pos_label` as in `precision`; 'macro' averages the
    per-class F1 scores, as scikit-learn does (not the F1 of the averaged
    precision and recall). 0.0 where the class is neither predicted nor present.
    """
    t, p = _pair(y_true, y_pred, "f1_score")
    tp, predicted, actual = _counts(t, p, average, pos_label, "f1_score")
    return _summarise(_ratio(2 * tp, predicted + actual), average)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of samples with true label i predicted as j (rows true, columns predicted).

    The classes are the sorted union of the labels in y_true and y_pred, or
    `0 .. num_classes-1` when `num_classes` is given (then every label must be
    an integer in that range). Returns an int64 array.
    """
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    if num_classes is None:
        labels = np.union1d(t, p)
        k = len(labels)
        ti, pi = np.searchsorted(labels, t), np.searchsorted(labels, p)
    else:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
            raise TypeError(
                f"confusion_matrix: num_classes must be an integer, got "
                f"{type(num_classes).__name__}"
            )
        k = int(num_classes)
        for name, a in (("y_true", t), ("y_pred", p)):
            inside = np.isin(a, np.arange(k))
            if not inside.all():
                raise ValueError(
                    f"confusion_matrix: {name} has label {a[~inside][0].item()!r} outside "
                    f"0..{k - 1} (num_classes={k})"
                )
        ti, pi = t.astype(np.int64), p.astype(np.int64)
    return np.bincount(ti * k + pi, minlength=k * k).reshape(k, k).astype(np.int64)
