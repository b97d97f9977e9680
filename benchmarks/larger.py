"""A larger network on MNIST, 784-512-256-10 ReLU, Adam (η = 1e-3), batch 128,
float32: seconds per epoch of ffnn, a minimal NumPy loop, scikit-learn and PyTorch.

Run: ``python benchmarks/larger.py [--epochs 3]`` (MNIST through $FFNN_DATA or the
user cache; without it the script prints a note and exits with status 0).
"""

from __future__ import annotations

import argparse

import _common
import _mlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=int,
        default=3,
        help="default 3: the median then drops the first, warm-up epoch",
    )
    args = parser.parse_args(argv)
    setup = _mlp.Setup(
        [784, 512, 256, 10], args.epochs, batch_size=128, learning_rate=1e-3
    )
    results = _mlp.run(
        f"MNIST 784-512-256-10 ReLU, Adam(1e-3), batch 128, float32, "
        f"epochs: {args.epochs}",
        setup,
    )

    targets = _common.Targets()
    if "torch" in results:
        fraction = results["ffnn"].seconds / results["torch"].seconds
        targets.check(
            "ffnn no slower than PyTorch (time per epoch ≤ 1.00 × PyTorch's)",
            f"{fraction:.2f}×",
            fraction <= 1.0,
        )
    else:
        targets.skip("ffnn no slower than PyTorch", "torch is not importable")
    targets.print()


if __name__ == "__main__":
    main()
