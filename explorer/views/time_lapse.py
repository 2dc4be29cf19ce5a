"""TimeLapse: the controls that go back through a run's snapshots (Live, Play, speed, the
slider and what step is shown), shared by every view that animates a run."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QSlider, QWidget

SPEEDS = {"slow": 400, "normal": 150, "fast": 50}  # ms per frame, when playing and in a GIF


class TimeLapse(QObject):
    """Live follows the newest snapshot; dragging the slider, or Play, leaves it, and Play
    comes back to it when it reaches the end. `moved`
    asks the view to redraw at `index(n)`."""

    moved = Signal()

    def __init__(self, parent: QWidget, what: str) -> None:
        super().__init__(parent)
        self.live = QCheckBox("Live")
        self.live.setChecked(True)
        self.live.setToolTip(f"Follow the newest {what} while training")
        self.play = QPushButton("Play")
        self.play.setToolTip(f"Replay the {what} from the first snapshot")
        self.speed = QComboBox()
        self.speed.addItems(list(SPEEDS))
        self.speed.setCurrentText("normal")
        self.speed.setToolTip("How fast Play (and an exported GIF) goes through the snapshots")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip(
            "Scrub through the snapshots taken while training: every step at first, then "
            "further apart, so early learning gets most frames"
        )
        self.when = QLabel("")
        self.when.setMinimumWidth(150)
        self.timer = QTimer(self)
        self.timer.setInterval(SPEEDS["normal"])
        self.timer.timeout.connect(self._tick)
        self.slider.valueChanged.connect(self._on_slider)
        self.live.toggled.connect(lambda _: self.moved.emit())
        self.play.clicked.connect(self._on_play)
        self.speed.currentTextChanged.connect(lambda s: self.timer.setInterval(SPEEDS[s]))

    def index(self, n: int) -> int:
        """Which of n snapshots to show (-1: none)."""
        return n - 1 if self.live.isChecked() else min(self.slider.value(), n - 1)

    def sync(self, n: int, index: int) -> None:
        """The slider's range and place for n snapshots, without a `moved` of its own."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(n - 1, 0))
        self.slider.setValue(max(index, 0))
        self.slider.blockSignals(False)
        self.slider.setEnabled(n > 1)
        self.play.setEnabled(n > 1)

    def reset(self) -> None:
        self.timer.stop()
        self.play.setText("Play")
        self.live.setChecked(True)

    def _on_slider(self, _value: int) -> None:
        if self.live.isChecked():
            self.live.blockSignals(True)
            self.live.setChecked(False)
            self.live.blockSignals(False)
        self.moved.emit()

    def _on_play(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play.setText("Play")
            return
        self.live.setChecked(False)
        self.slider.setValue(0)
        self.play.setText("Stop")
        self.timer.start()

    def _tick(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.timer.stop()
            self.play.setText("Play")
            self.live.setChecked(True)  # at the newest snapshot: follow the run again
            return
        self.slider.setValue(self.slider.value() + 1)
