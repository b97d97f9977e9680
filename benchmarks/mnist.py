"""MNIST 784-100-10 ReLU, Adam (η = 1e-3), batch 128, float32: seconds per epoch,
test accuracy, peak memory and achieved GFLOP/s of ffnn, a minimal NumPy loop,
scikit-learn and PyTorch.

Run: ``python benchmarks/mnist.py [--epochs 10]`` (MNIST through $FFNN_DATA or the
user cache; without it the script prints a note and exits with status 0).
"""

from __future__ import annotations

import argparse

import _common
import _mlp

#: how far ffnn's test accuracy may fall below a peer's before the target fails:
#: about twice the spread between seeds after 10 epochs
ACCURACY_NOISE = 0.005


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="default 10")
    args = parser.parse_args(argv)
    setup = _mlp.Setup([784, 100, 10], args.epochs, batch_size=128, learning_rate=1e-3)
    results = _mlp.run(
        f"MNIST 784-100-10 ReLU, Adam(1e-3), batch 128, float32, epochs: {args.epochs}",
        setup,
    )

    ffnn = results["ffnn"]
    targets = _common.Targets()
    if "torch" in results:
        fraction = ffnn.seconds / results["torch"].seconds
        targets.check(
            "ffnn's time per epoch ≤ 0.75 × PyTorch's",
            f"{fraction:.2f}×",
            fraction <= 0.75,
        )
    else:
        targets.skip("ffnn ≤ 0.75 × PyTorch's time", "torch is not importable")
    if "sklearn" in results:
        speedup = results["sklearn"].seconds / ffnn.seconds
        targets.check(
            "ffnn ≥ 2× faster than scikit-learn", f"{speedup:.2f}×", speedup >= 2.0
        )
    else:
        targets.skip("ffnn ≥ 2× faster than scikit-learn", "sklearn is not importable")
    for peer in results.values():
        if peer.name.startswith("ffnn"):
            continue
        targets.check(
            f"ffnn's test accuracy ≥ {peer.name}'s − {100 * ACCURACY_NOISE:.1f} points",
            f"{100 * ffnn.accuracy:.2f} % vs {100 * peer.accuracy:.2f} %",
            ffnn.accuracy >= peer.accuracy - ACCURACY_NOISE,
        )
    targets.print()


if __name__ == "__main__":
    main()
