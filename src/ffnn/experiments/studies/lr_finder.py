"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates for
Training Neural Networks", section 3.3; as popularised by fastai's ``lr_find``).

Starting from a fresh network, η grows geometrically every mini-batch from
``min_lr`` to ``max_lr`` over ``steps`` updates::

    η_t = min_lr · (max_lr / min_lr)^(t / (steps − 1)),   t = 0 … steps − 1

and the loss of every batch is recorded, with an exponentially smoothed copy
(bias-corrected as in Adam)::

    s_t = β s_{t−1} + (1 − β) L_t,   ŝ_t = s_t / (1 − β^(t+1))

The test stops early once ``ŝ_t > 4 · min ŝ`` or the loss is no longer finite:
η is then far too large. While η is too small the loss barely moves; where η is
useful it falls fastest. The suggestion is that η: the most negative slope
``dŝ / d log η`` before the smoothed loss reaches its minimum.

This study is not a sweep: it runs :func:`find_learning_rate` once per repeat,
writes ``lr_finder.csv`` (one row per step) and, to check the suggestion,
trains a fresh network with it for the configured ``epochs``.
"""

from __future__ import annotations

import copy
import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from matplotlib.figure import Figure

from ffnn._validation import check_int, check_positive
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.study import Study, StudyOutput
from ffnn.experiments.sweep import RunResult, run_one
from ffnn.losses import check_reduction
from ffnn.network import Network, check_labels_for
from ffnn.optimizers import SGD, Optimizer
from ffnn.plots import plot_decision_boundary, plot_loss_curves
from ffnn.runs import load_data
from ffnn.training import clip_by_global_norm

#: the columns of ``lr_finder.csv``
CSV_COLUMNS = ("repeat", "step", "learning_rate", "loss", "smoothed_loss")


@dataclass
class LRFinderResult:
    """What :func:`find_learning_rate` recorded, one entry per step taken.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_steps,)
        η of each step.
    losses : ndarray of shape (n_steps,)
        Mean cross-entropy of each step's batch, before that step's update.
    smoothed_losses : ndarray of shape (n_steps,)
        The bias-corrected exponential moving average ``ŝ_t`` of ``losses``.
    suggestion : float
        η where ``ŝ`` falls fastest against ``log η`` before its minimum (NaN
        if the minimum comes within the first ``⌈1 / (1 − β)⌉`` steps).
    min_loss_learning_rate : float
        η at the minimum of ``ŝ``.
    stop_reason : str
        Why the test stopped before ``steps`` ('' if it ran them all).
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggestion: float
    min_loss_learning_rate: float
    stop_reason: str

    @property
    def steps(self) -> int:
        """Number of steps recorded."""
        return len(self.losses)

    def slopes(self) -> np.ndarray:
        """``dŝ / d log η`` at each step (n_steps,), by central differences."""
        if self.steps < 2:
            return np.full(self.steps, np.nan)
        return np.gradient(self.smoothed_losses, np.log(self.learning_rates))


def learning_rate_range(min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """The geometric ramp ``η_t = min_lr · (max_lr / min_lr)^(t / (steps − 1))``
    (steps,)."""
    t = np.arange(steps)
    return min_lr * (max_lr / min_lr) ** (t / (steps - 1))


def find_learning_rate(
    net: Network,
    X: Any,
    y: Any,
    *,
    optimizer: Optimizer | None = None,
    min_lr: float = 1e-4,
    max_lr: float = 100.0,
    steps: int = 200,
    batch_size: int | None = 32,
    reduction: str = "mean",
    alpha: float = 0.0,
    l1: float = 0.0,
    clip_norm: float | None = None,
    smoothing: float = 0.9,
    diverge_factor: float = 4.0,
    seed: int | None = None,
) -> LRFinderResult:
    """Run the learning-rate range test on a copy of ``net``.

    Parameters
    ----------
    net : Network
        The network to test, fresh from its initialiser; it is copied, so its
        weights (and ``classes``) are left as they are.
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples,)
        Class labels.
    optimizer : Optimizer, optional
        Whose update rule to test (default ``SGD()``); copied and reset, so its
        state is untouched. Its own learning rate is ignored: step ``t`` uses
        ``η_t``.
    min_lr, max_lr : float
        The first and last η of the ramp, ``0 < min_lr < max_lr``.
    steps : int
        Updates from ``min_lr`` to ``max_lr`` (at least 3).
    batch_size : int or None
        Rows per update, drawn without replacement and reshuffled every pass
        over the data; None for the full batch.
    reduction : {'mean', 'sum'}
        As in :func:`ffnn.train`: with 'sum' the gradient, and so the useful η,
        scales with the batch size.
    alpha, l1, clip_norm : float
        L2 λ, L1 λ₁ and gradient clipping, as in :func:`ffnn.train`.
    smoothing : float
        β of the moving average, in [0, 1); 0.9 averages over about ten steps
        (fastai's 0.98 suits its 100-step default less well at 200 steps over
        six decades).
    diverge_factor : float
        Stop once ``ŝ_t`` exceeds this multiple (> 1) of its minimum.
    seed : int, optional
        Seeds the batch order and dropout.

    Returns
    -------
    LRFinderResult

    Notes
    -----
    Step ``t``: ``L_t = J(w; X_b)`` with ``X_b`` the next batch, then
    ``w ← step(w, ∂J/∂w, η_t)``; ``ŝ_t = s_t / (1 − β^(t+1))`` with
    ``s_t = β s_{t−1} + (1 − β) L_t``. Stop if ``L_t`` is not finite (the step
    is not recorded) or ``ŝ_t > diverge_factor · min_{u≤t} ŝ_u`` (it is). The
    suggestion is ``η_k`` with ``k = argmin dŝ/d log η`` over the steps from
    ``⌈1 / (1 − β)⌉`` (once ``ŝ`` averages a full window) up to the minimum of
    ``ŝ`` and short of the last step, so it lies strictly between ``min_lr``
    and ``max_lr``.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an ffnn Network, got {type(net).__name__}")
    optimizer = SGD() if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an ffnn Optimizer, got {optimizer!r}")
    min_lr = check_positive(min_lr, "min_lr")
    max_lr = check_positive(max_lr, "max_lr")
    if max_lr <= min_lr:
        raise ValueError(
            f"max_lr must be larger than min_lr, got min_lr={min_lr!r}, "
            f"max_lr={max_lr!r}"
        )
    steps = check_int(steps, "steps", minimum=3)
    reduction = check_reduction(reduction)
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm")
    beta = check_positive(smoothing, "smoothing", allow_zero=True)
    if beta >= 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    diverge_factor = check_positive(diverge_factor, "diverge_factor")
    if diverge_factor <= 1:
        raise ValueError(f"diverge_factor must be > 1, got {diverge_factor!r}")

    net = copy.deepcopy(net)  # the caller's weights, classes and rng stay as given
    optimizer = copy.deepcopy(optimizer)
    optimizer.reset()
    X, y_index = check_labels_for(net, X, y)
    n = X.shape[0]
    batch = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
    rng = np.random.default_rng(seed)
    params, grads = net.parameters(), net.gradients()
    rates = learning_rate_range(min_lr, max_lr, steps)

    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    stop_reason = ""
    batches = _batches(n, batch, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        for t, eta in enumerate(rates):
            index = next(batches)
            loss = net.compute_gradients(
                X[index],
                y_index[index],
                reduction=reduction,
                alpha=alpha,
                l1=l1,
                n_total=n,
                training=True,
                rng=rng,
            )
            if not math.isfinite(loss):
                stop_reason = f"the loss became non-finite at step {t} (η = {eta:.3g})"
                break
            average = beta * average + (1.0 - beta) * loss
            losses.append(loss)
            smoothed.append(average / (1.0 - beta ** (t + 1)))
            best = min(best, smoothed[-1])
            if smoothed[-1] > diverge_factor * best:
                stop_reason = (
                    f"the smoothed loss passed {diverge_factor:g}× its minimum at "
                    f"step {t} (η = {eta:.3g})"
                )
                break
            if clip_norm is not None:
                clip_by_global_norm(grads, clip_norm)
            optimizer.step(params, grads, float(eta))

    recorded = rates[: len(losses)]
    result = LRFinderResult(
        recorded,
        np.asarray(losses),
        np.asarray(smoothed),
        math.nan,
        float(recorded[np.argmin(smoothed)]) if smoothed else math.nan,
        stop_reason,
    )
    result.suggestion = _steepest(result, beta)
    return result


def _steepest(result: LRFinderResult, smoothing: float) -> float:
    """η of the most negative ``dŝ/d log η`` over steps ``k₀ … min(k*, n − 2)``,
    with ``k* = argmin ŝ`` and ``k₀ = ⌈1 / (1 − β)⌉`` (NaN if that range is
    empty).

    The first ``k₀`` steps are skipped because ``ŝ`` still averages fewer losses
    than its window there, so its slope is mostly batch noise.
    """
    first = max(1, math.ceil(1.0 / (1.0 - smoothing) - 1e-9))
    last = min(int(np.argmin(result.smoothed_losses)), result.steps - 2)
    if result.steps < 3 or last < first:
        return math.nan
    slopes = result.slopes()[first : last + 1]
    return float(result.learning_rates[first + int(np.argmin(slopes))])


def _batches(n: int, batch: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Row indices of successive batches: every pass over the data is a fresh
    permutation, cut into batches (a short last one included)."""
    while True:
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            yield order[start : start + batch]


# ------------------------------------------------------------------------ study
@dataclass
class _Finding:
    repeat: int
    result: LRFinderResult
    check: RunResult | None  # a fresh network trained with the suggestion


class LRFinderStudy(Study):
    name = "lr-finder"
    title = "Learning-rate range test"
    options: ClassVar[dict[str, Any]] = {
        "min_lr": 1e-4,
        "max_lr": 100.0,
        "steps": 200,
        "smoothing": 0.9,
        "diverge_factor": 4.0,
        "check": True,  # train with the suggestion for base.epochs
    }

    def execute(self, spec, out, report, options, n_jobs, scheduler, progress):
        experiment = spec.experiment
        source = spec.source or self.name
        if experiment.grid:
            raise ValueError(
                f"{source}: grid: the lr-finder study varies η itself; leave [grid] out"
            )
        if "learning_rate" in experiment.base:
            raise ValueError(
                f"{source}: base.learning_rate: the lr-finder study chooses η; "
                "set study.min_lr and study.max_lr instead"
            )
        if experiment.folds is not None:
            raise ValueError(
                f"{source}: experiment.folds: not used by the lr-finder study; "
                "leave it out"
            )
        specs = experiment.specs()
        total = len(specs) * (2 if options["check"] else 1)
        done = 0
        findings = []
        for run_spec in specs:
            config = run_spec.config
            X_train, y_train, _, y_test, _ = load_data(config)
            n_classes = len(np.unique(np.concatenate([y_train, y_test])))
            net = config.make_network(X_train.shape[1], n_classes)
            try:
                result = find_learning_rate(
                    net,
                    X_train,
                    y_train,
                    optimizer=config.make_optimizer(),
                    min_lr=options["min_lr"],
                    max_lr=options["max_lr"],
                    steps=options["steps"],
                    batch_size=config.batch_size,
                    reduction=config.reduction,
                    alpha=config.l2,
                    l1=config.l1,
                    clip_norm=config.clip_norm,
                    smoothing=options["smoothing"],
                    diverge_factor=options["diverge_factor"],
                    seed=config.seed,
                )
            except (TypeError, ValueError) as error:  # a bad [study] option
                raise type(error)(f"{source}: study: {error}") from error
            done += 1
            if progress is not None:
                progress(done, total)
            check = None
            if options["check"] and math.isfinite(result.suggestion):
                check = run_one(
                    replace(
                        run_spec,
                        config=replace(config, learning_rate=result.suggestion),
                    )
                )
            if options["check"]:
                done += 1  # a check that could not run counts as done
                if progress is not None:
                    progress(done, total)
            findings.append(_Finding(run_spec.repeat, result, check))

        output = StudyOutput(out, {})
        output.files["lr_finder.csv"] = write_csv(findings, out / "lr_finder.csv")
        output.summary = self.analyse_findings(
            findings, output, report, options, experiment.base
        )
        return output

    def analyse_findings(
        self,
        findings: list[_Finding],
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
        base: dict[str, Any],
    ) -> dict[str, Any]:
        """Figures, reading and summary of the range tests."""
        reduction = base.get("reduction", "sum")
        batch = base.get("batch_size")
        batch_words = "the full batch" if batch is None else f"batches of {batch}"
        report.heading("Loss against the learning rate")
        self.figure(
            output,
            report,
            _range_figure(findings),
            "lr_finder.png",
            f"Loss of each batch ({batch_words}, {reduction} of gradients) as η "
            f"grows from {format_value(options['min_lr'])} to "
            f"{format_value(options['max_lr'])} over {options['steps']} steps; "
            "the smoothed loss in bold, the suggestion (steepest fall) dashed, "
            "the smoothed minimum dotted.",
        )
        first = findings[0]
        if first.check is not None:
            report.heading("Training with the suggestion")
            self.figure(
                output,
                report,
                _check_figure(first.result, first.check),
                "suggestion_check.png",
                f"A fresh network trained with η = "
                f"{format_value(first.result.suggestion)} for "
                f"{first.check.history.epochs} epochs (repeat {first.repeat}).",
            )

        entries = []
        sentences = []
        for finding in findings:
            result = finding.result
            entry: dict[str, Any] = {
                "repeat": finding.repeat,
                "suggestion": result.suggestion,
                "min_loss_learning_rate": result.min_loss_learning_rate,
                "steps_run": result.steps,
                "first_loss": float(result.smoothed_losses[0]),
                "min_smoothed_loss": float(result.smoothed_losses.min()),
                "stop_reason": result.stop_reason,
            }
            text = (
                f"Repeat {finding.repeat}: the smoothed loss fell from "
                f"{format_value(entry['first_loss'])} at η = "
                f"{format_value(float(result.learning_rates[0]))} to its minimum "
                f"{format_value(entry['min_smoothed_loss'])} at η = "
                f"{format_value(result.min_loss_learning_rate)}; it fell fastest "
                f"at η = {format_value(result.suggestion)}, the suggestion."
            )
            text += (
                f" The test stopped after {result.steps} of {options['steps']} "
                f"steps: {result.stop_reason}."
                if result.stop_reason
                else f" It ran all {result.steps} steps without diverging."
            )
            if finding.check is not None:
                metrics = finding.check.metrics
                entry["check"] = {
                    "epochs": finding.check.history.epochs,
                    "diverged": finding.check.diverged,
                    "train_accuracy": metrics["train_accuracy"],
                    "test_accuracy": metrics["test_accuracy"],
                    "test_loss": metrics["test_loss"],
                }
                text += (
                    f" Trained with the suggestion for "
                    f"{finding.check.history.epochs} epochs, a fresh network "
                    f"reaches training accuracy "
                    f"{format_value(metrics['train_accuracy'])} and test accuracy "
                    f"{format_value(metrics['test_accuracy'])}"
                    f"{' (it diverged)' if finding.check.diverged else ''}."
                )
            entries.append(entry)
            sentences.append(text)
        suggestions = [
            e["suggestion"] for e in entries if math.isfinite(e["suggestion"])
        ]
        median = float(np.median(suggestions)) if suggestions else math.nan
        if len(findings) > 1:
            sentences.append(
                f"Median suggestion over {len(findings)} repeats: "
                f"η = {format_value(median)}."
            )
        report.heading("Range tests")
        report.table(
            entries,
            columns=[
                "repeat",
                "suggestion",
                "min_loss_learning_rate",
                "steps_run",
                "first_loss",
                "min_smoothed_loss",
                "stop_reason",
            ],
        )
        report.reading(sentences)
        return {
            "suggestion": median,
            "reduction": reduction,
            "batch_size": batch,
            "repeats": entries,
        }


def write_csv(findings: list[_Finding], path: Path) -> Path:
    """One row per recorded step: :data:`CSV_COLUMNS`."""
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for finding in findings:
            result = finding.result
            for step in range(result.steps):
                writer.writerow(
                    [
                        finding.repeat,
                        step,
                        repr(float(result.learning_rates[step])),
                        repr(float(result.losses[step])),
                        repr(float(result.smoothed_losses[step])),
                    ]
                )
    return path


# ---------------------------------------------------------------------- figures
def _range_figure(findings: list[_Finding]) -> Figure:
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = figure.add_subplot()
    top = 0.0
    for index, finding in enumerate(findings):
        result = finding.result
        colour = f"C{index}"
        name = f"repeat {finding.repeat}" if len(findings) > 1 else "batch loss"
        ax.plot(
            result.learning_rates,
            result.losses,
            color=colour,
            lw=0.8,
            alpha=0.35,
            label=name,
        )
        ax.plot(
            result.learning_rates,
            result.smoothed_losses,
            color=colour,
            lw=2,
            label="smoothed" if len(findings) == 1 else None,
        )
        if math.isfinite(result.suggestion):
            ax.axvline(
                result.suggestion,
                color=colour,
                ls="--",
                lw=1.2,
                label=f"suggestion η = {format_value(result.suggestion)}",
            )
        ax.axvline(
            result.min_loss_learning_rate,
            color=colour,
            ls=":",
            lw=1.2,
            label=f"minimum at η = {format_value(result.min_loss_learning_rate)}",
        )
        top = max(top, 1.5 * float(result.smoothed_losses.max()))
    ax.set_xscale("log")
    ax.set_ylim(0, top)
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("batch loss (mean cross-entropy)")
    ax.set_title("Learning-rate range test")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return figure


def _check_figure(result: LRFinderResult, check: RunResult) -> Figure:
    figure = Figure(figsize=(12, 4.5), layout="constrained")
    boundary, curve = figure.subplots(1, 2)
    X, y = load_data(check.spec.config)[:2]
    plot_decision_boundary(check.network, X, y, ax=boundary)
    plot_loss_curves(
        {f"η = {format_value(result.suggestion)}": check.history},
        ax=curve,
        validation_label="test",
    )
    return figure
