"""The network: an ordered list of layers, then its output and loss: softmax with
cross-entropy (classification, the notes') or identity with squared error
(regression), see :mod:`ffnn.losses`.

For the notes' one-hidden-layer network, :meth:`Network.forward` computes::

    Z1 = X W1 + b1,   A1 = tanh(Z1),   Z2 = A1 W2 + b2,   ŷ = softmax(Z2)

and :meth:`Network.backward` runs the layers in reverse from ``delta2 = ŷ − y``::

    delta1 = (1 − A1²) ⊙ delta2 W2ᵀ
    dW2 = A1ᵀ delta2,  db2 = Σ_rows delta2,  dW1 = Xᵀ delta1,  db1 = Σ_rows delta1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from os import PathLike
from typing import Any

import numpy as np

from ffnn._validation import (
    as_array,
    canonical_name,
    check_dtype,
    check_fraction,
    check_int,
    check_seed,
    check_X,
    check_y,
)
from ffnn.activations import get_activation
from ffnn.labels import encode_labels
from ffnn.layers import Dense, Dropout, Layer
from ffnn.losses import OutputLoss, check_finite_outputs, get_output
from ffnn.metrics import r2_score


class Network:
    """A feedforward network: ``layers`` applied in order, the last giving ``Z_L``.

    Parameters
    ----------
    layers : sequence of Layer
        For example ``[Dense(2, 3), Tanh(), Dense(3, 2)]``. The network's output
        ``ŷ`` is applied by the loss, not by a layer.
    seed : int, optional
        Seed of the generator dropout uses when no other is passed to
        :meth:`forward`.
    output : {'softmax', 'identity'}
        'softmax' (the notes'): ``ŷ = softmax(Z_L)`` with cross-entropy, a
        classifier of at least 2 classes. 'identity': ``ŷ = Z_L`` with squared
        error ``½ ‖ŷ − y‖²``, a regressor of ``n_outputs`` values.

    Notes
    -----
    :meth:`predict`, :meth:`predict_proba`, :meth:`loss` and :meth:`score`
    raise :class:`~ffnn.losses.NonFiniteOutputError` (a FloatingPointError and
    a ValueError) naming the input rows whose outputs ``Z_L`` overflowed to
    ±inf or NaN, rather than return NaN probabilities or a label picked by an
    overflow. Finite outputs, however large, give finite probabilities.

    Attributes
    ----------
    classes : ndarray of shape (n_outputs,) or None
        Class label of each output unit of a softmax network; set by
        :func:`ffnn.train`. While None, :meth:`predict` returns output indices.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        seed: int | None = None,
        output: str = "softmax",
    ) -> None:
        if isinstance(layers, Layer) or not isinstance(layers, Iterable):
            raise TypeError(
                f"layers must be a list of ffnn Layers, got {type(layers).__name__}"
            )
        layers = list(layers)
        if not layers:
            raise ValueError("a Network needs at least one layer")
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {index} is {type(layer).__name__}, not an ffnn Layer"
                )
        dense = [layer for layer in layers if isinstance(layer, Dense)]
        if not dense:
            raise ValueError("a Network needs at least one Dense layer")
        if len({layer.block.dtype for layer in dense}) > 1:
            raise ValueError("all Dense layers of a Network must share one dtype")
        width = dense[0].n_in
        for layer in layers:
            width = layer.output_size(width)
        self.layers = layers
        get_output(output)  # an unknown name fails here, naming the valid ones
        self.output = canonical_name(output)
        if self.output == "softmax" and width < 2:
            raise ValueError(
                f"a softmax output needs at least 2 units, one per class; this "
                f"network has {width} (for one real value use output='identity')"
            )
        self._pack()
        self.classes: np.ndarray | None = None
        self.rng = np.random.default_rng(check_seed(seed))
        self._n_outputs = width

    @classmethod
    def mlp(
        cls,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "tanh",
        init: str = "lecun_normal",
        dropout: float | Sequence[float] = 0.0,
        seed: int | None = None,
        dtype: Any = "float64",
        output: str = "softmax",
    ) -> Network:
        """A multilayer perceptron ``sizes[0] → sizes[1] → … → sizes[-1]``.

        Parameters
        ----------
        sizes : sequence of int
            Input features, hidden widths, outputs (classes, at least 2, or
            values to regress): ``[2, 3, 2]`` is the notes' network.
        activation : str or sequence of str
            One name for every hidden layer, or one per hidden layer.
        init : str
            Weight initialiser ('lecun_normal' = the notes' ``N(0, 1/√n_in)``).
        dropout : float or sequence of float
            Dropout rate after each hidden activation (0 = none).
        seed : int >= 0, optional
            Seed for the initial weights and for dropout.
        dtype : str
            'float64' (default) or 'float32'.
        output : {'softmax', 'identity'}
            Classify (softmax with cross-entropy) or regress (identity with
            squared error); see :class:`Network`.
        """
        if isinstance(sizes, str) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(
                f"sizes must be a list of layer sizes such as [2, 3, 2], got {sizes!r}"
            )
        sizes = [
            check_int(size, f"layer size sizes[{index}]")
            for index, size in enumerate(sizes)
        ]
        if len(sizes) < 2:
            raise ValueError(
                f"sizes needs at least input and output sizes, got {sizes}"
            )
        n_hidden = len(sizes) - 2
        activations = _per_hidden_layer(
            activation, n_hidden, "activation", _activation_name
        )
        rates = _per_hidden_layer(
            dropout, n_hidden, "dropout", lambda rate: check_fraction(rate, "dropout")
        )
        dtype = check_dtype(dtype)
        seed = check_seed(seed)
        rng = np.random.default_rng(seed)
        layers: list[Layer] = []
        for index, (n_in, n_out) in enumerate(pairwise(sizes)):
            layers.append(Dense(n_in, n_out, init=init, rng=rng, dtype=dtype))
            if index < n_hidden:
                layers.append(get_activation(activations[index]))
                if rates[index] > 0:
                    layers.append(Dropout(rates[index]))
        return cls(layers, seed=None if seed is None else seed + 1, output=output)

    # ----------------------------------------------------------------- parameters
    def _pack(self) -> None:
        """Move every Dense layer's ``[W; b]`` block into one flat vector (and its
        gradients into another), so that an optimizer step is one update."""
        dense = self.dense_layers
        total = sum(layer.block.size for layer in dense)
        dtype = dense[0].block.dtype
        self.flat_parameters = np.empty(total, dtype=dtype)
        self.flat_gradients = np.zeros(total, dtype=dtype)
        offset = 0
        for layer in dense:
            size, shape = layer.block.size, layer.block.shape
            layer.bind(
                self.flat_parameters[offset : offset + size].reshape(shape),
                self.flat_gradients[offset : offset + size].reshape(shape),
            )
            offset += size

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a deep copy or an unpickled network gives each layer's [W; b] block an
        # array of its own: bind the blocks to flat vectors again, or the optimizer
        # would update a vector the layers no longer read. A shallow copy shares
        # the layers and their flat vectors, and stays as it is.
        self.__dict__.update(state)
        self.__dict__.setdefault("output", "softmax")  # pickled before regression
        if not all(
            np.shares_memory(layer.block, self.flat_parameters)
            for layer in self.dense_layers
        ):
            self._pack()

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def weights(self) -> list[np.ndarray]:
        """The live weight matrices ``W`` (n_in, n_out), one per Dense layer."""
        return [layer.W for layer in self.dense_layers]

    @weights.setter
    def weights(self, values: Sequence[np.ndarray]) -> None:
        _assign(self.weights, values, "weights")

    @property
    def biases(self) -> list[np.ndarray]:
        """The live bias vectors ``b`` (n_out,), one per Dense layer."""
        return [layer.b for layer in self.dense_layers]

    @biases.setter
    def biases(self, values: Sequence[np.ndarray]) -> None:
        _assign(self.biases, values, "biases")

    def parameters(self) -> list[np.ndarray]:
        """Every live parameter array, layer by layer: ``[W1, b1, W2, b2, …]``."""
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        """The gradient arrays, in the order of :meth:`parameters`."""
        return [g for layer in self.layers for g in layer.gradients()]

    def parameter_names(self) -> list[str]:
        """Names ``W1, b1, W2, b2, …`` in the order of :meth:`parameters`."""
        return [
            f"{name}{i}"
            for i in range(1, len(self.dense_layers) + 1)
            for name in ("W", "b")
        ]

    def get_parameters(self) -> list[np.ndarray]:
        """Copies of every parameter array (a snapshot)."""
        return [p.copy() for p in self.parameters()]

    def set_parameters(self, values: Sequence[np.ndarray]) -> None:
        """Copy ``values`` into the live parameter arrays."""
        _assign(self.parameters(), values, "parameters")

    @property
    def n_inputs(self) -> int:
        return self.dense_layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self._n_outputs

    @property
    def dtype(self) -> np.dtype:
        return self.dense_layers[0].W.dtype

    @property
    def n_parameters(self) -> int:
        return sum(layer.n_parameters for layer in self.layers)

    def astype(self, dtype: Any) -> Network:
        """Convert every parameter to ``dtype`` in place; returns self."""
        for layer in self.layers:
            layer.astype(dtype)
        self._pack()
        return self

    # ----------------------------------------------------------- forward/backward
    def forward(
        self,
        X: np.ndarray,
        training: bool = False,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """Logits ``Z_L`` (n, n_outputs) of an already validated ``X`` (n, n_inputs).

        In training mode dropout is active (drawing from ``rng``, or the network's
        own generator) and the result lives in a buffer reused by the next call.
        """
        if training and rng is None:
            rng = self.rng
        A = X
        for layer in self.layers:
            A = layer.forward(A, training, rng)
        return A

    def backward(self, delta: np.ndarray) -> None:
        """Backpropagate ``delta = ∂L/∂Z_L`` (n, n_outputs), filling every layer's
        parameter gradients."""
        for layer in reversed(self.layers):
            delta = layer.backward(delta)

    def compute_gradients(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        *,
        reduction: str = "mean",
        alpha: float = 0.0,
        l1: float = 0.0,
        n_total: float | None = None,
        training: bool = True,
        rng: np.random.Generator | None = None,
        sample_weight: np.ndarray | None = None,
        penalty_scale: str = "training_set",
    ) -> float:
        """One forward and backward pass; returns the batch's mean loss L0.

        Fills :meth:`gradients` with the gradient of the batch objective ``J``::

            mean: J = L0 + λ/(2N) Σ w² + λ₁/N Σ |w|
            sum:  J = m · (L0 + λ/(2N) Σ w² + λ₁/N Σ |w|)

        for a batch of ``m`` rows of a training set of ``N = n_total`` rows (``m``
        by default). With the full batch and "sum", ``dW = Aᵀ delta + λ W``: the
        notes' update exactly. ``targets`` are output indices (softmax) or
        values (identity); with ``sample_weight`` ``L0`` is the weighted mean and
        ``m`` the batch's weight (see :mod:`ffnn.losses`).
        """
        from ffnn.engines.layers import LayerEngine  # the engines build on networks

        m = X.shape[0]
        engine = LayerEngine(
            self, X, targets, m, False, reduction, alpha, l1,
            n_total=n_total, training=training, sample_weight=sample_weight,
            penalty_scale=penalty_scale,
        )  # fmt: skip
        (batch,) = engine.batches(rng)
        engine.forward(batch, self.rng if rng is None else rng)
        loss = engine.loss(batch)
        engine.backward(batch)
        if engine.loss_function.weight_sum == 0:
            raise ValueError("sample_weight is zero for every sample")
        return loss / engine.loss_function.weight_sum

    # ---------------------------------------------------------------- prediction
    def loss_function(self) -> OutputLoss:
        """A fresh instance of the network's output and loss (:mod:`ffnn.losses`)."""
        return get_output(self.output)()

    @property
    def is_classifier(self) -> bool:
        """True for a softmax network, False for an identity (regression) one."""
        return self.output == "softmax"

    def _require(self, classifier: bool, what: str) -> None:
        if self.is_classifier != classifier:
            kind = (
                "classifier (output='softmax')"
                if classifier
                else ("regressor (output='identity')")
            )
            raise ValueError(
                f"{what} needs a {kind}; this network's output is {self.output!r}"
            )

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """``Z_L`` of a validated ``X`` in inference mode; NonFiniteOutputError
        (see :func:`~ffnn.losses.check_finite_outputs`) where it overflowed."""
        # an overflow is reported as that error, not as NumPy warnings
        with np.errstate(over="ignore", invalid="ignore"):
            Z = self.forward(X, training=False)
        return check_finite_outputs(Z, X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``ŷ = softmax(Z_L)``, shape (n, n_outputs).

        Raises NonFiniteOutputError for rows whose ``Z_L`` overflowed.
        """
        self._require(True, "predict_proba")
        X = check_X(X, self.n_inputs, self.dtype)
        return self.loss_function().predict(self._outputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """A classifier's predicted label of each row of ``X`` (n,), ``argmax ŷ``;
        a regressor's output ``ŷ = Z_L`` (n, n_outputs).

        Raises NonFiniteOutputError for rows whose ``Z_L`` overflowed.
        """
        X = check_X(X, self.n_inputs, self.dtype)
        Z = self._outputs(X)
        if not self.is_classifier:
            return Z
        index = np.argmax(Z, axis=1)
        return index if self.classes is None else self.classes[index]

    def loss(self, X: Any, y: Any) -> float:
        """Mean loss on ``(X, y)``, no penalty: cross-entropy
        ``−(1/n) Σ log ŷ_{i,y_i}`` or squared error ``(1/n) Σ ½ ‖ŷ_i − y_i‖²``.

        Raises NonFiniteOutputError for rows whose ``Z_L`` overflowed; finite
        outputs too large for the loss itself give ``inf``.
        """
        from ffnn.targets import check_values

        X = check_X(X, self.n_inputs, self.dtype)
        if self.is_classifier:
            targets = self.encode_labels(check_y(y, X.shape[0]))
        else:
            targets = check_values(y, X.shape[0], self.n_outputs, self.dtype)
        with np.errstate(over="ignore"):  # a loss beyond float's range is inf
            return self.loss_function().forward(self._outputs(X), targets)

    def accuracy(self, X: Any, y: Any) -> float:
        """Fraction of rows of ``X`` whose predicted label equals ``y``."""
        self._require(True, "accuracy")
        X = check_X(X, self.n_inputs, self.dtype)
        y = check_y(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))

    def r2(self, X: Any, y: Any) -> float:
        """Coefficient of determination ``R² = 1 − Σ‖y − ŷ‖² / Σ‖y − ȳ‖²`` of a
        regressor, averaged over its outputs (scikit-learn's ``r2_score``)."""
        from ffnn.targets import check_values

        self._require(False, "r2")
        X = check_X(X, self.n_inputs, self.dtype)
        Y = check_values(y, X.shape[0], self.n_outputs, np.float64)
        return r2_score(Y, self.predict(X))

    def score(self, X: Any, y: Any) -> float:
        """:meth:`accuracy` of a classifier, :meth:`r2` of a regressor."""
        return self.accuracy(X, y) if self.is_classifier else self.r2(X, y)

    # -------------------------------------------------------------------- labels
    def encode_labels(self, y: np.ndarray) -> np.ndarray:
        """Output index of each label in ``y`` (n,); see :mod:`ffnn.labels`."""
        classes = np.arange(self.n_outputs) if self.classes is None else self.classes
        return encode_labels(y, classes)

    # -------------------------------------------------------------- description
    def summary(self) -> str:
        """A table of the layers, their output shapes and parameter counts."""
        rows = [("layer", "output shape", "parameters")]
        width = self.n_inputs
        rows.append(("input", f"(n, {width})", "0"))
        for layer in self.layers:
            width = layer.output_size(width)
            rows.append((repr(layer), f"(n, {width})", f"{layer.n_parameters:,}"))
        loss = (
            "softmax cross-entropy"
            if self.is_classifier
            else ("identity, squared error")
        )
        rows.append((loss, f"(n, {width})", "0"))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}"
            for row in rows
        ]
        rule = "-" * len(lines[0])
        lines.insert(1, rule)
        lines.append(rule)
        lines.append(f"total parameters: {self.n_parameters:,} ({self.dtype.name})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        inner = " → ".join(repr(layer) for layer in self.layers)
        return f"Network({inner} → {self.output})"

    def save(self, path: str | PathLike) -> None:
        """Write the network to a ``.npz`` model file (see :func:`ffnn.load`)."""
        from ffnn.serialization import save

        save(self, path)


def _per_hidden_layer(
    value: Any, n_hidden: int, what: str, check: Callable[[Any], Any]
) -> list:
    """``value`` repeated for each hidden layer, or the list of one value per
    hidden layer, each passed through ``check`` (even with no hidden layer to
    use it: a bad name is a mistake all the same)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [check(value)] * n_hidden
    values = list(value)
    if len(values) != n_hidden:
        raise ValueError(
            f"{what} lists {len(values)} values but the network has {n_hidden} "
            "hidden layers"
        )
    return [check(v) for v in values]


def _activation_name(name: Any) -> Any:
    get_activation(name)  # an unknown name fails here, naming the valid ones
    return name


def _assign(targets: list[np.ndarray], values: Sequence[Any], what: str) -> None:
    values = list(values)
    if len(values) != len(targets):
        raise ValueError(f"expected {len(targets)} {what} arrays, got {len(values)}")
    arrays = []
    for index, (target, value) in enumerate(zip(targets, values, strict=True)):
        array = as_array(value, f"{what}[{index}]")
        if array.dtype == object or not np.issubdtype(array.dtype, np.number):
            raise TypeError(
                f"{what}[{index}] must hold numbers, got an array of dtype "
                f"{array.dtype}"
            )
        array = array.astype(target.dtype, copy=False)
        if array.shape != target.shape and _squeezed(array.shape) == _squeezed(
            target.shape
        ):
            # e.g. the notes' (1, n) bias row; a transposed W must not slip through
            array = array.reshape(target.shape)
        if array.shape != target.shape:
            raise ValueError(
                f"{what}[{index}] must have shape {target.shape}, got {array.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{what}[{index}] contains NaN or infinite values")
        arrays.append(array)
    for target, array in zip(targets, arrays, strict=True):  # all or nothing
        target[...] = array


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)
