"""``ffnn predict``: predictions of a trained model, printed and written; bad rows
refused (the table of bad inputs is in test_errors.py)."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.cli import main


def test_predict_prints_and_writes_predictions(run_dir, tmp_path, capsys):
    X, _ = ffnn.datasets.make_moons(20, noise=0.2, seed=3)
    csv = tmp_path / "input.csv"
    csv.write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in X) + "\n")
    assert main(["predict", str(run_dir / "model.npz"), str(csv)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    net = ffnn.load(run_dir / "model.npz")
    assert printed[0] == "prediction"
    assert [int(v) for v in printed[1:]] == net.predict(X).tolist()

    out = tmp_path / "pred.csv"
    assert (
        main(
            ["predict", str(run_dir / "model.npz"), str(csv), "--proba", "-o", str(out)]
        )
        == 0
    )
    rows = out.read_text().strip().splitlines()
    assert rows[0] == "prediction,p_0,p_1"
    probabilities = np.array(
        [[float(v) for v in row.split(",")[1:]] for row in rows[1:]]
    )
    np.testing.assert_allclose(probabilities, net.predict_proba(X), atol=1e-6)


def test_predict_rejects_rows_of_the_wrong_width(run_dir, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("1,2,3\n")
    assert main(["predict", str(run_dir / "model.npz"), str(csv)]) == 2
    assert "expects 2" in capsys.readouterr().err


def write_csv(path, X) -> None:
    path.write_text("\n".join(",".join(str(v) for v in row) for row in X) + "\n")


def test_predict_gives_a_regressors_values(regression_run, tmp_path, capsys):
    out, _ = regression_run
    X, _ = ffnn.datasets.make_friedman1(15, seed=7)
    csv = tmp_path / "input.csv"
    write_csv(csv, X)
    assert main(["predict", str(out / "model.npz"), str(csv)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0] == "prediction"
    net = ffnn.load(out / "model.npz")
    values = np.array([float(v) for v in printed[1:]])
    np.testing.assert_allclose(values, net.predict(X)[:, 0], rtol=1e-8)


def test_predict_gives_one_column_per_output(tmp_path, capsys):
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    net.save(tmp_path / "model.npz")
    X = np.random.default_rng(0).normal(size=(5, 3))
    write_csv(tmp_path / "input.csv", X)
    output = tmp_path / "pred.csv"
    args = ["predict", str(tmp_path / "model.npz"), str(tmp_path / "input.csv")]
    assert main([*args, "-o", str(output)]) == 0
    assert "wrote 5 predictions" in capsys.readouterr().out
    rows = output.read_text().strip().splitlines()
    assert rows[0] == "prediction_1,prediction_2"
    values = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])
    np.testing.assert_allclose(values, net.predict(X), rtol=1e-8)


def test_proba_of_a_regressor_is_refused_in_one_line(regression_run, tmp_path, capsys):
    out, _ = regression_run
    csv = tmp_path / "input.csv"
    write_csv(csv, np.zeros((2, 10)))
    assert main(["predict", str(out / "model.npz"), str(csv), "--proba"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip()
    assert "\n" not in error and "--proba gives class probabilities" in error


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predict_reads_a_saved_estimator(tmp_path, capsys):
    """A fitted estimator's .save file predicts its own labels and probabilities,
    as the estimator does; a regressor's its values."""
    X, y = ffnn.datasets.make_moons(60, seed=0)
    labels = np.where(y == 1, "upper", "lower")
    classifier = ffnn.FeedforwardClassifier((8,), max_iter=30, random_state=0)
    classifier.fit(X, labels).save(tmp_path / "classifier.npz")
    regressor = ffnn.FeedforwardRegressor(hidden_layer_sizes=(8,), max_iter=30)
    regressor.set_params(random_state=0).fit(X, X[:, 0] * 2.0)
    regressor.save(tmp_path / "regressor.npz")
    write_csv(tmp_path / "input.csv", X[:7])
    for name in ("classifier", "regressor"):
        output = tmp_path / f"{name}.csv"
        args = ["predict", str(tmp_path / f"{name}.npz"), str(tmp_path / "input.csv")]
        proba = ["--proba"] if name == "classifier" else []
        assert main([*args, *proba, "-o", str(output)]) == 0
        rows = [row.split(",") for row in output.read_text().strip().splitlines()]
        if name == "classifier":
            assert rows[0] == ["prediction", "p_lower", "p_upper"]
            assert [row[0] for row in rows[1:]] == list(classifier.predict(X[:7]))
            probabilities = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
            np.testing.assert_allclose(
                probabilities, classifier.predict_proba(X[:7]), atol=1e-6
            )
        else:
            assert rows[0] == ["prediction"]
            values = np.array([float(row[0]) for row in rows[1:]])
            np.testing.assert_allclose(values, regressor.predict(X[:7]), rtol=1e-8)
    capsys.readouterr()


def test_a_malformed_first_row_is_not_taken_for_a_header(run_dir, tmp_path, capsys):
    """Only a first line without any number is a header: rows are never
    dropped."""
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    net = ffnn.load(run_dir / "model.npz")
    expected = [str(v) for v in net.predict(X)]
    for text in [
        "0.1,0.2\n0.3,-0.4\n",  # no header
        "x1,x2\n0.1,0.2\n0.3,-0.4\n",  # column names
        '"a","b"\n\n0.1,0.2\n0.3,-0.4\n',  # quoted names, a blank line
        "\ufeffx1,x2\n0.1,0.2\n0.3,-0.4\n",  # a spreadsheet's byte-order mark
    ]:
        csv = tmp_path / "in.csv"
        csv.write_text(text, encoding="utf-8")
        assert main(["predict", str(run_dir / "model.npz"), str(csv)]) == 0
        printed = capsys.readouterr().out.split()
        assert printed == ["prediction", *expected]
    csv.write_text("x1,0.2\n0.3,-0.4\n")  # a number in it: a row, malformed
    assert main(["predict", str(run_dir / "model.npz"), str(csv)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 1: 'x1' is not a number" in err


def test_inputs_that_overflow_the_network_are_refused(tmp_path, capsys):
    """Values near 1e308 overflow a ReLU network's sums to inf − inf = NaN:
    refused in one line naming the input line, nothing written."""
    model = tmp_path / "relu.npz"
    ffnn.Network.mlp([2, 8, 2], activation="relu", seed=0).save(model)
    csv = tmp_path / "big.csv"
    csv.write_text("x1,x2\n0.5,0.5\n1.7e308,-1.7e308\n0,1\n")
    output = tmp_path / "p.csv"
    args = ["predict", model, csv, "--proba", "-o", output]
    status, err = main([str(a) for a in args]), capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "overflow" in err and "line(s) 3" in err and "1.7e+308" in err
    assert not output.exists()
