"""Training engines: the two ways :func:`ffnn.train` can run a network's passes.

``"layers"`` (:class:`~ffnn.engines.layers.LayerEngine`) runs the network's own
layer objects, to step through beside the notes; ``"fast"``
(:class:`~ffnn.engines.fast.FastEngine`) runs the same equations on buffers sized
once, with the bias folded into the weights; ``"auto"`` (the default) takes the
fast engine where it supports the stack. Both implement
:class:`~ffnn.engines.base.Engine`, and a test shows they train to the same
weights.
"""

from __future__ import annotations

import numpy as np

from ffnn._validation import canonical_name, lookup
from ffnn.engines.base import BatchOrder, Engine
from ffnn.engines.fast import FastEngine, check_supported, supports
from ffnn.engines.layers import LayerEngine
from ffnn.network import Network

ENGINES: dict[str, type] = {"layers": LayerEngine, "fast": FastEngine}
#: the values ``train(engine=...)`` accepts
ENGINE_CHOICES = ("auto", *ENGINES)


def check_engine(name: str, net: Network | None = None) -> str:
    """``name`` after checking it is one of :data:`ENGINE_CHOICES` and, given
    ``net``, that the engine it names can train it."""
    lookup(dict.fromkeys(ENGINE_CHOICES), name, "engine")
    name = canonical_name(name)
    if name == "fast" and net is not None:
        check_supported(net)
    return name


def make_engine(
    name: str,
    net: Network,
    X: np.ndarray,
    targets: np.ndarray,
    batch_size: int,
    shuffle: bool,
    reduction: str,
    alpha: float,
    l1: float,
    *,
    sample_weight: np.ndarray | None = None,
    penalty_scale: str = "training_set",
) -> Engine:
    """The engine ``name`` ('auto', 'layers' or 'fast') for this training run;
    'auto' is 'fast' where :func:`~ffnn.engines.fast.supports` the network."""
    engine_class = lookup({**ENGINES, "auto": None}, name, "engine")
    if engine_class is None:
        engine_class = FastEngine if supports(net) else LayerEngine
    return engine_class(
        net, X, targets, batch_size, shuffle, reduction, alpha, l1,
        sample_weight=sample_weight, penalty_scale=penalty_scale,
    )  # fmt: skip


__all__ = [
    "ENGINES",
    "ENGINE_CHOICES",
    "BatchOrder",
    "Engine",
    "FastEngine",
    "LayerEngine",
    "check_engine",
    "make_engine",
    "supports",
]
