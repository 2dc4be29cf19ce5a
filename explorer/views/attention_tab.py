"""AttentionTab: the attention grid, with a time-lapse over the run and head switches."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from explorer.core.state import AppState, Status
from explorer.views.attention_grid import AttentionGrid
from tinyformer.inspect.evaluation import AttentionView

PLAY_MS = 120


class AttentionTab(QWidget):
    """Live: the newest attention of the probe input. Drag the slider (or Play) to go back
    through the snapshots taken while training. Click a head to switch it off."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.grid = AttentionGrid()
        self.live = QCheckBox("Live")
        self.live.setChecked(True)
        self.live.setToolTip("Follow the newest attention while training")
        self.play = QPushButton("Play")
        self.play.setToolTip("Replay the attention snapshots from the first step")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through the attention snapshots taken during training")
        self.when = QLabel("")
        self.export = QPushButton("Export frames…")
        self.export.setToolTip("Save every snapshot of this view as a numbered PNG")
        self.heads_off = QLabel("")
        self.heads_off.setStyleSheet("color:#b42318;")
        self.all_on = QPushButton("All heads on")
        self.all_on.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_MS)
        self.timer.timeout.connect(self._on_play_tick)
        self._key = None

        lapse = QHBoxLayout()
        for w in (self.live, self.play):
            lapse.addWidget(w)
        lapse.addWidget(self.slider, 1)
        for w in (self.when, self.export):
            lapse.addWidget(w)
        ablation = QHBoxLayout()
        hint = QLabel("Click a heatmap to switch that head off (and on again).")
        hint.setStyleSheet("color:#555;")
        ablation.addWidget(hint)
        ablation.addWidget(self.heads_off, 1)
        ablation.addWidget(self.all_on)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid, 1)
        layout.addLayout(lapse)
        layout.addLayout(ablation)

        self.slider.valueChanged.connect(self._on_slider_moved)
        self.live.toggled.connect(lambda on: self.refresh(force=True))
        self.play.clicked.connect(self._on_play)
        self.all_on.clicked.connect(lambda: state.set_ablation(()))
        self.grid.head_clicked.connect(self._on_head_clicked)
        state.ablation_changed.connect(lambda _: self.refresh(force=True))
        state.run_changed.connect(lambda _: self._reset())

    # what to show --------------------------------------------------------------------

    def _labels(self) -> AttentionView | None:
        run = self.state.run
        return None if run is None or run.inspection is None else run.inspection.attention

    def refresh(self, force: bool = False) -> None:
        run = self.state.run
        inspection = None if run is None else run.inspection
        n = 0 if run is None else len(run.snapshots)
        index = n - 1 if self.live.isChecked() else min(self.slider.value(), n - 1)
        key = (
            id(run),
            n,
            index,
            None if inspection is None else (inspection.step, inspection.ablated),
            self.state.ablated,
        )
        if key == self._key and not force:
            return
        self._key = key
        self._sync_slider(n, index)
        labels = self._labels()
        if labels is None:
            self.grid.set_view(None)
            self.when.setText("")
            return
        ablated = self.state.ablated
        if ablated and inspection.ablated == ablated:  # the model with heads off, now
            self.grid.set_view(inspection.attention, inspection.step, ablated)
            self.when.setText(f"step {inspection.step}, heads off")
        elif index >= 0:  # heads just switched off show dimmed until their answer comes
            snap = run.snapshots[index]
            view = AttentionView(snap.attention, labels.queries, labels.keys)
            self.grid.set_view(view, snap.step, ablated)
            self.when.setText(f"step {snap.step} ({index + 1} of {n})")
        else:
            self.grid.set_view(labels, inspection.step, ablated)
        self._show_ablation()

    def _sync_slider(self, n: int, index: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setValue(max(index, 0))
        self.slider.blockSignals(False)
        self.slider.setEnabled(n > 1)
        self.play.setEnabled(n > 1)
        self.export.setEnabled(n > 0)

    def _show_ablation(self) -> None:
        off = sorted(self.state.ablated)
        self.all_on.setVisible(bool(off))
        if not off:
            self.heads_off.setText("")
            return
        names = ", ".join(f"{k} L{layer + 1}H{h + 1}" for k, layer, h in off)
        inspection = self.state.run.inspection if self.state.run else None
        result = ""
        if inspection is not None and inspection.ablated == self.state.ablated:
            e = inspection.ablated_eval
            full = self.state.run.last_eval
            result = f": held-out exact match {e.exact_match:.0%}"
            if full is not None:
                result += f" (all heads: {full.exact_match:.0%})"
        self.heads_off.setText(f"Off: {names}{result}")

    # controls ------------------------------------------------------------------------

    def _reset(self) -> None:
        self.timer.stop()
        self.live.setChecked(True)
        self._key = None

    def _on_slider_moved(self, _value: int) -> None:
        if self.live.isChecked():
            self.live.blockSignals(True)
            self.live.setChecked(False)
            self.live.blockSignals(False)
        self.refresh()

    def _on_play(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play.setText("Play")
            return
        self.live.setChecked(False)
        self.slider.setValue(0)
        self.play.setText("Stop")
        self.timer.start()

    def _on_play_tick(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.timer.stop()
            self.play.setText("Play")
            return
        self.slider.setValue(self.slider.value() + 1)

    def _on_head_clicked(self, kind: str, layer: int, head: int) -> None:
        if self.state.status in (Status.TRAINING, Status.SWEEPING, Status.PREPARING):
            self.heads_off.setText("Pause training to switch heads off.")
            return
        self.state.toggle_head((kind, layer, head))

    def export_frames(self, folder: str) -> int:
        """Every snapshot of the current view as folder/frame-NNNN-step-S.png; the count."""
        run = self.state.run
        if run is None or not len(run.snapshots):
            return 0
        live, value = self.live.isChecked(), self.slider.value()
        self.live.setChecked(False)
        Path(folder).mkdir(parents=True, exist_ok=True)
        for i in range(len(run.snapshots)):
            self.slider.setValue(i)
            self.refresh(force=True)
            step = run.snapshots[i].step
            self.grid.grab().save(str(Path(folder) / f"frame-{i + 1:04d}-step-{step}.png"), "PNG")
        self.slider.setValue(value)
        self.live.setChecked(live)
        return len(run.snapshots)
