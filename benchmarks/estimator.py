"""ffnn's scikit-learn estimators against scikit-learn's own MLP: seconds per fit
of ``FeedforwardClassifier`` vs ``MLPClassifier`` on digits and
``FeedforwardRegressor`` vs ``MLPRegressor`` on make_friedman1, for each solver,
at equal settings.

Run: ``python benchmarks/estimator.py [--rounds 8]``.

Both libraries get the same parameters (hidden (64,), ReLU, alpha 1e-4,
batch_size 'auto' = 200, the solver's defaults) and run a fixed number of
iterations: ``tol=0`` with ``n_iter_no_change`` above ``max_iter`` keeps either
from stopping early, so both do the same work. The fits are interleaved (the
first contender rotated each round) and the best round of each is reported, with
seconds per iteration beside it (for L-BFGS an iteration may evaluate the loss
more than once, so per-iteration times are compared as measured).
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import _common
import numpy as np

import ffnn

#: (data set, solver, iterations): adam and sgd epochs, L-BFGS iterations
CASES = (
    ("digits", "adam", 50),
    ("digits", "sgd", 50),
    ("digits", "lbfgs", 100),
    ("friedman1", "adam", 50),
    ("friedman1", "sgd", 50),
    ("friedman1", "lbfgs", 100),
)


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Standardised inputs (and a standardised target for the regression set)."""
    from sklearn.datasets import load_digits, make_friedman1
    from sklearn.preprocessing import StandardScaler

    if name == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_friedman1(2000, noise=1.0, random_state=0)
        y = (y - y.mean()) / y.std()
    return StandardScaler().fit_transform(X), y


def settings(solver: str, iterations: int) -> dict[str, object]:
    return {
        "hidden_layer_sizes": (64,),
        "activation": "relu",
        "solver": solver,
        "alpha": 1e-4,
        "max_iter": iterations,
        "tol": 0.0,
        "n_iter_no_change": iterations + 1,
        "random_state": 0,
    }


def fit_trial(
    make: Callable[[], object], X: np.ndarray, y: np.ndarray
) -> Callable[[], tuple[float, int]]:
    """A trial: build the estimator, time its fit, return (seconds, n_iter_)."""

    def trial() -> tuple[float, int]:
        estimator = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter is reached on purpose
            seconds = _common.timed(lambda: estimator.fit(X, y))
        return seconds, estimator.n_iter_

    return trial


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="default 8")
    args = parser.parse_args(argv)
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    print("## ffnn's estimators against scikit-learn's MLP (fit time, best round)\n")
    print(_common.describe_machine() + "\n")
    rows, targets = [], _common.Targets()
    for dataset, solver, iterations in CASES:
        X, y = load(dataset)
        params = settings(solver, iterations)
        if dataset == "digits":
            ours, theirs = ffnn.FeedforwardClassifier, MLPClassifier
        else:
            ours, theirs = ffnn.FeedforwardRegressor, MLPRegressor
        results = _common.interleaved(
            {
                "ffnn": fit_trial(lambda c=ours, p=params: c(**p), X, y),
                "sklearn": fit_trial(lambda c=theirs, p=params: c(**p), X, y),
            },
            args.rounds,
        )
        best = {name: min(runs) for name, runs in results.items()}
        per_iteration = {name: s / max(n, 1) for name, (s, n) in best.items()}
        speed_up = per_iteration["sklearn"] / per_iteration["ffnn"]
        rows.append(
            [
                f"{ours.__name__} vs {theirs.__name__}, {dataset} {X.shape}",
                solver,
                f"{best['ffnn'][1]} / {best['sklearn'][1]}",
                f"{best['ffnn'][0]:.3f}",
                f"{best['sklearn'][0]:.3f}",
                f"{per_iteration['ffnn'] * 1e3:.2f}",
                f"{per_iteration['sklearn'] * 1e3:.2f}",
                _common.ratio(speed_up),
            ]
        )
        need = 1.0 if solver == "lbfgs" else 2.0
        targets.check(
            f"{dataset} {solver}: ffnn at least {need:g}× as fast per iteration",
            _common.ratio(speed_up),
            speed_up >= need,
        )
    print(
        _common.markdown_table(
            [
                "estimators, data",
                "solver",
                "iterations ffnn / sklearn",
                "ffnn s",
                "sklearn s",
                "ffnn ms/iter",
                "sklearn ms/iter",
                "speed-up",
            ],
            rows,
        )
    )
    targets.print()


if __name__ == "__main__":
    main()
