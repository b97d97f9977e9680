"""Data sets: the notes' synthetic 2-D problems (moons, circles, xor, spiral),
Friedman's first regression problem, scikit-learn's 8 × 8 digits and MNIST."""

from ffnn.datasets.digits import load_digits
from ffnn.datasets.idx import read_idx
from ffnn.datasets.mnist import load_mnist
from ffnn.datasets.regression import REGRESSION_DATASETS, make_friedman1
from ffnn.datasets.synthetic import (
    DATASETS,
    load_dataset,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
)

__all__ = [
    "DATASETS",
    "REGRESSION_DATASETS",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "make_circles",
    "make_friedman1",
    "make_moons",
    "make_spiral",
    "make_xor",
    "read_idx",
]
