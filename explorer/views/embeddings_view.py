"""EmbeddingsView: every token's vector (and every position's) as a point in 2-D, over the
whole run. The projection is PCA, its axes carried from one snapshot to the next so that a
point moves only when its vector does. On copy or sort the tokens spread apart as the
model learns to tell them apart (and, for sort, line up by value)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.views.point_labels import PointLabels
from explorer.views.redraw import Redraw
from explorer.views.time_lapse import TimeLapse
from tinyformer.inspect.embeddings import pca_axes, project

TOKENS = "#1f77b4"
POSITIONS = "#ff7f0e"


class EmbeddingsView(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._frames_key = None
        self._frames: list[dict[str, np.ndarray]] = []
        self._axes: dict = {}  # the last frame's PCA axes, per part
        self._extent = 0.0  # the largest coordinate of any frame: one range for the run
        self._range = None  # the range last set
        self._steps: list[int] = []
        self._drawn = None
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "first principal axis")
        self.plot.setLabel("left", "second principal axis")
        self.tokens = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(TOKENS), pen=None)
        self.positions = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(POSITIONS), pen=None,
                                            symbol="s")  # fmt: skip
        self.plot.addItem(self.tokens)
        self.plot.addItem(self.positions)
        self.labels = PointLabels()
        self.plot.addItem(self.labels, ignoreBounds=True)
        self.show_positions = QCheckBox("positions")
        self.show_positions.setChecked(True)
        self.show_positions.setToolTip("Also show the position encodings (orange squares)")
        self.show_positions.toggled.connect(lambda _: self.refresh(force=True))
        self.lapse = TimeLapse(self, "embeddings")
        lapse = self.lapse
        self.live, self.play, self.slider, self.when = (
            lapse.live,
            lapse.play,
            lapse.slider,
            lapse.when,
        )
        self.note = QLabel(
            f"<span style='color:{TOKENS}'>● tokens</span> &nbsp; "
            f"<span style='color:{POSITIONS}'>■ positions</span> &nbsp; each point is one "
            "vector of d_model numbers, seen from its two main directions (PCA)."
        )
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        for w in (self.live, self.play, lapse.speed):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.when)
        row.addWidget(self.show_positions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self.redraw = Redraw(self, self._draw, interval_ms=250)  # 4 frames a second
        lapse.moved.connect(lambda: self.refresh(force=True))
        state.live.run_replaced.connect(lambda _: self._reset())
        state.live.trained.connect(self.redraw.poke)
        self.redraw.poke()

    def plot_item(self):
        return self.plot.getPlotItem()

    def _reset(self) -> None:
        self.lapse.reset()
        self._frames_key = self._drawn = self._range = None
        self.redraw.poke()

    # frames -------------------------------------------------------------------------

    def _update_frames(self) -> None:
        """Every snapshot projected, each on axes that follow the one before."""
        run = self.state.run
        snaps = [] if run is None else [s for s in run.snapshots if s.embeddings]
        steps = tuple(s.step for s in snaps)
        key = None if run is None else (run.serial, steps)
        if key == self._frames_key:
            return
        old = self._frames_key
        if (
            old is not None
            and key is not None
            and old[0] == key[0]
            and steps[: len(old[1])] == old[1]
        ):
            done = len(old[1])  # snapshots only added: project the new ones (while training)
        else:
            self._frames, self._steps, self._axes, done = [], [], {}, 0
            self._extent = 0.0
        self._frames_key = key
        for snap in snaps[done:]:
            frame = {}
            for part, points in snap.embeddings.items():
                if part == "tokens":
                    points = points[list(run.shown_tokens)]
                self._axes[part] = pca_axes(points, self._axes.get(part))
                frame[part] = project(points, self._axes[part])
            self._frames.append(frame)
            self._steps.append(snap.step)
            self._extent = max([self._extent, *(float(np.abs(p).max()) for p in frame.values())])

    def refresh(self, force: bool = False) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        if force:
            self._drawn = None
        self.redraw.now()

    def _draw(self) -> None:
        self._update_frames()
        n = len(self._frames)
        index = self.lapse.index(n)
        key = (self._frames_key, index, self.show_positions.isChecked())
        if key == self._drawn:
            return  # no new snapshot
        self._drawn = key
        self.lapse.sync(n, index)
        if index < 0:
            self.tokens.clear()
            self.positions.clear()
            self.labels.set_labels(np.zeros((0, 2)), [])
            self.when.setText("no snapshots yet")
            return
        frame = self._frames[index]
        vocab = self._vocab()
        tok = frame["tokens"]
        self.tokens.setData(tok[:, 0], tok[:, 1])
        points, names = [tok], list(vocab)
        if "positions" in frame and self.show_positions.isChecked():
            pos = frame["positions"]
            self.positions.setData(pos[:, 0], pos[:, 1])
            points.append(pos)
            names += [f"p{i + 1}" for i in range(len(pos))]
        else:
            self.positions.clear()
        self._fix_range()
        self.labels.set_labels(np.vstack(points), names)
        self.when.setText(f"step {self._steps[index]} ({index + 1} of {n})")

    def _vocab(self) -> list[str]:
        run = self.state.run
        return [] if run is None else [run.vocab[i] for i in run.shown_tokens]

    def _fix_range(self) -> None:
        """One range for the whole run, so that movement shows as movement."""
        if self._frames:
            r = self._extent * 1.1 or 1.0
            if r != self._range:  # a new range lays the axes out again
                self._range = r
                self.plot.setRange(xRange=(-r, r), yRange=(-r, r), padding=0)
