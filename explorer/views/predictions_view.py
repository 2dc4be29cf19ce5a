"""PredictionsView: held-out examples answered by the model, and a box for your own input."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
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

from explorer.core.results import TypedResult
from explorer.core.state import AppState
from explorer.views.attention_grid import AttentionGrid

RIGHT = "#1a7f37"
WRONG = "#cf222e"
RIGHT_BG = "#dafbe1"
WRONG_BG = "#ffebe9"


def _cells(tokens: list[str], probs: list[float] | None, target: list[str] | None) -> str:
    out = []
    for i, tok in enumerate(tokens):
        style = "padding:2px 6px;"
        if target is not None:
            ok = i < len(target) and target[i] == tok
            color, bg = (RIGHT, RIGHT_BG) if ok else (WRONG, WRONG_BG)
            style += f"color:{color};background:{bg};"
        prob = "" if probs is None else f"<br><small>{probs[i]:.2f}</small>"
        out.append(f"<td align='center' style='{style}'>{html.escape(tok)}{prob}</td>")
    return "".join(out)


def _row(label: str, cells: str) -> str:
    return f"<tr><th align='right' style='padding-right:8px;color:#555'>{label}</th>{cells}</tr>"


def examples_html(inspection) -> str:
    parts = []
    right = sum(e.exact for e in inspection.examples)
    parts.append(
        f"<p><b>Step {inspection.step}</b>: {right}/{len(inspection.examples)} of these "
        "held-out examples exactly right by greedy decoding. Teacher-forced: each position "
        "is given the true previous tokens. Greedy: the model feeds back its own tokens. "
        "Small numbers are the probability of the chosen token"
        + (
            f", from a softmax at temperature {inspection.temperature:g}.</p>"
            if inspection.temperature != 1.0
            else ".</p>"
        )
    )
    if inspection.ablated:
        names = ", ".join(f"{k} L{layer + 1}H{h + 1}" for k, layer, h in sorted(inspection.ablated))
        e = inspection.ablated_eval
        parts.append(
            f"<p style='color:{WRONG}'>Heads switched off: {names}. Held-out exact match "
            f"without them: {e.exact_match:.1%} (token accuracy {e.token_accuracy:.1%}).</p>"
        )
    for i, e in enumerate(inspection.examples, start=1):
        verdict = "right" if e.exact else "wrong"
        color = RIGHT if e.exact else WRONG
        parts.append(
            f"<p style='margin:10px 0 2px 0'>Example {i} "
            f"<span style='color:{color}'>({verdict})</span></p>"
            "<table cellspacing='2'>"
            + _row("input", _cells(e.source, None, None))
            + _row("target", _cells(e.target, None, None))
            + _row("teacher-forced", _cells(e.forced, e.forced_probs, e.target))
            + _row("greedy", _cells(e.greedy, e.greedy_probs, e.target))
            + "</table>"
        )
    return "".join(parts)


def typed_html(result: TypedResult) -> str:
    probs = result.prediction.probs[: len(result.output)]
    rows = _row("input", _cells(result.text.split(), None, None))
    rows += _row("output", _cells(result.output, probs, result.expected))
    note = "The task does not say what the right answer is for this input."
    if result.expected is not None:
        rows += _row("expected", _cells(result.expected, None, None))
        ok = result.expected == result.output
        note = f"<span style='color:{RIGHT if ok else WRONG}'>{'Right' if ok else 'Wrong'}.</span>"
    return f"<table cellspacing='2'>{rows}</table><p>{note}</p>"


class PredictionsView(QWidget):
    predict_requested = Signal(str)
    temperature_changed = Signal(float)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._drawn = (None, None)
        self.examples = QTextBrowser()
        self.examples.setObjectName("heldOutExamples")
        self.input = QLineEdit()
        self.input.setPlaceholderText("Type an input, tokens separated by spaces, e.g. 3 1 4 1 5")
        self.input.returnPressed.connect(self._on_predict)
        self.button = QPushButton("Predict")
        self.button.clicked.connect(self._on_predict)
        self.result = QTextBrowser()
        self.result.setObjectName("typedResult")
        self.result.setMaximumHeight(140)
        self.attention = AttentionGrid()
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 20.0)
        self.temperature.setSingleStep(0.25)
        self.temperature.setDecimals(2)
        self.temperature.setValue(1.0)
        self.temperature.setToolTip(
            "Softmax temperature of the output probabilities: below 1 sharpens them, above 1 "
            "flattens them. The greedy choice (the most likely token) does not change."
        )
        self.temperature.valueChanged.connect(self._on_temperature)
        self._typed_text = ""  # the input whose answer is shown, asked again on changes

        box = QWidget()
        lower = QVBoxLayout(box)
        lower.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Your input:"))
        row.addWidget(self.input, 1)
        row.addWidget(self.button)
        row.addSpacing(16)
        row.addWidget(QLabel("Temperature:"))
        row.addWidget(self.temperature)
        lower.addLayout(row)
        lower.addWidget(self.result)
        lower.addWidget(self.attention, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.examples)
        split.addWidget(box)
        split.setSizes([300, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        state.run_changed.connect(self._on_run_changed)
        self._on_run_changed(state.run)

    def refresh(self) -> None:
        run = self.state.run
        inspection = None if run is None else run.inspection
        key = (id(run), None if inspection is None else id(inspection))
        if key == self._drawn:
            return
        self._drawn = key
        if inspection is None:
            self.examples.setHtml("<p>No predictions yet: press Train or Step.</p>")
        else:
            self.examples.setHtml(examples_html(inspection))

    def _on_temperature(self, value: float) -> None:
        self.temperature_changed.emit(value)
        if self._typed_text:  # its probabilities change too: ask again (queued after)
            self.predict_requested.emit(self._typed_text)

    def show_typed(self, result: TypedResult) -> None:
        self._typed_text = result.text
        self.result.setHtml(typed_html(result))
        self.attention.set_view(result.attention)

    def show_typed_error(self, message: str) -> None:
        self.result.setHtml(f"<p style='color:{WRONG}'>{html.escape(message)}</p>")
        self.attention.set_view(None)

    def _on_run_changed(self, run) -> None:
        has_run = run is not None
        self.input.setEnabled(has_run)
        self.button.setEnabled(has_run)
        self.attention.set_view(None)
        self._typed_text = ""
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
            self.predict_requested.emit(text)
