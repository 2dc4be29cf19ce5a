"""AttentionTab: the attention grid, with a time-lapse over the run and head switches."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.views.attention_grid import AttentionGrid, heads_named
from explorer.views.redraw import Redraw
from explorer.views.time_lapse import TimeLapse
from tinyformer.inspect.attention_view import AttentionView
from tinyformer.model.hooks import head_name


class AttentionTab(QWidget):
    """Live: the newest attention of the probe input. Drag the slider (or Play) to go back
    through the snapshots taken while training. Click a head to switch it off."""

    export_requested = Signal()

    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.grid = AttentionGrid()
        self.lapse = TimeLapse(self, "attention")
        lapse = self.lapse
        self.live, self.play, self.speed = lapse.live, lapse.play, lapse.speed
        self.slider, self.when, self.timer = lapse.slider, lapse.when, lapse.timer
        self.export = QPushButton("Export…")
        self.export.setToolTip("Save the time-lapse of this view as an animated GIF or PNG frames")
        self.heads_off = QLabel("")
        self.heads_off.setStyleSheet("color:#b42318;")
        self.all_on = QPushButton("All heads on")
        self.all_on.setVisible(False)
        self.all_on.setEnabled(False)
        self._key, self._shown = None, None
        self._exporting = False  # drawing the time-lapse frames: snapshots only

        controls = QHBoxLayout()
        for w in (self.live, self.play, self.speed, self.when):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.export)
        ablation = QHBoxLayout()
        hint = QLabel("Click a map to switch its head off or on.")
        hint.setStyleSheet("color:#555;")
        # Long lists of heads must not widen the window: the label takes what room is left.
        self.heads_off.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        ablation.addWidget(hint)
        ablation.addWidget(self.heads_off, 1)
        ablation.addWidget(self.all_on)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.slider)
        layout.addLayout(controls)
        layout.addLayout(ablation)

        # 4 a second: a grid of maps costs the trainer more to draw than a curve does.
        self.redraw = Redraw(self, self._draw, interval_ms=250)
        lapse.moved.connect(lambda: self.refresh(force=True))
        self.export.clicked.connect(self.export_requested)
        self.all_on.clicked.connect(lambda: state.set_ablation(()))
        self.grid.head_clicked.connect(self._on_head_clicked)
        live = state.live
        live.run_replaced.connect(lambda _: self._reset())
        for signal in (live.trained, live.inspected, live.live_attention_read,
                       live.ablation_changed):  # fmt: skip
            signal.connect(self.redraw.poke)
        self.redraw.poke()

    def plot_item(self):
        return self.grid.plot_item()

    # what to show --------------------------------------------------------------------

    def _labels(self) -> AttentionView | None:
        run = self.state.run
        return None if run is None or run.inspection is None else run.inspection.attention

    def refresh(self, force: bool = False) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        if force:
            self._key = None
        self.redraw.now()

    def _draw(self) -> None:
        run = self.state.run
        n = 0 if run is None else len(run.snapshots)
        index = self.lapse.index(n)
        self.lapse.sync(n, index)
        self.export.setEnabled(n > 0)
        labels = self._labels()
        choice = None if labels is None else self._choose(run, labels, n, index)
        # The grid is drawn again only when what it shows is another reading: a new
        # snapshot or step alone (many a second while training) changes the slider.
        key = None if choice is None else (choice[1], choice[2], self.state.ablated)
        if key is not None and key == self._key and choice[0] is self._shown:
            return
        self._key, self._shown = key, None if choice is None else choice[0]
        if choice is None:
            self.grid.set_view(None)
            self.when.setText("")
            return
        attention, step, when = choice
        view = labels if attention is labels.weights else AttentionView(attention, labels.queries,
                                                                        labels.keys)  # fmt: skip
        self.grid.set_view(view, step, () if self._exporting else self.state.ablated)
        self.when.setText(when)
        self._show_ablation()

    def _choose(self, run, labels: AttentionView, n: int, index: int) -> tuple:
        """(attention weights, their step, what the line under the slider says)."""
        inspection, ablated = run.inspection, self.state.ablated
        if self._exporting:  # snapshots were taken with every head on
            snap = run.snapshots[index]
            return snap.attention, snap.step, ""
        if ablated and inspection.ablated == ablated:  # the model with heads off, now
            return (
                inspection.attention.weights,
                inspection.step,
                f"step {inspection.step}, heads off",
            )
        if self.live.isChecked() and run.live is not None and run.live.step >= run.step - 1:
            return run.live.attention, run.live.step, f"step {run.live.step} (live)"
        if index >= 0:  # heads just switched off show dimmed until their answer comes
            snap = run.snapshots[index]
            return snap.attention, snap.step, f"step {snap.step} ({index + 1} of {n})"
        return labels.weights, inspection.step, ""

    def _show_ablation(self) -> None:
        off = sorted(self.state.ablated)
        # Shown or not, the button keeps its place: the layout never jumps.
        self.all_on.setEnabled(bool(off))
        self.all_on.setVisible(True)
        if not off:
            self.heads_off.setText("")
            return
        names = heads_named(off)
        inspection = self.state.run.inspection if self.state.run else None
        result = ""
        if inspection is not None and inspection.ablated == self.state.ablated:
            e = inspection.evaluation
            full = self.state.run.last_eval
            result = f": held-out exact match {e.exact_match:.0%}"
            if full is not None:
                result += f" (all heads: {full.exact_match:.0%})"
        self.heads_off.setText(f"Off: {names}{result}")

    # controls ------------------------------------------------------------------------

    def _reset(self) -> None:
        self.lapse.reset()
        self._key = None
        self.redraw.poke()

    def _on_head_clicked(self, kind: str, layer: int, head: int) -> None:
        if not self.state.toggle_head(head_name(kind, layer, head)):
            self.heads_off.setText("Pause training to switch heads off.")

    # export --------------------------------------------------------------------------

    def frames(self) -> list:
        """Every snapshot of the current view as PIL images. Snapshots are taken with
        every head on, so heads switched off now are drawn on."""
        from PIL import Image

        run = self.state.run
        if run is None or not len(run.snapshots):
            return []
        live, value = self.live.isChecked(), self.slider.value()
        self.live.setChecked(False)
        images = []
        self._exporting = True
        try:
            for i in range(len(run.snapshots)):
                self.slider.setValue(i)
                self.refresh(force=True)
                buffer = QBuffer()
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                self.grid.render_image().save(buffer, "PNG")
                images.append(Image.open(_bytes_io(bytes(buffer.data()))).convert("RGB"))
        finally:
            self._exporting = False
            self.slider.setValue(value)
            self.live.setChecked(live)
            self.refresh(force=True)
        return images

    def export_time_lapse(self, path: str) -> int:
        """Write the time-lapse: an animated GIF (path ends .gif) or numbered PNG frames
        beside `path` (name-0001.png, ...). The same run always gives the same bytes."""
        images = self.frames()
        if not images:
            raise ValueError("there are no snapshots yet: train first")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".gif":
            # One shared palette (the first frame's), so that colours never flicker.
            palette = images[0].quantize(colors=255, method=2, dither=0)
            frames = [im.quantize(palette=palette, dither=0) for im in images]
            frames[0].save(target, save_all=True, append_images=frames[1:], loop=0,
                           duration=self.timer.interval(), optimize=False)  # fmt: skip
        else:
            stem = target.with_suffix("")
            for i, im in enumerate(images, start=1):
                im.save(f"{stem}-{i:04d}.png", optimize=False)
        return len(images)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)
