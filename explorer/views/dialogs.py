"""The questions and messages the app puts to the user, in one place (tests replace them)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str, yes: str = "Discard") -> bool:
    """Ask before something is lost; True to go ahead."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    go = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is go


def ask_save(parent: QWidget, text: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Question, "Unsaved run", text, parent=parent)
    save = box.addButton(QMessageBox.StandardButton.Save)
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def show_error(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """A window-modal message that does not block: the app goes on running behind it."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, message, parent=parent)
    box.setObjectName("errorDialog")
    if details:
        box.setDetailedText(details)
    box.open()
    return box


FIRST_STEPS = """<h3>First steps</h3>
<ol>
<li>Pick a preset on the left (the default, <b>copy</b>, learns in seconds), or load a lesson
on the right.</li>
<li>Press <b>Train</b> (Space). The <b>Loss</b> tab shows the loss falling.</li>
<li>Open <b>Attention</b>: one heatmap per head. Rows are the positions asking, columns the
positions looked at; on copy, the cross-attention becomes a diagonal.</li>
<li>Open <b>Predictions</b> and type your own input.</li>
</ol>
<p>Hover over any setting for what it does to the model. Help → Keyboard shortcuts lists
the keys.</p>"""


def show_first_steps(parent: QWidget) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "First steps", FIRST_STEPS, parent=parent)
    box.setObjectName("firstSteps")
    box.exec()


def show_keys(parent: QWidget, actions) -> None:
    """A table of every action with a key."""
    from PySide6.QtGui import QKeySequence

    rows = []
    for name in ("train", "step", "step_n", "stop", "reset", "open", "save", "examples", "quit",
                 "keys"):  # fmt: skip
        act = getattr(actions, name)
        key = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        rows.append(f"<tr><td><b>{key}</b></td><td>{act.text().replace('&', '')}</td></tr>")
    text = (
        "<table cellpadding='4'>" + "".join(rows) + "</table>"
        "<p>The keys work from every field except the text boxes (your examples, your "
        "input, the pattern), where they type.</p>"
    )
    box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, parent=parent)
    box.setObjectName("keysDialog")
    box.exec()
