"""``FeedforwardClassifier``: scikit-learn's ``MLPClassifier`` on ffnn's softmax
networks."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

from ffnn.estimators.base import FeedforwardEstimator, _rectangular
from ffnn.estimators.parameters import is_stochastic
from ffnn.losses import log_softmax, softmax
from ffnn.targets import class_sample_weight


class FeedforwardClassifier(ClassifierMixin, FeedforwardEstimator):
    """A feedforward network classifier with scikit-learn's ``MLPClassifier``
    interface: swap the import and the parameters mean what they meant there.

    The network ends in a softmax over one output per class (two for a binary
    problem, where ``MLPClassifier`` uses one logistic unit: the same model)
    trained on the cross-entropy. Labels may be of any type scikit-learn takes
    (ints, strings, ...); multilabel indicator ``y`` is not supported.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : {'relu', 'tanh', 'logistic', 'identity', 'sigmoid', 'leaky_relu'}
        Hidden-layer activation ('logistic' is ffnn's 'sigmoid').
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        'lbfgs' minimises the full-batch loss with SciPy's L-BFGS-B.
    alpha : float, default=1e-4
        L2 penalty, scikit-learn's meaning: ``0.5·alpha·Σw²/m`` per batch of
        ``m`` samples (weights, not biases). The core's ``ffnn.train(alpha=λ)``
        divides by the training set's ``n`` instead: with full batches they are
        equal, with batches of ``m`` use ``λ = alpha·n/m``.
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` for 'auto'.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule for solver='sgd': 'invscaling' is ``η₀ / (t + 1)^power_t`` with
        ``t`` the samples seen, 'adaptive' divides η by 5 whenever the loss stops
        improving.
    learning_rate_init : float, default=1e-3
        η₀.
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default=200
        Most epochs (iterations for 'lbfgs').
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState or None
        Seeds the initial weights, the shuffling, dropout and the validation
        split.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Continue from the last fit's weights.
    momentum : float, default=0.9
        SGD momentum μ, in [0, 1) (scikit-learn also takes 1).
    nesterovs_momentum : bool, default=True
        Nesterov's momentum (sgd with momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its accuracy
        stops improving, keeping the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float
        Adam's β₁, β₂ and ε (added to ``√v``, as scikit-learn does).
    n_iter_no_change : int, default=10
        Epochs without progress before stopping.
    max_fun : int, default=15000
        Most loss evaluations for 'lbfgs'.
    init : str, default='glorot_uniform'
        ffnn's initialiser of the weights (:data:`ffnn.initializers.INITIALIZERS`);
        biases start at zero.
    dropout : float, default=0.0
        ffnn's dropout rate after each hidden layer (not with 'lbfgs').
    dtype : {'float64', 'float32'} or None, default=None
        Precision of the network; None keeps float32 input in float32 and
        computes everything else in float64.
    engine : {'auto', 'layers', 'fast'}, default='auto'
        Who runs the passes (:mod:`ffnn.engines`).
    class_weight : dict, 'balanced' or None, default=None
        Weight of each class's samples, as in scikit-learn's linear models;
        multiplies ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : ffnn.Network
        The trained network.
    coefs_, intercepts_ : list of ndarray
        ``W`` and ``b`` of each layer (the network's live arrays).
    loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_
        As in scikit-learn (the loss includes the L2 penalty).
    n_iter_, t_, n_features_in_, feature_names_in_, n_outputs_, n_layers_
    out_activation_ : str
        'softmax'.
    """

    _output = "softmax"

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        init: str = "glorot_uniform",
        dropout: float = 0.0,
        dtype: str | None = None,
        engine: str = "auto",
        class_weight: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            init=init, dropout=dropout, dtype=dtype, engine=engine,
        )  # fmt: skip
        self.class_weight = class_weight

    # ----------------------------------------------------------------- fitting
    @available_if(is_stochastic)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> FeedforwardClassifier:
        """One epoch over ``(X, y)``, continuing from the current weights.

        ``classes`` (every label of the whole data) is required on the first
        call; ``y`` need not hold all of them.
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            self.classes_ = np.unique(np.asarray(classes))
            try:
                return self._fit(X, y, sample_weight, incremental=True)
            except (TypeError, ValueError):
                del self.classes_  # a refused first call leaves nothing behind
                raise
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"`classes={np.unique(classes)}` is not the same as on the first call "
                f"to partial_fit, which was: classes={self.classes_}"
            )
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        y = _rectangular(y, "y")
        if y is not None and type_of_target(y) == "multilabel-indicator":
            raise ValueError(
                "multilabel indicator y is not supported: FeedforwardClassifier "
                "predicts one class per sample; wrap it in "
                "sklearn.multioutput.MultiOutputClassifier for one label per column"
            )
        X, y = validate_data(
            self,
            _rectangular(X, "X"),
            y,
            reset=reset,
            dtype=(np.float64, np.float32),
            accept_sparse=False,
        )
        check_classification_targets(y)
        labels = np.unique(y)
        fitted = hasattr(self, "network_")
        if incremental:
            unknown = np.setdiff1d(labels, self.classes_)
            if len(unknown):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
        elif self.warm_start and fitted:
            if set(labels) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {self.classes_}, "
                    f"`y` has {labels}"
                )
        else:
            self.classes_ = labels
        if len(self.classes_) < 2:
            label = self.classes_.tolist()[0]
            raise ValueError(
                f"y has one class only ({label!r}); a classifier needs samples of at "
                "least 2 classes"
            )
        return X, y

    def _targets(self, y):
        return np.searchsorted(self.classes_, y)

    def _n_outputs(self, targets):
        return len(self.classes_)

    def _initialize(self, n_features, targets, seed, dtype):
        super()._initialize(n_features, targets, seed, dtype)
        self.network_.classes = np.arange(len(self.classes_))

    def _with_class_weight(self, weights, y, incremental):
        if self.class_weight is None:
            return weights
        if incremental and isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: it would "
                "balance each call's y on its own; pass a dict of weights computed "
                "once over all the data (sklearn.utils.class_weight."
                "compute_class_weight)"
            )
        # a dict's labels are checked against every class, not only this y's
        by_class = class_sample_weight(self.class_weight, y, self.classes_)
        return by_class if weights is None else weights * by_class

    def _validation_score(self, X, targets, weights):
        predicted = np.argmax(self.network_.forward(X, training=False), axis=1)
        return float(np.average(predicted == targets, weights=weights))

    # -------------------------------------------------------------- prediction
    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row of ``X``."""
        Z = self._forward(X)  # checks the estimator is fitted first
        return self.classes_[np.argmax(Z, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``ŷ = softmax(Z_L)``, shape (n_samples, n_classes),
        columns in the order of ``classes_``."""
        return softmax(self._forward(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log ŷ``, computed stably from the logits."""
        return log_softmax(self._forward(X))
