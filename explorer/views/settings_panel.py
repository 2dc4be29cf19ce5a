"""SettingsPanel: preset, model, task and training settings, written to the AppState.

Edits go to the state; the state's signals come back and update every widget under a
QSignalBlocker, so no edit loops. Number boxes apply their value on Enter or when focus
leaves them, never per keystroke: typing 300 is one edit, not three. Heads that do not
divide the hidden size are never offered; any other impossible combination is flagged
in the banner, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.form import Settings
from explorer.views.settings_tips import ARCH_NAMES, POSITIONAL_NAMES, TIPS
from tinyformer.model import limits
from tinyformer.model.config import ENCODER_ONLY
from tinyformer.tasks import TASKS
from tinyformer.tasks.base import OPERATIONS
from tinyformer.tasks.split import MAX_HELD_OUT

TEXT_DELAY_MS = 400
MIN_WIDTH = 318  # "Decoder-only (GPT)" whole in its box
PANEL_WIDTH = 330
LONG_TEXT_LINES = 2000  # longer examples (from a file) are shown, not edited in the box
WARNING = "color:#b42318;"


def divisors(n: int) -> list[int]:
    return [h for h in range(1, min(n, limits.MAX_HEADS) + 1) if n % h == 0]


class LogSpinBox(QDoubleSpinBox):
    """A learning-rate box: the arrows halve and double rather than add."""

    def stepBy(self, steps: int) -> None:
        self.setValue(self.value() * (2.0**steps))


class SettingsPanel(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setters: dict[tuple[str, str], Callable[[Any], None]] = {}
        self.widgets: dict[tuple[str, str], QWidget] = {}

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("settingsError")
        self.banner.setStyleSheet(
            "QLabel{background:#ffebe9;color:#b42318;border:1px solid #f3b4ae;padding:6px;}"
        )
        self.banner.hide()

        self.preset = QComboBox()
        for i, (name, p) in enumerate(state.presets.items()):
            self.preset.addItem(name, name)
            self.preset.setItemData(i, p.title, Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip(TIPS["preset"])
        self.preset.activated.connect(self._on_preset_chosen)
        self.preset_label = QLabel()
        self.preset_label.setObjectName("presetLabel")
        self.preset_label.setWordWrap(True)  # a long title must not widen the panel
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color:#444;")

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(
            self._group(
                "Preset", [("", self.preset), ("", self.preset_label), ("", self.description)]
            )
        )
        column.addWidget(self._model_group())
        column.addWidget(self._task_group())
        column.addWidget(self._train_group())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(MIN_WIDTH)
        for combo in content.findChildren(QComboBox):  # long names must not widen the panel
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)

        self._text_base = ""
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self._on_text_settled)

        state.form.settings_changed.connect(self._on_settings_changed)
        state.form.validity_changed.connect(self._on_validity_changed)
        state.form.preset_changed.connect(lambda _: self._show_preset())
        self._on_settings_changed(state.settings)
        self._on_validity_changed(state.error)

    def sizeHint(self) -> QSize:
        # A form needs no more than its narrowest comfortable width; the room a wide
        # window has to spare goes to the maps, not to longer spin boxes.
        return QSize(PANEL_WIDTH, super().sizeHint().height())

    # groups ----------------------------------------------------------------------------

    def _model_group(self) -> QGroupBox:
        self.heads_note = QLabel()
        self.heads_note.setWordWrap(True)
        self.heads_note.setStyleSheet("color:#555;")
        self.heads_note.hide()
        self.causal_warning = QLabel("Causal mask off: the decoder can see the answer.")
        self.causal_warning.setWordWrap(True)
        self.causal_warning.setStyleSheet(WARNING + "font-weight:bold;")
        self.heads = self._combo("model", "n_heads", [])
        d_model = self._spin("model", "d_model", 4, limits.MAX_D_MODEL, connect=False)
        d_model.setSingleStep(8)
        d_model.valueChanged.connect(self._on_d_model_edited)
        return self._group(
            "Model",
            [
                ("Architecture", self._combo("model", "arch", list(ARCH_NAMES.items()))),
                ("Hidden size", d_model),
                ("Heads", self.heads),
                ("", self.heads_note),
                ("Layers", self._spin("model", "n_layers", 1, limits.MAX_LAYERS)),
                ("Feed-forward size", self._spin("model", "d_ff", 1, limits.MAX_D_FF)),
                ("Positions", self._combo("model", "positional", list(POSITIONAL_NAMES.items()))),
                ("", self._check("model", "norm_first", "Pre-norm (LayerNorm first)")),
                ("", self._check("model", "causal", "Causal mask in the decoder")),
                ("", self.causal_warning),
                ("Dropout", self._dspin("model", "dropout", 0.0, 0.9, 2, 0.05)),
            ],
        )

    def _task_group(self) -> QGroupBox:
        tasks = [(name, name) for name in TASKS]
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText("e.g. 1 0  or  a b c")
        self.pattern.setToolTip(TIPS["task.pattern"])
        self.pattern.textEdited.connect(lambda t: self._edit("task", "pattern", t))
        self._register("task", "pattern", self.pattern, self.pattern.setText)
        self.custom = QPlainTextEdit()
        self.custom.setPlaceholderText(
            "One example per line:\n1 2 3 -> 3 2 1\nor plain sequences:\na b c d\n"
            "(or File → Open examples…)"
        )
        self.custom.setToolTip(TIPS["task.text"])
        self.custom.setMinimumHeight(90)
        self.custom.textChanged.connect(self._text_timer_start)
        self._register("task", "text", self.custom, self._set_custom_text)
        self.vocab = self._spin("task", "vocab", 2, limits.MAX_SYMBOLS)
        self.vocab_row = QLabel("Vocabulary")
        self.seq_len_row = QLabel("Sequence length")
        self.operation = self._combo("task", "operation", [(op, op) for op in OPERATIONS])
        self.held_out = self._dspin("task", "held_out", 0.0, MAX_HELD_OUT, 2, 0.05)
        self.rows = {
            "pattern": (QLabel("Pattern"), self.pattern),
            "custom": (QLabel("Your examples"), self.custom),
            "operation": (QLabel("Operation"), self.operation),
            "held_out": (QLabel("Held out"), self.held_out),
        }
        return self._group(
            "Task",
            [
                ("Task", self._combo("task", "name", tasks)),
                (self.vocab_row, self.vocab),
                (self.seq_len_row, self._spin("task", "seq_len", 2, limits.MAX_SEQ_LEN)),
                *self.rows.values(),
            ],
        )

    def _train_group(self) -> QGroupBox:
        lr = LogSpinBox()
        lr.setDecimals(6)
        lr.setRange(1e-6, 1.0)
        lr.setKeyboardTracking(False)
        lr.setToolTip(TIPS["train.lr"])
        lr.valueChanged.connect(lambda v: self._edit("train", "lr", round(v, 6)))
        self._register("train", "lr", lr, lr.setValue)
        return self._group(
            "Training",
            [
                ("Learning rate", lr),
                ("Warmup steps", self._spin("train", "warmup", 0, 100_000)),
                ("Weight decay", self._dspin("train", "weight_decay", 0.0, 10.0, 3, 0.1)),
                ("Batch size", self._spin("train", "batch_size", 1, limits.MAX_BATCH)),
                ("Steps", self._spin("train", "steps", 1, limits.MAX_STEPS)),
                ("Seed", self._spin("train", "seed", 0, 2**31 - 1)),
            ],
        )

    # widget helpers ----------------------------------------------------------------------

    def _group(self, title: str, rows: list[tuple[Any, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget in rows:
            if label == "":
                form.addRow(widget)
            else:
                form.addRow(label, widget)
        return box

    def label_of(self, part: str, name: str) -> str | None:
        """The name a setting goes by on screen ("Hidden size"), or None if it has no field."""
        widget = self.widgets.get((part, name))
        if widget is None:
            return None
        if isinstance(widget, QCheckBox):
            return widget.text()
        form = widget.parentWidget().layout() if widget.parentWidget() else None
        label = form.labelForField(widget) if isinstance(form, QFormLayout) else None
        return label.text() if isinstance(label, QLabel) else None

    def _register(self, part: str, name: str, widget: QWidget, setter: Callable) -> None:
        widget.setObjectName(f"{part}.{name}")
        if f"{part}.{name}" in TIPS and not widget.toolTip():
            widget.setToolTip(TIPS[f"{part}.{name}"])
        self.widgets[(part, name)] = widget
        self.setters[(part, name)] = setter

    def _spin(self, part: str, name: str, lo: int, hi: int, connect: bool = True) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setKeyboardTracking(False)  # the value is applied on Enter or when focus leaves
        if connect:
            box.valueChanged.connect(lambda v: self._edit(part, name, v))
        self._register(part, name, box, box.setValue)
        return box

    def _dspin(self, part: str, name: str, lo: float, hi: float, dec: int, step: float):
        box = QDoubleSpinBox()
        box.setRange(lo, hi)
        box.setDecimals(dec)
        box.setSingleStep(step)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(lambda v: self._edit(part, name, round(v, dec)))
        self._register(part, name, box, box.setValue)
        return box

    def _combo(self, part: str, name: str, items: list[tuple[str, Any]]) -> QComboBox:
        box = QComboBox()
        for label, value in items:
            box.addItem(label, value)
        box.activated.connect(lambda i: self._edit(part, name, box.itemData(i)))
        self._register(part, name, box, lambda v: box.setCurrentIndex(box.findData(v)))
        return box

    def _check(self, part: str, name: str, label: str) -> QCheckBox:
        box = QCheckBox(label)
        box.toggled.connect(lambda on: self._edit(part, name, on))
        self._register(part, name, box, box.setChecked)
        return box

    def _set_custom_text(self, text: str) -> None:
        if self._text_timer.isActive():
            if text == self._text_base:
                return  # the form's text as it was: what is being typed stays
            self._text_timer.stop()  # the text changed elsewhere (a preset): it wins
        long = text.count("\n") >= LONG_TEXT_LINES
        self.custom.setReadOnly(long)
        shown = _summary(text) if long else text
        if self.custom.toPlainText() != shown:
            with QSignalBlocker(self.custom):
                self.custom.setPlainText(shown)

    def _text_timer_start(self) -> None:
        if not self._text_timer.isActive():
            self._text_base = self.state.settings["task"]["text"]  # what typing started from
        self._text_timer.start()

    def _on_text_settled(self) -> None:
        self._text_timer.stop()
        if not self.custom.isReadOnly():
            self.state.set_setting("task", "text", self.custom.toPlainText())

    def _flush_text(self) -> None:
        """Examples still being typed are applied before any other edit, which would show
        the form's text (without them) in the box: nothing typed is lost."""
        if self._text_timer.isActive():
            self._on_text_settled()

    def _edit(self, part: str, name: str, value: Any) -> None:
        self._flush_text()
        self.state.set_setting(part, name, value)

    def _on_preset_chosen(self, index: int) -> None:
        self._flush_text()
        if not self.state.load_preset(self.preset.itemData(index)):
            self._show_preset()  # refused or waiting: the combo shows the preset that holds

    # edits that touch two settings -------------------------------------------------------

    def _on_d_model_edited(self, d_model: int) -> None:
        heads = self.state.settings["model"]["n_heads"]
        fitting = [h for h in divisors(d_model) if h <= heads] or [1]
        new_heads = heads if d_model % heads == 0 else fitting[-1]
        note = ""
        if new_heads != heads:
            note = f"Heads set to {new_heads}: the head count must divide the hidden size."
        self._flush_text()
        if self.state.set_settings("model", {"d_model": d_model, "n_heads": new_heads}):
            # Shown after the settings' update, which hides it: it lasts until the next edit.
            self.heads_note.setText(note)
            self.heads_note.setVisible(bool(note))

    # updates from the state --------------------------------------------------------------

    def _on_settings_changed(self, settings: Settings) -> None:
        model, task = settings["model"], settings["task"]
        self.heads_note.hide()
        with QSignalBlocker(self.heads):
            self.heads.clear()
            for h in divisors(model["d_model"]):
                self.heads.addItem(str(h), h)
        for (part, name), setter in self.setters.items():
            with QSignalBlocker(self.widgets[(part, name)]):
                setter(settings[part][name])
        self.causal_warning.setVisible(not model["causal"] and model["arch"] != ENCODER_ONLY)
        self.widgets[("model", "causal")].setEnabled(model["arch"] != ENCODER_ONLY)
        name = task["name"]
        shown = {
            "pattern": name == "pattern",
            "custom": name == "custom",
            "operation": name == "modular",
            "held_out": name in ("custom", "modular"),
        }
        for key, (label, widget) in self.rows.items():
            label.setVisible(shown[key])
            widget.setVisible(shown[key])
        self.vocab_row.setText("Modulus p" if name == "modular" else "Vocabulary")
        task_box = self.widgets[("task", "name")]
        task_box.setToolTip(f"{name}: {TASKS[name].summary}" if name in TASKS else "")
        # Sizes the task takes from elsewhere (the pattern, your examples) are not shown:
        # a greyed number would be a stale one.
        seq_len = self.widgets[("task", "seq_len")]
        for label, box, used in (
            (self.vocab_row, self.vocab, name not in ("pattern", "custom")),
            (self.seq_len_row, seq_len, name not in ("custom", "modular")),
        ):
            label.setVisible(used)
            box.setVisible(used)
        self._show_preset()

    def _on_validity_changed(self, error: str) -> None:
        self.banner.setText(f"Cannot train with these settings: {error}" if error else "")
        self.banner.setVisible(bool(error))

    def _show_preset(self) -> None:
        name = self.state.preset
        with QSignalBlocker(self.preset):
            self.preset.setCurrentIndex(self.preset.findData(name) if name else -1)
        if not name:
            self.preset_label.setText("<i>Your own settings (no preset)</i>")
            self.description.setText("")
            return
        modified = self.state.preset_modified
        title = self.state.presets[name].title
        self.preset_label.setText(
            f"<b>{name}</b>" + (" <i>(modified)</i>" if modified else "") + f": {title}"
        )
        self.description.setText(self.state.presets[name].description)


def _summary(text: str) -> str:
    """The first lines of a long text and how many there are, without splitting it all
    (a million lines split at once would hold the GUI for a tenth of a second)."""
    lines = text.count("\n") + (not text.endswith("\n"))
    head = "\n".join(text[:200_000].split("\n", 50)[:50])
    return f"# {lines:,} lines from a file (File → Open examples… to change them)\n{head}\n…"
