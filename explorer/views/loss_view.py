"""LossView: training and held-out loss (left axis, optionally log), accuracies (right
axis, 0..1). A gap between the two loss curves is overfitting, seen. A modular run adds
its restricted and excluded loss (tinyformer.inspect.fourier), dashed."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.app_model import AppModel
from explorer.views.redraw import Redraw
from tinyformer.training.history import History

LOSS = "#1f77b4"
HELD_LOSS = "#ff7f0e"
NB_HYPHEN = "\u2011"  # Qt breaks lines at "-" even inside <nobr>
TRAIN_ACC = "#17becf"  # cyan: apart from the held-out greens
TRAIN_EXACT = "#9467bd"
TOKEN_ACC = "#2ca02c"
EXACT = "#d62728"
RESTRICTED = "#8c564b"
EXCLUDED = "#e377c2"
FADED = (120, 120, 120, 70)
READOUT_HINT = "Hover over the plot to read the values at a step."
LOG_FLOOR = 1e-7  # a loss of exactly 0 is drawn here on the log axis, not dropped


def for_log(values: np.ndarray) -> np.ndarray:
    """Values a log axis can draw: zeros (and tiny values) at the floor."""
    return np.maximum(values, LOG_FLOOR)


class LossView(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._evals_drawn = None
        self._ranges = None
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss", color=LOSS)
        # No grid and ranges that rarely change: repainting the axes (grid lines and all)
        # every frame would cost more than training itself while the GIL is shared.
        item.enableAutoRange(x=False, y=False)
        item.hideButtons()
        self.loss = item.plot(pen=pg.mkPen(LOSS, width=1))
        self.loss.setDownsampling(auto=True, method="peak")
        self.loss.setClipToView(True)
        self.held_loss = item.plot(pen=pg.mkPen(HELD_LOSS, width=1))
        dash = Qt.PenStyle.DashLine
        self.restricted = item.plot(pen=pg.mkPen(RESTRICTED, width=2, style=dash))
        self.excluded = item.plot(pen=pg.mkPen(EXCLUDED, width=2, style=dash))
        self.faded: list[pg.PlotDataItem] = []

        # accuracy on a second view box sharing the x axis
        self.acc_box = pg.ViewBox()
        item.showAxis("right")
        item.scene().addItem(self.acc_box)
        item.getAxis("right").linkToView(self.acc_box)
        item.getAxis("right").setLabel("accuracy", color=TOKEN_ACC)
        self.acc_box.setXLink(item)
        self.acc_box.setYRange(0, 1.02, padding=0)
        self.acc_box.setMouseEnabled(x=False, y=False)
        self.train_acc = pg.PlotDataItem(pen=pg.mkPen(TRAIN_ACC, width=1))
        self.train_exact = pg.PlotDataItem(pen=pg.mkPen(TRAIN_EXACT, width=1))
        self.token_acc = pg.PlotDataItem(
            pen=pg.mkPen(TOKEN_ACC, width=1), symbol="o", symbolSize=5, symbolBrush=TOKEN_ACC
        )
        self.exact = pg.PlotDataItem(
            pen=pg.mkPen(EXACT, width=1), symbol="s", symbolSize=5, symbolBrush=EXACT
        )
        for curve in (self.train_acc, self.train_exact, self.token_acc, self.exact):
            self.acc_box.addItem(curve)
        item.vb.sigResized.connect(self._sync_boxes)
        self.hint = pg.TextItem(
            "Press Train (Space) or Step (→) to start.", color="#777", anchor=(0.5, 0.5)
        )
        self.acc_box.addItem(self.hint)
        self.hint.setPos(0.5, 0.5)
        self.legend = QLabel()
        self.legend.setWordWrap(True)

        self.log_y = QCheckBox("log scale")
        self.log_y.setToolTip("Show the loss on a logarithmic axis (a loss of 0 sits at 1e-7)")
        self.log_y.setChecked(True)
        self.log_y.toggled.connect(self._on_log_toggled)
        self._set_log(True)
        self.fourier = QCheckBox("restricted / excluded loss")
        self.fourier.setToolTip(
            "A modular run's loss with its logits kept to the key Fourier frequencies "
            "(restricted) and with them removed (excluded), on the training pairs"
        )
        self.fourier.setChecked(True)
        self.fourier.setVisible(False)
        self.fourier.toggled.connect(self._on_fourier_toggled)
        self.readout = QLabel(READOUT_HINT)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout_run: int | None = None  # the run whose values the readout shows
        self.readout.setWordWrap(True)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        bar = QHBoxLayout()
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.fourier)
        bar.addWidget(self.log_y)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        layout.addLayout(bar)
        self._show_legend(split=False)
        self.redraw = Redraw(self, self._draw)
        live = state.live
        live.run_replaced.connect(self._on_run_replaced)
        for signal in (live.trained, live.run_updated, state.form.settings_changed):
            signal.connect(self.redraw.poke)
        self.redraw.poke()  # the empty plot spans the planned steps

    def plot_item(self):
        return self.plot.getPlotItem()

    def _show_legend(self, split: bool, held_out: bool = True, fourier: bool = False) -> None:
        if (split, held_out, fourier) == getattr(self, "_legend_key", None):
            return  # rich text relays out the label: only when it changes
        self._legend_key = (split, held_out, fourier)
        # When training has seen every evaluated input, "held-out" would not be true.
        on = "held-out" if held_out else "evaluation"
        entries = [
            (LOSS, "━", "training loss"),
            (HELD_LOSS, "━", f"{on} loss"),
            (TRAIN_ACC, "━", "training accuracy (batch)"),
        ]
        if split:
            entries.append((TRAIN_EXACT, "━", "training examples exact"))
        if fourier:
            entries += [(RESTRICTED, "╍", "restricted loss"), (EXCLUDED, "╍", "excluded loss")]
        entries += [
            (TOKEN_ACC, "●", f"{on} token accuracy"),
            (EXACT, "■", f"{on} exact match (greedy)"),
            ("#999", "━", "earlier runs"),
        ]
        self.legend.setText(
            " &nbsp; ".join(
                # no break inside an entry (not even at "held-out"): lines wrap between them
                f"<nobr><span style='color:{c}'>{mark} {text.replace('-', NB_HYPHEN)}</span></nobr>"
                for c, mark, text in entries
            )
        )

    def refresh(self) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        self.redraw.now()

    def _on_run_replaced(self, run) -> None:
        if self._readout_run is not None and (run is None or run.serial != self._readout_run):
            self._readout_run = None  # a new run: the old one's numbers would mislead
            self.readout.setText(READOUT_HINT)
        self._evals_drawn = None
        self.redraw.poke()

    def _draw(self) -> None:
        run = self.state.run
        total = self.state.settings["train"]["steps"] if run is None else run.experiment.train.steps
        self._draw_faded()
        history = run.history if run is not None else History()
        modular = run is not None and run.experiment.task.name == "modular"
        self.fourier.setVisible(modular)
        fourier = modular and self.fourier.isChecked()
        self._show_legend(
            split=run is not None and not run.fresh and run.split != "training",
            held_out=run is None or not run.seen_in_training,
            fourier=fourier,
        )
        steps, loss = history.steps["loss"].arrays()
        self.loss.setData(steps, self._y(loss))
        self.hint.setVisible(len(steps) == 0)
        if len(steps) == 0:
            self.hint.setPos(total / 2, 0.5)  # the middle of the (empty) plot
        held_x, held_y = history.evals["loss"].arrays()
        curves = [loss, held_y]
        if fourier:
            curves += [history.fourier[f].arrays()[1] for f in ("restricted_loss", "excluded_loss")]
        self._set_ranges(max(total, int(steps[-1]) if len(steps) else 0), np.concatenate(curves))
        self.train_acc.setData(*history.steps["accuracy"].arrays())
        evals = (
            None if run is None else run.serial,
            history.evals["exact_match"].mark(),
            history.train_evals["exact_match"].mark(),
            history.fourier["excluded_loss"].mark(),
            fourier,
        )
        if evals != self._evals_drawn:  # symbols are costly: redo them only on new points
            self._evals_drawn = evals
            self.held_loss.setData(held_x, self._y(held_y))
            self.token_acc.setData(*history.evals["token_accuracy"].arrays())
            self.exact.setData(*history.evals["exact_match"].arrays())
            self.train_exact.setData(*history.train_evals["exact_match"].arrays())
            for curve, name in (
                (self.restricted, "restricted_loss"),
                (self.excluded, "excluded_loss"),
            ):
                x, y = history.fourier[name].arrays() if fourier else (np.zeros(0), np.zeros(0))
                curve.setData(x, self._y(y))

    def _y(self, values: np.ndarray) -> np.ndarray:
        return for_log(values) if self.log_y.isChecked() else values

    def _set_ranges(self, total: int, loss: np.ndarray) -> None:
        """x spans the whole run; y snaps to powers of ten (log) or a rounded top, so the
        axes only change when the data outgrows them."""
        item = self.plot.getPlotItem()
        x_range = (0, total)
        finite = loss[np.isfinite(loss)] if len(loss) else loss
        if self.log_y.isChecked():
            drawn = for_log(finite)
            lo = np.floor(np.log10(drawn.min())) if len(drawn) else -3.0
            hi = np.ceil(np.log10(drawn.max())) if len(drawn) else 1.0
            y_range = (float(lo), float(max(hi, lo + 1)))
        else:
            top = float(finite.max()) if len(finite) else 1.0
            y_range = (0.0, float(10 ** np.ceil(np.log10(max(top, 1e-6)) * 4) / 4) or 1.0)
        if (x_range, y_range) != self._ranges:
            self._ranges = (x_range, y_range)
            item.setXRange(*x_range, padding=0.02)
            item.setYRange(*y_range, padding=0.02)

    def points(self) -> int:
        """Number of loss points drawn (for tests)."""
        x, _ = self.loss.getData()
        return 0 if x is None else len(x)

    def _draw_faded(self) -> None:
        earlier = self.state.live.earlier
        if [c.history for c in self.faded] == earlier:
            return
        item = self.plot.getPlotItem()
        for curve in self.faded:
            item.removeItem(curve)
        self.faded = []
        for history in earlier:
            x, y = history.steps["loss"].arrays()
            curve = pg.PlotDataItem(x, for_log(y), pen=pg.mkPen(FADED, width=1))
            curve.setZValue(-10)
            curve.history = history  # which earlier run it draws
            item.addItem(curve)
            self.faded.append(curve)

    def _sync_boxes(self) -> None:
        item = self.plot.getPlotItem()
        self.acc_box.setGeometry(item.vb.sceneBoundingRect())
        self.acc_box.linkedViewChanged(item.vb, self.acc_box.XAxis)

    def _set_log(self, on: bool) -> None:
        item = self.plot.getPlotItem()
        item.setLogMode(y=on)
        item.getAxis("right").setLogMode(False, False)  # accuracy stays linear, 0..1

    def _on_log_toggled(self, on: bool) -> None:
        self._set_log(on)
        self._ranges = None
        self._evals_drawn = None
        self.redraw.now()

    def _on_fourier_toggled(self, _on: bool) -> None:
        self._ranges = None
        self._evals_drawn = None
        self.redraw.now()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        run = self.state.run
        vb = self.plot.getPlotItem().vb
        if run is None or not vb.sceneBoundingRect().contains(pos):
            return
        step = vb.mapSceneToView(pos).x()
        parts = []
        on = "evaluation" if run.seen_in_training else "held-out"
        for name, series, fmt in (
            ("loss", run.history.steps["loss"], "{:.4f}"),
            (f"{on} loss", run.history.evals["loss"], "{:.4f}"),
            ("training acc", run.history.steps["accuracy"], "{:.1%}"),
            (f"{on} exact", run.history.evals["exact_match"], "{:.1%}"),
            ("training exact", run.history.train_evals["exact_match"], "{:.1%}"),
            ("restricted loss", run.history.fourier["restricted_loss"], "{:.4f}"),
            ("excluded loss", run.history.fourier["excluded_loss"], "{:.4f}"),
        ):
            x, y = series.arrays()
            if len(x):
                i = int(np.argmin(np.abs(x - step)))
                parts.append(f"{name} {fmt.format(y[i])} (step {int(x[i])})")
        if parts:
            self._readout_run = run.serial
            # a value never breaks from its name or step: lines wrap between them
            self.readout.setText(
                " &nbsp; ".join(f"<nobr>{p.replace('-', NB_HYPHEN)}</nobr>" for p in parts)
            )
