"""nn.metrics: hand-computed cases (scikit-learn's numbers), identities and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor
from nn.metrics import accuracy, confusion_matrix, f1_score, precision, recall

# A multiclass case worked by hand (scikit-learn agrees):
#   class 0: TP 2, predicted 3, actual 2 -> P 2/3, R 1,   F1 4/5
#   class 1: TP 1, predicted 2, actual 2 -> P 1/2, R 1/2, F1 1/2
#   class 2: TP 1, predicted 1, actual 2 -> P 1,   R 1/2, F1 2/3
Y_TRUE = [0, 1, 2, 0, 1, 2]
Y_PRED = [0, 0, 2, 0, 1, 1]


def test_accuracy_counts_equal_labels():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(4 / 6)
    assert accuracy([1, 1], [1, 1]) == 1.0
    assert isinstance(accuracy([1], [1]), float)


def test_inputs_may_be_arrays_lists_or_tensors():
    logits = Tensor(np.eye(3, dtype=np.float32)[Y_PRED])
    assert accuracy(Tensor(np.array(Y_TRUE)), logits.argmax(axis=1)) == pytest.approx(4 / 6)
    assert precision(np.array(Y_TRUE), Tensor(np.array(Y_PRED)), average="macro") == (
        pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    )


def test_macro_scores_are_the_means_of_the_per_class_scores():
    np.testing.assert_allclose(precision(Y_TRUE, Y_PRED, average=None), [2 / 3, 1 / 2, 1])
    np.testing.assert_allclose(recall(Y_TRUE, Y_PRED, average=None), [1, 1 / 2, 1 / 2])
    np.testing.assert_allclose(f1_score(Y_TRUE, Y_PRED, average=None), [4 / 5, 1 / 2, 2 / 3])
    assert recall(Y_TRUE, Y_PRED, average="macro") == pytest.approx(2 / 3)
    assert f1_score(Y_TRUE, Y_PRED, average="macro") == pytest.approx((4 / 5 + 1 / 2 + 2 / 3) / 3)


def test_binary_scores_the_positive_label():
    y_true = [0, 1, 1, 1, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 0]  # TP 2, FP 1, FN 1
    assert precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert recall(y_true, y_pred) == pytest.approx(2 / 3)
    assert f1_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert recall(y_true, y_pred, pos_label=0) == pytest.approx(2 / 3)
    assert precision([1, 0, 0], [1, 1, 1]) == pytest.approx(1 / 3)
    assert recall([1, 0, 0], [1, 1, 1]) == 1.0


def test_zero_division_gives_zero_without_a_warning(recwarn):
    assert precision([1, 1, 0], [0, 0, 0]) == 0.0  # nothing predicted positive
    assert recall([0, 0, 0], [1, 0, 0]) == 0.0  # no actual positives
    assert f1_score([0, 0], [0, 0]) == 0.0  # positive label nowhere
    # class 2 is never predicted: its precision is 0 and pulls the macro mean down
    np.testing.assert_allclose(precision([0, 1, 2], [0, 1, 1], average=None), [1, 0.5, 0])
    assert len(recwarn) == 0


def test_confusion_matrix_rows_are_true_labels():
    expected = [[2, 0, 0], [1, 1, 0], [0, 1, 1]]
    cm = confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED, num_classes=4)[:3, :3], expected)
    assert confusion_matrix(Y_TRUE, Y_PRED, num_classes=4)[3].sum() == 0


def test_confusion_matrix_labels_are_the_sorted_union():
    cm = confusion_matrix([7, 3, 3], [3, 3, 9])  # labels 3, 7, 9
    np.testing.assert_array_equal(cm, [[1, 0, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(confusion_matrix(["b", "a"], ["b", "b"]), [[0, 1], [0, 1]])


labels = st.integers(0, 4)


@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=40))
def test_metric_identities(pairs):
    y_true, y_pred = (np.array(v) for v in zip(*pairs))
    cm = confusion_matrix(y_true, y_pred)
    assert cm.sum() == len(y_true)
    assert accuracy(y_true, y_pred) == pytest.approx(np.trace(cm) / cm.sum())
    p = precision(y_true, y_pred, average=None)
    r = recall(y_true, y_pred, average=None)
    f = f1_score(y_true, y_pred, average=None)
    # F1 is the harmonic mean of P and R (0 where both are 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        harmonic = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    np.testing.assert_allclose(f, harmonic)
    actual = cm.sum(axis=1)
    np.testing.assert_allclose(r, np.where(actual > 0, np.diag(cm) / np.maximum(actual, 1), 0))
    assert f1_score(y_true, y_pred, average="macro") == pytest.approx(f.mean())
    # swapping truth and prediction swaps precision and recall and transposes the matrix
    np.testing.assert_allclose(precision(y_pred, y_true, average=None), r)
    np.testing.assert_array_equal(confusion_matrix(y_pred, y_true), cm.T)


@pytest.mark.parametrize("fn", [accuracy, precision, recall, f1_score, confusion_matrix])
def test_different_lengths_are_a_value_error_naming_both(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: .*different lengths \(3 and 2\)"):
        fn([0, 1, 1], [0, 1])


@pytest.mark.parametrize("fn", [accuracy, precision, recall, f1_score, confusion_matrix])
def test_empty_and_non_1d_inputs_are_value_errors(fn):
    with pytest.raises(ValueError, match=f"{fn.__name__}: y_true and y_pred are empty"):
        fn([], [])
    with pytest.raises(ValueError, match=rf"{fn.__name__}: y_true must be 1-D .*\(2, 2\)"):
        fn([[0, 1], [1, 0]], [0, 1])


def test_binary_average_on_multiclass_labels_is_a_value_error():
    with pytest.raises(ValueError, match="precision: average='binary' needs at most 2 distinct"):
        precision(Y_TRUE, Y_PRED)
    with pytest.raises(ValueError, match=r"recall: pos_label=1 is not one of the labels \[0, 2\]"):
        recall([0, 2], [2, 0])


def test_unknown_average_is_a_value_error():
    with pytest.raises(ValueError, match="f1_score: average must be 'binary', 'macro' or None"):
        f1_score([0, 1], [0, 1], average="micro")


def test_confusion_matrix_num_classes_errors():
    with pytest.raises(ValueError, match=r"confusion_matrix: y_pred has label 3 outside 0..2"):
        confusion_matrix([0, 1], [0, 3], num_classes=3)
    with pytest.raises(TypeError, match="confusion_matrix: num_classes must be an integer"):
        confusion_matrix([0, 1], [0, 1], num_classes=2.5)
