"""Data sets: the notes' synthetic 2-D problems (moons, circles, xor, spiral)."""

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
    "load_dataset",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
]
