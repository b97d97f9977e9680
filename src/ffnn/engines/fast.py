"""The fast engine: the layers' equations on buffers sized once per batch size,
with three changes that matter when the arrays are small and the cost of a NumPy
call dominates.

* The bias is folded into the weights: an array that feeds a Dense layer lives
  in a buffer ``[A 1]`` with a column of ones, so ``Z = [A 1] [W; b]`` is one
  product and ``[dW; db] = [A 1]ᵀ delta_Z`` gives both gradients in one product.
* Softmax cross-entropy uses a one-hot target ``Y``: ``delta_Z = ŷ − Y`` is one
  subtraction and the summed loss is ``Σ_i log Σ_k e^{S_ik} − ⟨Y, S⟩`` with the
  shifted logits ``S = Z − max_k Z``. With sample weights ``s`` the one-hot
  rows are scaled by them, ``Y = s ⊙ onehot(y)``, so ``⟨Y, S⟩`` and
  ``delta_Z = s ⊙ ŷ − Y`` weigh each sample.
* The parameters and gradients are one flat vector each (see
  :meth:`ffnn.network.Network._pack`), so the optimizer makes one update.

Each layer of the network has a twin here, with ``forward`` and ``backward``
written with the notes' symbols; :class:`FastBatch` runs them in layer order.
Every buffer has one meaning and is named for it: a Dense twin owns ``Z`` and
``delta_Z`` (∂L/∂Z), an activation twin ``A`` and ``delta_A``; a twin's
``backward`` reads its own gradient and writes the one of its input, which the
layer before owns. The activations' own ``apply``/``backprop`` do the
elementwise work, so both engines share those equations.

Memory layout: the logits and the softmax's buffers are column-major ("F"),
where reductions over each row's classes are fast. Hidden buffers are F-order
when the layer's product is small (the elementwise work dominates, and the view
``A`` of ``[A 1]`` stays contiguous) and row-major ("C") when it is large, which
OpenBLAS writes faster (see :func:`hidden_order`). Dropout masks are C-order, the
order in which the generator fills them in both engines. The first layer's
input gradient is never computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from ffnn.activations import ACTIVATIONS, Activation
from ffnn.engines.base import BatchOrder
from ffnn.layers import Dense, Dropout, Layer
from ffnn.network import Network
from ffnn.penalties import PenaltyGradient

#: m·n_in·n_out from which a hidden layer's buffers are row-major
C_ORDER_MIN_PRODUCT = 1 << 20


def hidden_order(m: int, n_in: int, n_out: int) -> str:
    """ "C" for a hidden layer whose product ``(m, n_in) @ (n_in, n_out)`` is
    large, else "F".

    OpenBLAS writes a large product faster in row-major order (MNIST's
    784-100-10 at m = 128 trains faster so); for the notes' 2-10-2 the products
    cost nothing and the elementwise work dominates, which runs on the
    contiguous view ``A`` of an F-order ``[A 1]``.
    """
    return "C" if m * n_in * n_out >= C_ORDER_MIN_PRODUCT else "F"


def supports(net: Network) -> bool:
    """Whether the fast engine can train ``net``: a stack of ffnn's own Dense,
    activation and Dropout layers (not subclasses, whose equations it cannot
    know) starting with a Dense layer."""
    known = (Dense, Dropout, *ACTIVATIONS.values())
    return all(type(layer) in known for layer in net.layers) and isinstance(
        net.layers[0], Dense
    )


def check_supported(net: Network) -> None:
    """Raise ValueError, saying what the fast engine trains, unless it
    :func:`supports` ``net``."""
    if not supports(net):
        raise ValueError(
            "engine='fast' trains stacks of ffnn's Dense, activation and Dropout "
            f"layers that start with a Dense layer, not {net!r}; use "
            "engine='layers'"
        )


class Port:
    """An array that flows from one layer to the next, and the gradient of the
    loss with respect to it.

    ``value`` (m, n) is what the next layer reads; ``with_ones`` the buffer
    ``[value 1]`` (m, n + 1) it is a view of, when a Dense layer reads it (else
    None); ``grad`` (m, n) is ∂L/∂value, None for the input ``X``, whose
    gradient nobody needs.
    """

    __slots__ = ("grad", "value", "with_ones")

    def __init__(
        self, m: int, n: int, dtype: np.dtype, order: str, ones: bool, grad: bool
    ) -> None:
        if ones:
            self.with_ones = np.ones((m, n + 1), dtype=dtype, order=order)
            self.value = self.with_ones[:, :n]
        else:
            self.with_ones = None
            self.value = np.empty((m, n), dtype=dtype, order=order)
        self.grad = np.empty((m, n), dtype=dtype, order=order) if grad else None


class FastDense:
    """``Z = A_prev W + b``, as ``[A_prev 1] [W; b]`` where ``A_prev`` has its
    column of ones. Backward, with ``delta_Z = ∂L/∂Z``::

        [dW; db] = [A_prev 1]ᵀ delta_Z     # or dW = A_prevᵀ delta_Z, db = 1ᵀ delta_Z
        delta_A_prev = delta_Z Wᵀ          # (m, n_out) @ (n_out, n_in)
    """

    __slots__ = (
        "A_prev", "A_prev_with_ones", "W", "Z", "b", "block", "dW", "db",
        "delta_A_prev", "delta_Z", "grad_block", "ones",
    )  # fmt: skip

    def __init__(self, dense: Dense, inp: Port, out: Port) -> None:
        self.block, self.W, self.b = dense.block, dense.W, dense.b  # [W; b]
        self.grad_block, self.dW, self.db = dense.grad_block, dense.dW, dense.db
        self.A_prev, self.A_prev_with_ones = inp.value, inp.with_ones
        self.delta_A_prev = inp.grad
        self.Z, self.delta_Z = out.value, out.grad
        # 1ᵀ delta_Z sums the rows into db, where the bias is not folded
        self.ones = (
            None
            if inp.with_ones is not None
            else np.ones(inp.value.shape[0], self.Z.dtype)
        )

    def forward(self, rng: np.random.Generator) -> None:
        if self.A_prev_with_ones is not None:
            np.matmul(self.A_prev_with_ones, self.block, out=self.Z)  # [A 1] [W; b]
        else:
            np.matmul(self.A_prev, self.W, out=self.Z)  # (m, n_in) @ (n_in, n_out)
            np.add(self.Z, self.b, out=self.Z)

    def backward(self) -> None:
        delta_Z = self.delta_Z
        if self.A_prev_with_ones is not None:
            # (n_in + 1, m) @ (m, n_out): [dW; db] in one product
            np.matmul(self.A_prev_with_ones.T, delta_Z, out=self.grad_block)
        else:
            np.matmul(self.A_prev.T, delta_Z, out=self.dW)  # (n_in, m) @ (m, n_out)
            np.matmul(self.ones, delta_Z, out=self.db)  # Σ_rows delta_Z = 1ᵀ delta_Z
        if self.delta_A_prev is not None:
            np.matmul(delta_Z, self.W.T, out=self.delta_A_prev)  # delta_Z Wᵀ


class FastActivation:
    """``A = σ(Z)``; backward ``delta_Z = delta_A ⊙ σ'(Z)``, with σ' taken from
    ``A`` (the activation's own ``apply`` and ``backprop``)."""

    __slots__ = ("A", "Z", "activation", "delta_A", "delta_Z", "work")

    def __init__(self, activation: Activation, inp: Port, out: Port) -> None:
        self.activation = activation
        self.Z, self.delta_Z = inp.value, inp.grad
        self.A, self.delta_A = out.value, out.grad
        self.work = np.empty_like(self.A)  # scratch for σ'

    def forward(self, rng: np.random.Generator) -> None:
        self.activation.apply(self.Z, out=self.A)

    def backward(self) -> None:
        self.activation.backprop(self.A, self.delta_A, out=self.delta_Z, work=self.work)


class FastDropout:
    """Inverted dropout: ``A_kept = A ⊙ M / (1 − p)`` with
    ``M_ij ~ Bernoulli(1 − p)`` drawn as the Dropout layer draws it; backward
    ``delta_A = delta_A_kept ⊙ M / (1 − p)``."""

    __slots__ = ("A", "A_kept", "delta_A", "delta_A_kept", "keep", "mask", "uniform")

    def __init__(self, dropout: Dropout, inp: Port, out: Port) -> None:
        self.keep = 1.0 - dropout.rate
        self.A, self.delta_A = inp.value, inp.grad
        self.A_kept, self.delta_A_kept = out.value, out.grad
        # C order always: the generator fills it in memory order, as it fills the
        # Dropout layer's mask
        self.uniform = np.empty(self.A.shape, dtype=self.A.dtype)  # U_ij ~ U[0, 1)
        self.mask = np.empty_like(self.uniform)  # M / (1 − p)

    def forward(self, rng: np.random.Generator) -> None:
        rng.random(dtype=self.uniform.dtype, out=self.uniform)
        np.less(self.uniform, self.keep, out=self.mask)  # M: 1 with probability 1 − p
        np.divide(self.mask, self.keep, out=self.mask)  # inverted dropout
        np.multiply(self.A, self.mask, out=self.A_kept)

    def backward(self) -> None:
        np.multiply(self.delta_A_kept, self.mask, out=self.delta_A)


class FastSoftmaxCrossEntropy:
    """``ŷ = softmax(Z_L)`` and the summed cross-entropy against one-hot ``Y``;
    backward ``delta_Z = ŷ − Y``, divided by ``m`` for the mean.

    With sample weights ``s`` (m, 1), ``Y`` holds ``s ⊙ onehot(y)``: the loss is
    ``Σ_i s_i log Σ_k e^{S_ik} − ⟨Y, S⟩`` and ``delta_Z = s ⊙ ŷ − Y``, divided by
    ``Σ_i s_i`` for the mean. Softmax and cross-entropy are differentiated as one
    function, which is why the gradient is the plain difference (see
    :mod:`ffnn.losses`).
    """

    __slots__ = (
        "S", "Y", "Y_hat", "Z", "delta_Z", "log_row_sum", "m", "mean",
        "row_max", "row_sum", "s", "weight_sum",
    )  # fmt: skip

    def __init__(
        self, logits: Port, Y: np.ndarray, s: np.ndarray | None, mean: bool
    ) -> None:
        self.Z, self.delta_Z, self.Y, self.s = logits.value, logits.grad, Y, s
        self.m, self.mean = Y.shape[0], mean
        self.weight_sum = float(self.m)  # Σ_i s_i of the batch, set by loss()
        self.S = np.empty_like(self.Z, order="F")  # shifted logits Z − max_k Z
        self.Y_hat = np.empty_like(self.Z, order="F")
        self.row_max = np.empty((self.m, 1), dtype=Y.dtype)
        self.row_sum = np.empty((self.m, 1), dtype=Y.dtype)
        self.log_row_sum = np.empty((self.m, 1), dtype=Y.dtype)

    def loss(self) -> float:
        """``Σ_i −log ŷ_{i,y_i} = Σ_i log Σ_k e^{S_ik} − ⟨Y, S⟩`` (each term
        weighted by ``s_i``); keeps ``ŷ``."""
        Z, S, Y_hat, row_max, row_sum = (
            self.Z, self.S, self.Y_hat, self.row_max, self.row_sum
        )  # fmt: skip
        # row reductions over the k classes run fast on column-major arrays
        np.maximum.reduce(Z, axis=1, keepdims=True, out=row_max)
        np.subtract(Z, row_max, out=S)  # S = Z − max_k Z ≤ 0: exp never overflows
        np.exp(S, out=Y_hat)
        np.add.reduce(Y_hat, axis=1, keepdims=True, out=row_sum)
        np.divide(Y_hat, row_sum, out=Y_hat)  # ŷ = softmax(Z)
        np.log(row_sum, out=self.log_row_sum)
        # the transposes are C-contiguous, so vdot copies nothing
        target_term = float(np.vdot(self.Y.T, S.T))  # ⟨Y, S⟩
        if self.s is None:
            return float(self.log_row_sum.sum()) - target_term
        self.weight_sum = float(self.s.sum())
        return float(np.vdot(self.s, self.log_row_sum)) - target_term

    def backward(self) -> None:
        if self.s is None:
            np.subtract(self.Y_hat, self.Y, out=self.delta_Z)  # delta_Z = ŷ − Y
        else:
            np.multiply(self.Y_hat, self.s, out=self.delta_Z)
            np.subtract(self.delta_Z, self.Y, out=self.delta_Z)  # s ⊙ ŷ − Y
        if self.mean and self.weight_sum > 0:  # weight 0: delta_Z is all 0
            np.divide(self.delta_Z, self.weight_sum, out=self.delta_Z)


class FastSquaredError:
    """Identity output ``ŷ = Z_L`` and the summed squared error
    ``½ Σ_i s_i ‖ŷ_i − Y_i‖²`` (``s_i = 1`` without weights); backward
    ``delta_Z = s ⊙ (ŷ − Y)``, divided by ``Σ_i s_i`` for the mean.

    ``loss`` already leaves ``s ⊙ (ŷ − Y)`` in ``delta_Z`` (the loss is made of
    it); ``backward`` only divides it for the mean.
    """

    __slots__ = ("R", "Y", "Z", "delta_Z", "m", "mean", "s", "weight_sum")

    def __init__(
        self, output: Port, Y: np.ndarray, s: np.ndarray | None, mean: bool
    ) -> None:
        self.Z, self.delta_Z, self.Y, self.s = output.value, output.grad, Y, s
        self.m, self.mean = Y.shape[0], mean
        self.weight_sum = float(self.m)
        # the residual ŷ − Y, apart from delta_Z only when weights scale delta_Z
        self.R = self.delta_Z if s is None else np.empty_like(self.delta_Z)

    def loss(self) -> float:
        """``½ Σ_i s_i ‖ŷ_i − Y_i‖²``, as ``½ ⟨s ⊙ R, R⟩`` with ``R = ŷ − Y``."""
        np.subtract(self.Z, self.Y, out=self.R)  # R = ŷ − Y
        if self.s is not None:
            self.weight_sum = float(self.s.sum())
            np.multiply(self.R, self.s, out=self.delta_Z)  # s ⊙ R
        # the transposes are C-contiguous, so vdot copies nothing
        return 0.5 * float(np.vdot(self.delta_Z.T, self.R.T))

    def backward(self) -> None:
        if self.mean and self.weight_sum > 0:  # weight 0: delta_Z is all 0
            np.divide(self.delta_Z, self.weight_sum, out=self.delta_Z)


#: the fast twin of each output and loss (:data:`ffnn.losses.OUTPUTS`)
FAST_OUTPUTS = {"softmax": FastSoftmaxCrossEntropy, "identity": FastSquaredError}
FastOutput = FastSoftmaxCrossEntropy | FastSquaredError


FastLayer = FastDense | FastActivation | FastDropout


class FastBatch:
    """Every buffer for batches of ``m`` rows: the rows ``X``, the targets ``Y``
    (one-hot, or values) and sample weights ``s`` (m, 1) when ``weighted`` (filled
    by the engine), and the twin of each layer and of the output.

    With ``fold_input`` (the full batch, which never moves) ``X`` is a view of
    ``[X 1]``, so the first product folds its bias too.
    """

    def __init__(
        self, net: Network, m: int, fold_input: bool, mean: bool, weighted: bool
    ) -> None:
        dtype = net.dtype
        self.m = m
        self.Y = np.zeros((m, net.n_outputs), dtype=dtype, order="F")
        self.s = np.empty((m, 1), dtype=dtype) if weighted else None
        layers = [
            layer
            for layer in net.layers
            if not (isinstance(layer, Dropout) and layer.rate == 0.0)  # no-ops
        ]
        # gathered rows are written row by row: C order unless the data never moves
        input_order = "F" if fold_input else "C"
        inp = Port(m, net.n_inputs, dtype, input_order, ones=fold_input, grad=False)
        self.X = inp.value
        self.layers: list[FastLayer] = []
        width = net.n_inputs
        order = "F"
        for index, layer in enumerate(layers):
            feeds_dense = index + 1 < len(layers) and isinstance(
                layers[index + 1], Dense
            )
            if isinstance(layer, Dense):
                last = not any(isinstance(x, Dense) for x in layers[index + 1 :])
                order = "F" if last else hidden_order(m, layer.n_in, layer.n_out)
                width = layer.n_out
            out = Port(m, width, dtype, order, ones=feeds_dense, grad=True)
            self.layers.append(_twin(layer, inp, out))
            inp = out
        self.output: FastOutput = FAST_OUTPUTS[net.output](inp, self.Y, self.s, mean)


def _twin(layer: Layer, inp: Port, out: Port) -> FastLayer:
    if isinstance(layer, Dense):
        return FastDense(layer, inp, out)
    if isinstance(layer, Dropout):
        return FastDropout(layer, inp, out)
    return FastActivation(layer, inp, out)


class FastEngine:
    """Trains a supported network (:func:`supports`) on ``(X, targets)``:
    output indices for a softmax network, values (n, k) for an identity one.

    ``params``/``grads`` are the network's flat vectors, for the optimizer.
    """

    name: ClassVar[str] = "fast"

    def __init__(
        self,
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
    ) -> None:
        check_supported(net)
        n = X.shape[0]
        weighted = sample_weight is not None
        if net.output == "softmax":  # one-hot rows, scaled by the sample weights
            Y = np.zeros((n, net.n_outputs), dtype=net.dtype)
            Y[np.arange(n), targets] = 1.0 if not weighted else sample_weight
        else:
            Y = targets
        self.sources = {"X": X, "Y": Y}
        if weighted:
            self.sources["s"] = sample_weight.astype(net.dtype).reshape(n, 1)
        self.params, self.grads = [net.flat_parameters], [net.flat_gradients]
        n_total = n if not weighted else float(sample_weight.sum())
        self.penalty = PenaltyGradient(
            net, alpha, l1, n_total, reduction, penalty_scale
        )
        self.order = BatchOrder(n, batch_size, shuffle)
        self.full = batch_size >= n
        mean = reduction == "mean"
        self.by_size = {
            m: FastBatch(net, m, self.full, mean, weighted) for m in self.order.sizes
        }
        if self.full:  # the data never moves: copy it in once
            only = self.by_size[n]
            for name, source in self.sources.items():
                getattr(only, name)[...] = source
            self.full_batch = (only,)
            self.sources = {}  # the batch holds the only copy needed

    def batches(self, rng: np.random.Generator) -> Iterable[FastBatch]:
        if self.full:  # one batch that never moves (a tuple: no generator to run)
            return self.full_batch
        return self.order.gathered(rng, self.sources, self.by_size)

    def forward(self, batch: FastBatch, rng: np.random.Generator) -> None:
        for layer in batch.layers:
            layer.forward(rng)

    def loss(self, batch: FastBatch) -> float:
        return batch.output.loss()

    def backward(self, batch: FastBatch) -> None:
        batch.output.backward()
        for layer in reversed(batch.layers):
            layer.backward()
        self.penalty.add(batch.output.weight_sum)
