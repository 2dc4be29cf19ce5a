"""FourierView: a modular run's number embeddings in the Fourier basis of Z_p, over the
whole run (tinyformer.inspect.fourier). Left, the share of the embedding's norm at each
frequency, key frequencies in red and numbered; right, the numbers on the plane of one
key frequency, which become a circle (in the order a * k mod p) as the circuit forms."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from explorer.core.app_model import AppModel
from explorer.views.point_labels import PointLabels
from explorer.views.redraw import Redraw
from explorer.views.time_lapse import TimeLapse
from tinyformer.inspect.fourier import (
    fourier_fraction,
    frequency_norms,
    frequency_plane,
    key_frequencies,
)
from tinyformer.tasks.vocab import SPECIALS

KEY = "#d62728"
OTHER = "#9aa7b4"
NUMBERS = "#1f77b4"
NOT_MODULAR = (
    "The Fourier view is for the modular task (a + b mod p). Load the <b>grokking</b> "
    "preset (lesson 7), train, and watch a few frequencies take over the embedding."
)
ABOUT = (
    "Each number's embedding as waves cos, sin(2&pi;&middot;k&middot;a/p): the bars are the "
    "share of its norm at frequency k (<span style='color:{key}'>key frequencies</span> "
    "numbered); right, the numbers on the plane of one key frequency, a circle once the "
    "circuit has formed."
)


class Frame:
    """One snapshot's numbers: their embedding rows, norms per frequency, key frequencies."""

    def __init__(self, step: int, rows: np.ndarray) -> None:
        self.step, self.rows = step, rows
        self.norms = frequency_norms(rows)
        self.keys = key_frequencies(self.norms)
        self.fraction = fourier_fraction(self.norms, self.keys)
        squares = self.norms[1:] ** 2
        self.shares = squares / squares.sum() if squares.sum() > 0 else squares


class FourierView(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._frames: list[Frame] = []
        self._frames_key = None
        self._drawn = None
        self._extent = 0.0  # the plane's largest coordinate so far, for one steady range
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.bars_plot = pg.PlotWidget(background="w")
        self.bars_plot.hideButtons()
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.setLabel("bottom", "frequency k")
        self.bars_plot.setLabel("left", "share of the embedding's norm²")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.bars_plot.addItem(self.bars)
        self.key_labels = PointLabels(KEY)
        self.bars_plot.addItem(self.key_labels, ignoreBounds=True)
        self.plane_plot = pg.PlotWidget(background="w")
        self.plane_plot.hideButtons()
        self.plane_plot.setAspectLocked(True)
        self.plane_plot.setLabel("bottom", "cos part")
        self.plane_plot.setLabel("left", "sin part")
        self.points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(NUMBERS), pen=None)
        self.plane_plot.addItem(self.points)
        self.number_labels = PointLabels()
        self.plane_plot.addItem(self.number_labels, ignoreBounds=True)
        self.frequency = QSpinBox()
        self.frequency.setPrefix("plane: k = ")
        self.frequency.setSpecialValueText("plane: largest key")
        self.frequency.setToolTip("Which frequency's plane the numbers are shown on")
        self.frequency.valueChanged.connect(lambda _: self._replane())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.lapse = TimeLapse(self, "Fourier picture")
        lapse = self.lapse
        self.live, self.play, self.slider, self.when = (
            lapse.live,
            lapse.play,
            lapse.slider,
            lapse.when,
        )

        plots = QHBoxLayout()
        plots.addWidget(self.bars_plot, 3)
        plots.addWidget(self.plane_plot, 2)
        row = QHBoxLayout()
        for w in (self.live, self.play, lapse.speed):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.when)
        about = QHBoxLayout()
        about.addWidget(self.summary, 1)
        about.addWidget(self.frequency)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addLayout(plots, 1)
        layout.addLayout(about)
        layout.addLayout(row)
        self.redraw = Redraw(self, self._draw, interval_ms=250)  # 4 frames a second
        lapse.moved.connect(self.refresh)
        state.live.run_replaced.connect(lambda _: self._reset())
        state.live.trained.connect(self.redraw.poke)
        self.redraw.poke()

    def plot_items(self):
        return self.bars_plot.getPlotItem(), self.plane_plot.getPlotItem()

    def refresh(self) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        self._drawn = None
        self.redraw.now()

    def _reset(self) -> None:
        self.lapse.reset()
        self._frames, self._frames_key, self._drawn, self._extent = [], None, None, 0.0
        self.redraw.poke()

    def _replane(self) -> None:
        self._extent = 0.0
        self.refresh()

    def _modulus(self) -> int | None:
        run = self.state.run
        if run is None or run.experiment.task.name != "modular":
            return None
        return run.experiment.task.vocab

    def _update_frames(self, p: int) -> None:
        """A frame per snapshot with embeddings; while training, only new ones are added."""
        run = self.state.run
        snaps = [s for s in run.snapshots if s.embeddings]
        key = (run.serial, tuple(s.step for s in snaps))
        if key == self._frames_key:
            return
        old = self._frames_key
        keep = old is not None and old[0] == key[0] and key[1][: len(old[1])] == old[1]
        if not keep:
            self._frames = []
        self._frames_key = key
        first = len(SPECIALS)
        for snap in snaps[len(self._frames) :]:
            self._frames.append(Frame(snap.step, snap.embeddings["tokens"][first : first + p]))

    def _draw(self) -> None:
        p = self._modulus()
        if p is None:
            self._show_frame(None, NOT_MODULAR)
            self.lapse.sync(0, -1)
            self.when.setText("")
            return
        self._update_frames(p)
        n = len(self._frames)
        index = self.lapse.index(n)
        key = (self._frames_key, index, self.frequency.value())
        if key == self._drawn:
            return
        self._drawn = key
        self.lapse.sync(n, index)
        self.frequency.setMaximum(p // 2)
        if index < 0:
            self._show_frame(None, ABOUT.format(key=KEY))
            self.when.setText("no snapshots yet")
            return
        self._show_frame(self._frames[index], ABOUT.format(key=KEY))
        self.when.setText(f"step {self._frames[index].step} ({index + 1} of {n})")

    def _show_frame(self, frame: Frame | None, note: str) -> None:
        if self.note.text() != note:
            self.note.setText(note)
        if frame is None:
            self.bars.setOpts(x=[], height=[])
            self.points.clear()
            self.key_labels.set_labels(np.zeros((0, 2)), [])
            self.number_labels.set_labels(np.zeros((0, 2)), [])
            self.summary.setText("")
            return
        ks = np.arange(1, len(frame.shares) + 1)
        brushes = [pg.mkBrush(KEY if k in frame.keys else OTHER) for k in ks]
        self.bars.setOpts(x=ks, height=frame.shares, brushes=brushes)
        # the top in steps of 0.05: the axis is laid out again only when it changes
        top = np.ceil(max(float(frame.shares.max()) * 1.15, 2.5 / len(ks)) * 20) / 20
        self.bars_plot.setRange(xRange=(0.3, len(ks) + 0.7), yRange=(0, top), padding=0)
        spots = np.array([[k + 0.3, frame.shares[k - 1]] for k in frame.keys])
        self.key_labels.set_labels(spots, [str(k) for k in frame.keys])
        k = self.frequency.value() or frame.keys[0]
        plane = frequency_plane(frame.rows, k)
        self.points.setData(plane[:, 0], plane[:, 1])
        self.number_labels.set_labels(plane, [str(a) for a in range(len(plane))])
        self._extent = max(self._extent, float(np.abs(plane).max()) * 1.15 or 1.0)
        r = self._extent
        self.plane_plot.setRange(xRange=(-r, r), yRange=(-r, r), padding=0)
        keys = ", ".join(map(str, frame.keys))
        self.summary.setText(
            f"key frequencies {keys}: {100 * frame.fraction:.0f}% of the embedding's norm² "
            f"(an even spread gives each of the {len(ks)} frequencies "
            f"{100 / len(ks):.1f}%); the plane of k = {k}"
        )
