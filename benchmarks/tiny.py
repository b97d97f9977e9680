"""The notes' tiny networks: 2-3-2 and 2-10-2 tanh, full-batch gradient descent on
make_moons(200, noise=0.2), 2000 iterations. Microseconds per iteration of ffnn, a
minimal hand-written NumPy loop, scikit-learn and PyTorch (CPU, float64).

Run: ``python benchmarks/tiny.py [--rounds 10]``.

At this size every library pays for its calls, not for arithmetic: a step is a
few dozen operations on arrays of a few hundred numbers.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from statistics import median

import _common
import numpy as np

import ffnn

ITERATIONS = 2000
ETA = 0.01  # the notes' η for the summed loss over 200 samples
TARGETS = {  # contender: (what, required ffnn speed-up over it)
    "numpy": ("ffnn ≤ 0.8× the minimal NumPy loop's time", 1 / 0.8),
    "sklearn": ("ffnn ≥ 2.5× faster than scikit-learn", 2.5),
    "torch": ("ffnn ≥ 5× faster than PyTorch", 5.0),
}

Trial = Callable[[], tuple[float, float]]  # () -> (seconds, training accuracy)


def ffnn_trial(X: np.ndarray, y: np.ndarray, hidden: int) -> Trial:
    def trial():
        net = ffnn.Network.mlp([2, hidden, 2], activation="tanh", seed=0)
        seconds = _common.timed(
            lambda: ffnn.train(
                net,
                X,
                y,
                optimizer=ffnn.SGD(ETA),
                epochs=ITERATIONS,
                reduction="sum",
            )
        )
        return seconds, net.accuracy(X, y)

    return trial


def numpy_loop(X, y, W1, b1, W2, b2, eta: float, iterations: int) -> None:
    """The notes' loop, in place: full-batch gradient descent on the summed
    cross-entropy of a one-hidden-layer tanh network."""
    Y = np.eye(W2.shape[1])[y]  # one-hot targets, (n, k)
    for _ in range(iterations):
        A1 = np.tanh(X @ W1 + b1)  # (n, h)
        Z2 = A1 @ W2 + b2  # (n, k)
        Z2 -= Z2.max(axis=1, keepdims=True)  # softmax is shift-invariant
        P = np.exp(Z2)
        P /= P.sum(axis=1, keepdims=True)  # ŷ
        delta2 = P - Y  # ŷ − y: softmax and cross-entropy fused
        delta1 = (1.0 - A1 * A1) * (delta2 @ W2.T)  # (n, h)
        dW2 = A1.T @ delta2  # (h, n) @ (n, k)
        db2 = delta2.sum(axis=0)
        dW1 = X.T @ delta1  # (2, n) @ (n, h)
        db1 = delta1.sum(axis=0)
        W1 -= eta * dW1
        b1 -= eta * db1
        W2 -= eta * dW2
        b2 -= eta * db2


def numpy_trial(X: np.ndarray, y: np.ndarray, hidden: int) -> Trial:
    def trial():
        # ffnn's initial weights, so both compute the same numbers
        net = ffnn.Network.mlp([2, hidden, 2], activation="tanh", seed=0)
        W1, b1, W2, b2 = net.get_parameters()  # copies
        seconds = _common.timed(
            lambda: numpy_loop(X, y, W1, b1, W2, b2, ETA, ITERATIONS)
        )
        predicted = np.argmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)
        return seconds, float(np.mean(predicted == y))

    return trial


def sklearn_trial(X: np.ndarray, y: np.ndarray, hidden: int) -> Trial:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def trial():
        model = MLPClassifier(
            hidden_layer_sizes=(hidden,),
            activation="tanh",
            solver="sgd",
            batch_size=len(X),
            momentum=0.0,
            # scikit-learn averages the loss: η·n is the notes' step on the sum
            learning_rate_init=ETA * len(X),
            max_iter=ITERATIONS,
            tol=0.0,
            n_iter_no_change=ITERATIONS + 1,
            alpha=0.0,
            shuffle=False,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            seconds = _common.timed(lambda: model.fit(X, y))
        # time per iteration = fit time / n_iter_, so scale to ITERATIONS
        return seconds * ITERATIONS / model.n_iter_, float(model.score(X, y))

    return trial


def torch_trial(torch, X: np.ndarray, y: np.ndarray, hidden: int) -> Trial:
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def trial():
        net = ffnn.Network.mlp([2, hidden, 2], activation="tanh", seed=0)
        model = torch.nn.Sequential(
            torch.nn.Linear(2, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2)
        ).double()
        with torch.no_grad():  # ffnn's initial weights; Linear stores Wᵀ
            for linear, W, b in zip(model[::2], net.weights, net.biases, strict=True):
                linear.weight.copy_(torch.from_numpy(W.T))
                linear.bias.copy_(torch.from_numpy(b))
        loss_function = torch.nn.CrossEntropyLoss(reduction="sum")
        optimizer = torch.optim.SGD(model.parameters(), lr=ETA)

        def loop():
            for _ in range(ITERATIONS):
                optimizer.zero_grad()
                loss = loss_function(model(X_t), y_t)
                loss.backward()
                optimizer.step()

        seconds = _common.timed(loop)
        with torch.no_grad():
            predicted = model(X_t).argmax(dim=1).numpy()
        return seconds, float(np.mean(predicted == y))

    return trial


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=10, help="interleaved rounds (default 10)"
    )
    args = parser.parse_args(argv)

    print(
        f"## Tiny networks: make_moons(200, noise=0.2), full-batch gradient "
        f"descent, {ITERATIONS} iterations, float64\n"
    )
    print(_common.describe_machine())
    sklearn = _common.optional_import("sklearn")
    torch = _common.optional_import("torch")
    if torch is not None:
        _common.set_torch_threads(torch)
        print(_common.TORCH_THREADS)
    X, y = _common.moons()

    rows, targets = [], _common.Targets()
    for hidden in (3, 10):
        trials = {
            "ffnn": ffnn_trial(X, y, hidden),
            "numpy": numpy_trial(X, y, hidden),
        }
        if sklearn is not None:
            trials["sklearn"] = sklearn_trial(X, y, hidden)
        if torch is not None:
            trials["torch"] = torch_trial(torch, X, y, hidden)
        results = _common.interleaved(trials, args.rounds)
        best = {
            name: min(seconds for seconds, _ in runs) / ITERATIONS * 1e6
            for name, runs in results.items()
        }
        network = f"2-{hidden}-2"
        for name, runs in results.items():
            rows.append(
                [
                    network,
                    name,
                    f"{best[name]:.1f}",
                    f"{median(s for s, _ in runs) / ITERATIONS * 1e6:.1f}",
                    _common.ratio(best[name] / best["numpy"]),
                    _common.ratio(best[name] / best["ffnn"]),
                    f"{100 * runs[-1][1]:.1f}",
                ]
            )
        for name, (what, required) in TARGETS.items():
            if name not in best:
                targets.skip(f"{network}: {what}", f"{name} is not importable")
                continue
            speedup = best[name] / best["ffnn"]
            measured = (
                f"{best['ffnn'] / best[name]:.2f}× its time"
                if name == "numpy"
                else f"{speedup:.2f}× faster"
            )
            targets.check(f"{network}: {what}", measured, speedup >= required)

    print()
    print(
        _common.markdown_table(
            [
                "network",
                "contender",
                f"µs/iteration (best of {args.rounds})",
                "median",
                "× minimal NumPy",
                "speed-up of ffnn over it",
                "train accuracy %",
            ],
            rows,
        )
    )
    notes = {
        "all": f"{args.rounds} rounds, contenders interleaved (starting contender "
        f"rotated each round); µs/iteration = seconds of the {ITERATIONS}-iteration "
        f"run / {ITERATIONS}, best of the rounds; ratios are of the bests. Set-up "
        "is not timed.",
        "ffnn": f"ffnn: `ffnn.train(net, X, y, optimizer=ffnn.SGD({ETA}), "
        f'epochs={ITERATIONS}, reduction="sum")`, which also records the loss of '
        "every epoch.",
        "numpy": "numpy: the notes' loop (forward, softmax with the row maximum "
        "subtracted, delta, backward, 4 in-place updates), no loss recorded; it "
        "starts from ffnn's initial weights, as does torch.",
        "sklearn": "sklearn: `MLPClassifier(solver='sgd', batch_size=200, "
        f"momentum=0, learning_rate_init={ETA * len(X):.1f}, …)`; time = fit time / "
        "n_iter_ (input checks included). For two classes it has one logistic "
        "output unit (2-h-1), slightly less work than a 2-unit softmax.",
        "torch": "torch: float64 `nn.Sequential(Linear, Tanh, Linear)`, "
        f"`CrossEntropyLoss(reduction='sum')`, `torch.optim.SGD(lr={ETA})`; "
        "zero_grad, forward, backward, step.",
    }
    shown = [key for key in notes if key == "all" or key in results]
    print("\n" + "\n".join(f"- {notes[key]}" for key in shown))
    targets.print()


if __name__ == "__main__":
    main()
