"""CausesView: which heads and which positions carry the answer, by activation patching;
what each part wrote of the right token's logit; what one head does, from its weights.

Pick a clean input, corrupt it with one click (a token changed, or another example), click
the output position to measure: every head's z and every stream position is then taken
from the clean run into the corrupted one, one at a time, and the map says how much of the
clean answer comes back (0 = none, 1 = all of it). Computed in the worker thread on a
paused run; heads switched off in the Attention tab stay off in every run, and say so.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.causes_ask import METRICS, CausesAsk
from explorer.core.results import CausesResult, CircuitsResult, InputRefusal
from explorer.core.status import Status
from explorer.views.attention_grid import heads_named
from explorer.views.causes_circuits import CircuitsPanel
from explorer.views.causes_maps import KIND_NAMES, AttributionBars, MapPanel
from explorer.views.token_row import TokenRow

NO_RUN = "Train or step the model, then ask which part of it carries the answer."
HEAD_CELL, STREAM_CELL = 40, 30


class CausesView(QWidget):
    export_requested = Signal()

    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result: CausesResult | None = None
        self.last_draw_ms = 0.0

        self.clean = QComboBox()
        self.clean.setToolTip("The clean input: the answer patching tries to bring back")
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("or type a clean input and press Enter")
        self.metric_box = QComboBox()
        for key, label in METRICS.items():
            self.metric_box.addItem(label, key)
        self.metric_box.setToolTip("What is measured at the chosen output position")
        self.other = QPushButton("Corrupt: another example")
        self.other.setToolTip("Use another held-out example as the corrupted input")
        self.export = QPushButton("Export…")
        self.export.setToolTip("Save every map as PNG, SVG and CSV")
        self.source = TokenRow("Corrupt token:", "Change this token of the clean input")
        self.output = TokenRow("Measure at:", "Measure the answer at this output position")
        self.sentence = QLabel(NO_RUN)
        self.sentence.setWordWrap(True)
        self.sentence.setObjectName("causesSentence")
        # Room for four lines (a 1024-px window needs them) from the start: a sentence that
        # changed its height with each result would lay the whole tab out again (its plot
        # included) while patching runs.
        lines = self.sentence.fontMetrics().lineSpacing()
        self.sentence.setFixedHeight(4 * lines + 4)
        self.sentence.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.busy = QLabel("")
        self.busy.setFixedWidth(self.busy.fontMetrics().horizontalAdvance("Measuring…") + 8)
        self.busy.setStyleSheet("color:#777;")
        self.hover = QLabel("Hover over a cell to read it; click a head for its circuits.")

        self.maps = QWidget()
        self.maps.setStyleSheet("background:white;")
        self.grid = QGridLayout(self.maps)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.grid.setSpacing(14)
        self.panels: dict[str, MapPanel] = {}
        self.bars = AttributionBars()
        self.circuit_panel = CircuitsPanel()
        # The circuits go under the maps, in the wide column (a map of vocab × vocab needs
        # room); the bars have the narrow one to themselves.
        left = QWidget()
        left.setObjectName("causesColumn")
        left.setStyleSheet("#causesColumn { background:white; }")
        column = QVBoxLayout(left)
        column.addWidget(self.maps)
        column.addWidget(self.circuit_panel)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(left)
        split = QSplitter()
        split.addWidget(self.scroll)
        split.addWidget(self.bars)
        split.setSizes([700, 300])

        # The combo boxes show their whole text where there is room and give way on a
        # narrow window (their lists still show whole names): the tab fits 1024 pixels
        # beside both panels.
        for box in (self.clean, self.metric_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # items come later
            box.setMinimumWidth(box.fontMetrics().horizontalAdvance("held-out ex") + 40)
        top = QHBoxLayout()
        top.addWidget(QLabel("Clean:"))
        top.addWidget(self.clean)
        top.addWidget(self.typed, 1)
        top.addWidget(self.export)
        how = QHBoxLayout()
        how.addWidget(QLabel("Metric:"))
        how.addWidget(self.metric_box)
        how.addWidget(self.other)
        how.addWidget(self.busy)
        how.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(how)
        layout.addWidget(self.source)
        layout.addWidget(self.output)
        layout.addWidget(self.sentence)
        layout.addWidget(split, 1)
        layout.addWidget(self.hover)

        self._corrupt: tuple = ("token", 0)
        self._position: int | None = None
        self.clean.activated.connect(lambda _: self._ask(reset=True))
        self.typed.returnPressed.connect(self._on_typed)
        self.metric_box.activated.connect(lambda _: self._ask())
        self.other.clicked.connect(self._on_other)
        self.source.chosen.connect(self._on_token)
        self.output.chosen.connect(self._on_position)
        self.export.clicked.connect(self.export_requested)
        self.circuit_panel.said.connect(self.hover.setText)
        live = state.live
        live.run_replaced.connect(self._on_run_replaced)
        live.causes_found.connect(self.show_result)
        live.circuits_read.connect(self.show_circuits)
        live.input_refused.connect(self._on_refused)
        live.status_changed.connect(lambda _: self._say_status())
        self._on_run_replaced(state.run)

    def plot_item(self):
        return self.bars.plot.getPlotItem()

    # asking -------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for reading in ("causes", "circuits"):
            self.state.live.watch(reading, True)
        if "causes" not in self.state.live.asks:
            self._ask()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        for reading in ("causes", "circuits"):
            self.state.live.watch(reading, False)

    def current_ask(self) -> CausesAsk:
        if self.clean.currentData() == "typed" and self.typed.text().strip():
            clean = ("typed", self.typed.text().strip())
        else:
            clean = ("held-out", max(0, self.clean.currentIndex()))
        return CausesAsk(clean, self._corrupt, self.metric_box.currentData(), self._position)

    def _ask(self, reset: bool = False) -> None:
        """Measure the inputs and metric chosen (now if the run is paused, else once it
        is, and again whenever the run has moved on while the tab is in sight)."""
        if reset:
            self._corrupt, self._position = ("token", 0), None
        self.state.live.read("causes", self.current_ask())
        self._say_status()

    def _on_typed(self) -> None:
        if self.clean.findData("typed") < 0:
            self.clean.addItem("your input", "typed")
        self.clean.setCurrentIndex(self.clean.findData("typed"))
        self._ask(reset=True)

    def _on_token(self, position: int) -> None:
        self._corrupt = ("token", position)
        self._position = None  # measured where the answer moves
        self._ask()

    def _on_other(self) -> None:
        run = self.state.run
        n = 0 if run is None else min(run.held_out, 20)
        current = self.clean.currentIndex() if self.clean.currentData() != "typed" else -1
        last = self._corrupt[1] if self._corrupt[0] == "held-out" else current
        choice = (last + 1) % max(n, 1)
        if choice == current:
            choice = (choice + 1) % max(n, 1)
        self._corrupt, self._position = ("held-out", choice), None
        self._ask()

    def _on_position(self, position: int) -> None:
        self._position = position
        self._ask()

    # showing ------------------------------------------------------------------------------

    def _on_run_replaced(self, run) -> None:
        self.result = None
        self.circuit_panel.clear()
        self.clean.clear()
        for i in range(0 if run is None else min(run.held_out, 20)):
            self.clean.addItem(f"held-out example {i + 1}", i)
        self.clean.addItem("your input", "typed")
        for panel in self.panels.values():
            panel.hide()
        self.bars.show_parts({}, "")
        self.source.set_tokens([], None)
        self.output.set_tokens([], None)
        if self.isVisible() and "causes" not in self.state.live.asks:
            self._ask(reset=True)  # another task: asked afresh
        self._say_status()

    def _say_status(self) -> None:
        if self.state.run is None:
            self.sentence.setText(NO_RUN)
        elif self.state.status in (Status.TRAINING, Status.PAUSING):
            self.sentence.setText(
                "Pause training (Space) to measure: patching runs the model dozens of times."
            )
        waiting = self.result is None or self.result.asked != self.state.live.asks.get("causes")
        self.busy.setText("Measuring…" if waiting and self.state.run is not None else "")

    def _on_refused(self, refusal: InputRefusal) -> None:
        if refusal.where == "causes":
            self.sentence.setText(
                f"<span style='color:#b42318'>{html.escape(refusal.message)}</span>"
            )

    def show_result(self, r: CausesResult) -> None:
        t0 = time.perf_counter()
        self.result = r
        self.busy.setText("")
        source = "encoder" if "encoder" in r.tokens else "decoder"
        changed = {
            i
            for i, (a, b) in enumerate(zip(r.tokens[source], r.corrupted[source], strict=True))
            if a != b
        }
        self.source.set_tokens(r.tokens[source], None, changed)
        out_tokens = [t or "·" for t in r.targets]
        self.output.set_tokens(out_tokens, r.position, usable=set(r.answers))
        self.sentence.setText(self._sentence(r))
        grid_row = 0
        names = []
        for kind, values in r.heads.items():
            name = f"heads.{kind}"
            rows = [f"L{i + 1}" for i in range(values.shape[0])]
            cols = [f"H{h + 1}" for h in range(values.shape[1])]
            title = f"<b>Heads, {KIND_NAMES[kind]}</b>: layer × head (click one)"
            self._panel(name).show_values(name, title, values, rows, cols, HEAD_CELL)
            names.append(name)
        for s, values in r.stream.items():
            name = f"stream.{s}"
            rows = [f"L{i + 1}" for i in range(values.shape[0])]
            title = f"<b>Stream into each {s} layer</b>: layer × position"
            self._panel(name).show_values(name, title, values, rows, r.tokens[s], STREAM_CELL)
            names.append(name)
        for name, panel in self.panels.items():
            panel.setVisible(name in names)
            if name in names:
                self.grid.addWidget(panel, grid_row, 0)
                grid_row += 1
        if r.attribution:
            title = (
                f"<b>Direct logit attribution</b> of '{html.escape(r.right)}' at output "
                f"{r.position + 1}, clean run: what each part wrote"
            )
            self.bars.show_parts(r.attribution, title)
        else:
            self.bars.show_parts({}, f"<b>Direct logit attribution</b>: {r.attribution_note}.")
        self.last_draw_ms = (time.perf_counter() - t0) * 1000

    def _sentence(self, r: CausesResult) -> str:
        right, wrong = html.escape(r.right), html.escape(r.wrong)
        what = (
            f"p('{right}')" if r.metric == "probability" else f"logit('{right}') − logit('{wrong}')"
        )
        text = (
            f"<b>{r.clean_label}</b> against <b>{r.corrupt_label}</b>, output {r.position + 1}"
            f" (step {r.step}): {what} is <b>{r.clean_metric:.3g}</b> clean and "
            f"<b>{r.corrupted_metric:.3g}</b> corrupted. Each cell: how much of the "
            "difference comes back when that part is taken from the clean run (1 = all)."
        )
        if r.note:
            text += f"<br><span style='color:#b42318'>{html.escape(r.note)}</span>"
        if r.ablated:
            text += (
                f"<br><span style='color:#b42318'>Heads switched off in every run: "
                f"{heads_named(r.ablated)}.</span>"
            )
        return text

    def _panel(self, name: str) -> MapPanel:
        if name not in self.panels:
            panel = MapPanel(self.maps)
            panel.cell_hovered.connect(lambda q, k, p=panel: self._hover_cell(p, q, k))
            panel.cell_clicked.connect(lambda q, k, p=panel: self._click_cell(p, q, k))
            self.panels[name] = panel
        return self.panels[name]

    def _hover_cell(self, panel: MapPanel, q: int, k: int) -> None:
        value = float(panel.values()[q, k])
        where = panel.name.split(".", 1)[1]
        if panel.name.startswith("heads."):
            self.hover.setText(
                f"{KIND_NAMES[where]}, layer {q + 1}, head {k + 1}: its z taken "
                f"from the clean run restores {value:.3f}"
            )
        else:
            at = f"position {k + 1} ('{panel.cols[k]}')"
            self.hover.setText(
                f"{where} stream into layer {q + 1}, {at} taken from the clean run restores "
                f"{value:.3f}"
            )

    def _click_cell(self, panel: MapPanel, q: int, k: int) -> None:
        if panel.name.startswith("heads."):
            kind = panel.name.split(".", 1)[1]
            self.state.live.read("circuits", (kind, q, k))

    @property
    def circuits(self) -> CircuitsResult | None:
        return self.circuit_panel.circuits

    def show_circuits(self, c: CircuitsResult) -> None:
        self.circuit_panel.show_circuits(c)
        # below the maps: scroll down to them, never sideways (the maps would go from sight)
        self.scroll.widget().layout().activate()
        bar = self.scroll.verticalScrollBar()
        bar.setValue(min(bar.maximum(), self.circuit_panel.y()))

    # export -------------------------------------------------------------------------------

    def export_to(self, path: str) -> list[str]:
        """Every map shown, as PNG, SVG and CSV beside `path` (its stem, then the map)."""
        if self.result is None:
            raise ValueError("nothing measured yet: pause the run on this tab first")
        stem = Path(path).with_suffix("")
        written = []
        pictures = [(n, p) for n, p in self.panels.items() if p.isVisible()]
        if self.bars.parts:
            pictures.append(("attribution", self.bars))
        pictures += self.circuit_panel.pictures()
        for name, picture in pictures:
            for suffix in (".png", ".svg", ".csv"):
                target = f"{stem}-{name}{suffix}"
                picture.write(target)
                written.append(target)
        return written
