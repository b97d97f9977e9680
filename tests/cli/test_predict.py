"""``ffnn predict``: predictions of a trained model, printed and written; bad rows
refused."""

from __future__ import annotations

import numpy as np

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
