"""PredictionsView: how right the model is on the whole held-out set, a few examples
(mistakes first), and a box for your own input with the attention behind its answer."""

from __future__ import annotations

import html

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.results import InputRefusal, TypedResult
from explorer.core.run import Run
from explorer.views.attention_grid import AttentionGrid, heads_named
from explorer.views.redraw import Redraw
from tinyformer.model.config import DECODER_ONLY, ENCODER_ONLY

RIGHT = "#1a7f37"
WRONG = "#cf222e"
RIGHT_BG = "#dafbe1"
WRONG_BG = "#ffebe9"
MUTED = "#8c959f"
UNDRAWN = object()  # no key equals it: the next draw redraws
TYPED_SHARE = 0.6  # of the tab, for a typed answer and its attention


def _cells(tokens: list[str], probs: list[float] | None, target: list[str] | None) -> str:
    out = []
    for i, tok in enumerate(tokens):
        style = "padding:2px 6px;white-space:nowrap;"  # a narrow window scrolls, never splits
        if target is not None:
            ok = i < len(target) and target[i] == tok
            color, bg = (RIGHT, RIGHT_BG) if ok else (WRONG, WRONG_BG)
            style += f"color:{color};background:{bg};"
        prob = "" if probs is None else f"<br><small>{probs[i]:.2f}</small>"
        out.append(f"<td align='center' style='{style}'>{html.escape(tok)}{prob}</td>")
    return "".join(out)


def _row(label: str, cells: str) -> str:
    style = "padding-right:8px;color:#555;white-space:nowrap"
    return f"<tr><th align='right' style='{style}'>{label}</th>{cells}</tr>"


def header_html(run: Run) -> str:
    """The figures that count, over the whole evaluated set, and which set that is."""
    inspection, evaluation = run.inspection, run.last_eval
    off = inspection is not None and inspection.ablated
    if inspection is not None and inspection.evaluation is not None:
        evaluation = inspection.evaluation  # made now: with heads off, or on a pause
    if evaluation is None:
        return f"<p><b>Step {run.step}</b>: not evaluated yet (every {run.experiment.train.eval_every} steps, and at the end).</p>"  # noqa: E501
    few = run.fresh and run.seen_in_training
    where = {
        "held-out": (
            f"inputs drawn fresh; this task has only {run.distinct} different inputs, so "
            "training has seen them all"
            if few
            else "held-out inputs, drawn fresh and never trained on"
            if run.fresh
            else "held-out examples, never trained on"
        ),
        "training": "training examples (nothing is held out: raise the held-out fraction to "
        "test on examples the model never saw)",
    }.get(evaluation.split, evaluation.split)
    greedy = "" if run.experiment.model.arch == ENCODER_ONLY else " (greedy: its own answer)"
    color = RIGHT if evaluation.exact_match >= 0.99 else WRONG
    text = (
        f"<p style='font-size:larger'><b>Step {evaluation.step}</b>: "
        f"<b style='color:{color}'>{evaluation.exact_match:.1%}</b> exactly right{greedy}, "
        f"{evaluation.correct:,} of {evaluation.total:,} {where}; token accuracy "
        f"{evaluation.token_accuracy:.1%}.</p>"
    )
    if off:
        full = run.last_eval
        text += (
            f"<p style='color:{WRONG}'>With heads switched off: {heads_named(inspection.ablated)}"
            + ("" if full is None else f" (all heads on: {full.exact_match:.1%})")
            + ".</p>"
        )
    return text


def examples_html(run: Run, temperature: float) -> str:
    inspection = run.inspection
    bert = run.experiment.model.arch == ENCODER_ONLY
    gpt = run.experiment.model.arch == DECODER_ONLY
    wrong = sum(not e.exact for e in inspection.examples)
    parts = []
    if wrong:
        parts.append(f"<p>Below: {len(inspection.examples)} of them, the mistakes first.</p>")
    else:
        parts.append(f"<p>Below: {len(inspection.examples)} of them (no mistakes to show).</p>")
    if bert:
        parts.append(
            "<p>Each <b>&lt;mask&gt;</b> (and each changed token) is filled in where it "
            "stands; small numbers are the probability of the chosen token.</p>"
        )
    else:
        parts.append(
            "<p><b>Teacher-forced</b>: each position is given the true previous tokens. "
            "<b>Greedy</b>: the model feeds back its own tokens, as when it answers "
            "for real. Small numbers are the probability of the chosen token"
            + (f" (softmax at temperature {temperature:g})" if temperature != 1 else "")
            + "."
            + (" The answer continues the input, so it is drawn after it." if gpt else "")
            + "</p>"
        )
    for i, e in enumerate(inspection.examples, start=1):
        verdict = "right" if e.exact else "wrong"
        color = RIGHT if e.exact else WRONG
        parts.append(
            f"<p style='margin:10px 0 2px 0'>Example {i} "
            f"<span style='color:{color}'>({verdict})</span></p><table cellspacing='2'>"
        )
        if bert:
            parts.append(_bert_rows(e, temperature))
        else:
            # A decoder-only model's answer continues its input: drawn after it.
            pad = "<td></td>" * len(e.source) if gpt else ""
            parts.append(
                _row("input", _cells(e.source, None, None))
                + _row("target", pad + _cells(e.target, None, None))
                + _row(
                    "teacher-forced",
                    pad + _cells(e.forced, e.forced_probs(temperature), e.target),
                )
                + _row("greedy", pad + _cells(e.greedy, e.greedy_probs(temperature), e.target))
            )
        parts.append("</table>")
    return "".join(parts)


def _bert_rows(e, temperature: float) -> str:
    """Answers under the positions they fill; the other positions shown faint."""
    at = dict(zip(e.positions, range(len(e.positions)), strict=True))
    probs = e.greedy_probs(temperature)
    model_cells, target_cells = [], []
    for i in range(len(e.source)):
        if i in at:
            j = at[i]
            model_cells.append(_cells([e.greedy[j]], [probs[j]], [e.target[j]]))
            target_cells.append(_cells([e.target[j]], None, None))
        else:
            faint = f"<td align='center' style='padding:2px 6px;color:{MUTED}'>·</td>"
            model_cells.append(faint)
            target_cells.append(faint)
    return (
        _row("input", _cells(e.source, None, None))
        + _row("model", "".join(model_cells))
        + _row("hidden", "".join(target_cells))
    )


def typed_html(result: TypedResult, temperature: float) -> str:
    probs = result.prediction.probs(temperature)[: len(result.output)]
    rows = _row("input", _cells(result.text.split(), None, None))
    rows += _row("output", _cells(result.output, probs, result.expected))
    note = "The task does not say what the right answer is for this input."
    if result.expected is not None:
        rows += _row("expected", _cells(result.expected, None, None))
        ok = result.expected == result.output
        note = f"<span style='color:{RIGHT if ok else WRONG}'>{'Right' if ok else 'Wrong'}.</span>"
    if result.ablated:
        note += f" <span style='color:{WRONG}'>Heads off: {heads_named(result.ablated)}.</span>"
    note += f" <span style='color:{MUTED}'>(step {result.step})</span>"
    return f"<table cellspacing='2'>{rows}</table><p>{note}</p>"


class PredictionsView(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._drawn = UNDRAWN
        self._typed: TypedResult | None = None
        self._task = None  # the task the typed input was written for
        self.header = QLabel()
        self.header.setObjectName("predictionsHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.examples = QTextBrowser()
        self.examples.setObjectName("heldOutExamples")
        self.input = QLineEdit()
        self.input.setPlaceholderText("Type an input, tokens separated by spaces, e.g. 3 1 4 1 5")
        self.input.returnPressed.connect(self._on_predict)
        self.button = QPushButton("Predict")
        self.button.clicked.connect(self._on_predict)
        self.result = QTextBrowser()
        self.result.setObjectName("typedResult")
        self.result.setMaximumHeight(120)
        self.attention = AttentionGrid(
            "Type an input above: the attention behind its answer shows here."
        )
        self.attention.setMinimumHeight(180)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 20.0)
        self.temperature.setSingleStep(0.25)
        self.temperature.setDecimals(2)
        self.temperature.setValue(state.temperature)
        self.temperature.setKeyboardTracking(False)
        self.temperature.setToolTip(
            "Softmax temperature of the shown probabilities: below 1 sharpens them, above 1 "
            "flattens them. The greedy choice (the most likely token) does not change."
        )
        self.temperature.valueChanged.connect(state.set_temperature)

        box = QWidget()
        lower = QVBoxLayout(box)
        lower.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Your input:"))
        row.addWidget(self.input, 1)
        row.addWidget(self.button)
        lower.addLayout(row)
        lower.addWidget(self.result)
        lower.addWidget(self.attention, 1)
        top = QWidget()
        upper = QVBoxLayout(top)
        upper.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.header, 1)
        heading.addWidget(QLabel("Temperature:"), 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.temperature, 0, Qt.AlignmentFlag.AlignTop)
        upper.addLayout(heading)
        upper.addWidget(self.examples, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(box)
        split.setSizes([500, 400])
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.split = split
        self._split_moved = False  # by the user: then their sizes stay
        split.splitterMoved.connect(self._on_split_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.redraw = Redraw(self, self._draw)
        live = state.live
        live.run_replaced.connect(self._on_run_changed)
        for signal in (live.inspected, live.trained, live.run_updated):
            signal.connect(self.redraw.poke)
        live.typed_answered.connect(self.show_typed)
        live.input_refused.connect(self._on_input_refused)
        state.temperature_changed.connect(self._on_temperature_changed)
        self._on_run_changed(state.run)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for reading in ("predictions", "typed"):  # while in sight, they follow the run
            self.state.live.watch(reading, True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        for reading in ("predictions", "typed"):
            self.state.live.watch(reading, False)

    def refresh(self) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        self.redraw.now()

    def _draw(self) -> None:
        run = self.state.run
        # Keyed on what the text shows, not on every step: setHtml costs the trainer the GIL.
        look = None if run is None else run.inspection
        key = (
            None
            if run is None
            else (
                run.serial,
                None if look is None else (look.step, look.ablated, look.evaluation is not None),
                None if run.last_eval is None else run.last_eval.step,
                self.state.temperature,
            )
        )
        if key == self._drawn:
            return
        self._drawn = key
        if run is None or run.inspection is None:
            self.header.setText("<p>No predictions yet: press Train (Space) or Step (→).</p>")
            self.examples.setHtml("")
            return
        self.header.setText(header_html(run))
        self.examples.setHtml(examples_html(run, self.state.temperature))

    def _on_temperature_changed(self, value: float) -> None:
        with QSignalBlocker(self.temperature):
            self.temperature.setValue(value)
        self._drawn = UNDRAWN
        self.redraw.now()
        if self._typed is not None:
            self.result.setHtml(typed_html(self._typed, value))

    def show_typed(self, result: TypedResult) -> None:
        self._typed = result
        self.result.setHtml(typed_html(result, self.state.temperature))
        self.attention.set_view(result.attention, ablated=result.ablated)
        self._make_room_for_typed()

    def _make_room_for_typed(self) -> None:
        """A typed answer's attention maps get the larger share of the tab (TYPED_SHARE),
        unless the user has set the split by hand."""
        sizes = self.split.sizes()
        total = sum(sizes)
        if self._split_moved or total <= 0 or sizes[1] >= TYPED_SHARE * total:
            return
        lower = round(TYPED_SHARE * total)
        self.split.setSizes([total - lower, lower])

    def _on_split_moved(self, *_args) -> None:
        self._split_moved = True

    def _on_input_refused(self, refusal: InputRefusal) -> None:
        if refusal.where == "predictions":
            self.show_refusal(refusal.text, refusal.message)

    def show_refusal(self, text: str, message: str) -> None:
        """The typed input could not be read: say why, in place of the last answer."""
        self._typed = None
        self.attention.set_view(None)
        self.result.setHtml(
            f"<p><b>{html.escape(text, quote=False)}</b>: "
            f"<span style='color:{WRONG}'>{html.escape(message, quote=False)}</span></p>"
        )

    def _on_run_changed(self, run) -> None:
        has_run = run is not None
        self.input.setEnabled(has_run)
        self.button.setEnabled(has_run)
        self.attention.set_view(None)
        self._typed = None
        self._drawn = UNDRAWN
        self.redraw.poke()
        if has_run and run.experiment.task != self._task:
            self._task = run.experiment.task
            self.input.clear()  # typed for another task's tokens: it would only be refused
        if has_run:
            self.result.setHtml(
                "<p>Type an input above and press Enter to see the model's "
                "answer and the attention behind it.</p>"
            )
        else:
            self.result.setHtml("<p>Train or step the model, then type an input here.</p>")

    def _on_predict(self) -> None:
        text = self.input.text().strip()
        if text:
            self.state.live.ask_typed(text)
