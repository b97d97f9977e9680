"""Tests of ffnn.playground.data: every data set in [-6, 6]², the split, the
features, and the parsing of an uploaded CSV (classes, values, header, bad rows
refused)."""

import numpy as np
import pytest

from ffnn.datasets import make_moons, make_spiral
from ffnn.playground.data import (
    DATASETS,
    EXTENT,
    FEATURES,
    MAX_CSV_BYTES,
    fit_square,
    generate,
    make_data,
    parse_csv,
    split,
    transform,
)

#: every data set, blobs with each number of classes
CASES = [
    *[(name, 2) for name in DATASETS if name != "blobs"],
    *[("blobs", k) for k in range(2, 6)],
]


@pytest.mark.parametrize(("dataset", "classes"), CASES)
def test_every_data_set_lies_in_the_square(dataset, classes):
    points = generate(dataset, 300, 0.2, seed=1, classes=classes)
    assert points.X.shape == (300, 2) and points.y.shape == (300,)
    assert np.all(np.abs(points.X) <= EXTENT)
    if dataset == "regression":
        assert points.classes == 0 and points.kind == "regression"
        assert points.y.dtype == np.float64 and np.isfinite(points.y).all()
    else:
        # generated sets fill the square along their longer side
        assert np.isclose(np.abs(points.X).max(), EXTENT)
        assert points.kind == "classification"
        assert points.classes == (classes if dataset == "blobs" else 2)
        assert set(points.y.tolist()) == set(range(points.classes))


@pytest.mark.parametrize(("dataset", "classes"), CASES)
def test_the_seed_decides_the_points(dataset, classes):
    first = generate(dataset, 100, 0.3, seed=5, classes=classes)
    again = generate(dataset, 100, 0.3, seed=5, classes=classes)
    other = generate(dataset, 100, 0.3, seed=6, classes=classes)
    assert np.array_equal(first.X, again.X) and np.array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)


def test_generated_sets_are_ffnns_own_scaled():
    X, y = make_moons(200, noise=0.1, seed=2)
    points = generate("moons", 200, 0.1, seed=2)
    assert np.array_equal(points.X, fit_square(X)) and np.array_equal(points.y, y)
    X, y = make_spiral(200, noise=0.1, seed=2, n_classes=2)  # two arms
    assert np.array_equal(generate("spiral", 200, 0.1, seed=2).X, fit_square(X))


def test_fit_square_keeps_the_shape():
    X = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 0.5]])
    scaled = fit_square(X)
    # centred on the box's middle (2, 0.5), one factor 6/2 on both axes
    assert np.allclose(scaled, [[-6.0, -1.5], [0.0, 1.5], [6.0, 0.0]])


def test_the_regression_surface():
    points = generate("regression", 400, 0.0, seed=0)
    X = points.X
    assert np.allclose(points.y, np.sin(X[:, 0]) * np.cos(X[:, 1]))
    noisy = generate("regression", 400, 0.5, seed=0)
    assert np.array_equal(noisy.X, X)
    assert 0.3 < np.std(noisy.y - points.y) < 0.7


def test_unknown_data_set():
    with pytest.raises(ValueError, match="unknown dataset 'iris'"):
        generate("iris", 10, 0.1, 0)


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
def test_split_holds_out_the_rest(ratio):
    points = generate("blobs", 101, 0.2, seed=3, classes=4)
    data = split(points, ratio, seed=3)
    assert len(data.y_train) == round(ratio * 101)
    assert len(data.y_train) + len(data.y_test) == 101
    rows = {tuple(x) for x in np.vstack([data.X_train, data.X_test])}
    assert rows == {tuple(x) for x in points.X}
    assert data.classes == 4 and data.kind == "classification"


def test_split_leaves_a_point_on_each_side():
    points = generate("moons", 10, 0.2, seed=0)
    assert len(split(points, 0.01, seed=0).y_train) == 1
    assert len(split(points, 0.99, seed=0).y_test) == 1


def test_make_data_is_generate_then_split():
    data = make_data("xor", 60, 0.1, 0.5, seed=4)
    expected = split(generate("xor", 60, 0.1, 4), 0.5, 4)
    assert np.array_equal(data.X_train, expected.X_train)
    assert np.array_equal(data.y_test, expected.y_test)
    assert data.y_range == (0.0, 1.0)


def test_features():
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    x1, x2 = X[:, 0], X[:, 1]
    expected = {
        "x1": x1,
        "x2": x2,
        "x1^2": x1**2,
        "x2^2": x2**2,
        "x1*x2": x1 * x2,
        "sin(x1)": np.sin(x1),
        "sin(x2)": np.sin(x2),
    }
    assert list(FEATURES) == list(expected)
    for name, column in expected.items():
        assert np.array_equal(transform(X, [name])[:, 0], column), name
    every = transform(X, list(FEATURES))
    assert every.shape == (2, 7)
    assert np.array_equal(every, np.column_stack(list(expected.values())))
    assert np.array_equal(transform(X, ["x2", "x1"]), X[:, ::-1])  # the order given


def test_features_refused():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        transform(X, ["x1", "x3"])
    with pytest.raises(ValueError, match="at least one"):
        transform(X, [])


# ---------------------------------------------------------------------- upload
def csv_text(rows, header="x1,x2,label"):
    lines = [header] if header else []
    lines += [",".join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def test_upload_of_classes_with_a_header():
    rows = [(i, 2 * i, i % 3) for i in range(12)]
    points = parse_csv(csv_text(rows))
    assert points.kind == "classification" and points.classes == 3
    assert points.y.tolist() == [i % 3 for i in range(12)]
    assert points.y.dtype == np.int64
    # scaled into the square: x1 spans 0..11, x2 0..22 (the longer side)
    assert np.allclose(points.X[:, 1], np.linspace(-6, 6, 12))
    assert np.allclose(points.X[:, 0], np.linspace(-3, 3, 12))


def test_upload_without_a_header_and_with_blank_lines():
    rows = [(i, -i, i % 2) for i in range(10)]
    text = "\n" + csv_text(rows, header=None).replace("\n", "\n\n", 3)
    points = parse_csv(text)
    assert points.classes == 2 and len(points.y) == 10


def test_upload_of_values_is_a_regression():
    rows = [(i, i * i, 0.5 * i) for i in range(10)]
    points = parse_csv(csv_text(rows))
    assert points.kind == "regression" and points.classes == 0
    assert np.array_equal(points.y, 0.5 * np.arange(10))


def test_one_real_label_makes_every_label_a_value():
    rows = [(i, i, i % 2) for i in range(10)]
    rows[4] = (4, 4, "1.0")  # written as a real value
    points = parse_csv(csv_text(rows))
    assert points.kind == "regression" and points.y[4] == 1.0


def test_quoted_fields_and_spaces():
    rows = [(f'"{i}"', f" {i * 2} ", f" {i % 2}") for i in range(10)]
    points = parse_csv(csv_text(rows))
    assert points.classes == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (csv_text([(1, 2)] * 10), "row 2: expected 3 values"),
        (csv_text([(1, 2, 0, 4)] * 10), "row 2: expected 3 values"),
        (csv_text([(i, "abc" if i == 5 else i, i % 2) for i in range(10)]), "row 7"),
        (csv_text([(i, i, "x" if i == 3 else i % 2) for i in range(10)]), "row 5"),
        (csv_text([(i, "nan" if i == 2 else i, i % 2) for i in range(10)]), "row 4"),
        (csv_text([(i, i, "inf" if i == 2 else i % 2) for i in range(10)]), "row 4"),
        (csv_text([(i, i, 7 if i == 2 else i % 2) for i in range(10)]), "0..4"),
        (csv_text([(i, i, -1 if i == 2 else i % 2) for i in range(10)]), "0..4"),
        (csv_text([(i, i, 1) for i in range(10)]), "one class"),
        (csv_text([(i, i, i % 2) for i in range(9)]), "9 data rows"),
        (csv_text([(i, i, i % 2) for i in range(2001)]), "more than 2000"),
        ("x1,x2,label\n", "0 data rows"),
        ("", "0 data rows"),
        (csv_text([(i, i, i % 2) for i in range(10)], header="a,b,c\nd,e,f"), "row 2"),
    ],
    ids=[
        "two-columns", "four-columns", "bad-x2", "bad-label", "nan", "inf",
        "class-7", "class-minus-1", "one-class", "too-few", "too-many",
        "header-only", "empty", "two-headers",
    ],
)  # fmt: skip
def test_bad_uploads_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_csv(text)


def test_upload_size_limit():
    row = "1.000000000,2.000000000,0\n"
    text = row * (MAX_CSV_BYTES // len(row) + 1)
    with pytest.raises(ValueError, match="bytes; the limit is 204,800"):
        parse_csv(text)


def test_upload_must_be_text():
    with pytest.raises(TypeError, match="csv must be text"):
        parse_csv(b"1,2,0")
