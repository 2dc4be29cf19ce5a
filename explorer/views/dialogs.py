"""The questions and messages the app puts to the user, in one place (tests replace them).

Questions never block: `ask` opens a window-modal box and returns at once; the answer
comes later to `on_answer`. Keys pressed meanwhile go to the box (the window's shortcuts
do not fire behind a modal box).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from explorer.core.questions import Question


def ask(parent: QWidget, question: Question, on_answer: Callable[[str], None]) -> QMessageBox:
    """Show `question`; `on_answer` gets "save", "discard" or "cancel" once it is answered
    ("discard" is the question's `yes`: Discard, Reset, Open)."""
    if question.kind == "save":
        box = QMessageBox(QMessageBox.Icon.Question, question.title, question.text, parent=parent)
        save = box.addButton(QMessageBox.StandardButton.Save)
        go = box.addButton(QMessageBox.StandardButton.Discard)
    else:
        box = QMessageBox(QMessageBox.Icon.Warning, question.title, question.text, parent=parent)
        save = box.addButton("Save first…", QMessageBox.ButtonRole.AcceptRole)
        go = box.addButton(question.yes, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.setObjectName("question")
    answered = []

    def on_finished(_result: int) -> None:
        if answered:
            return  # closed by the app after an answer came another way
        clicked = box.clickedButton()
        answered.append(True)
        on_answer("save" if clicked is save else "discard" if clicked is go else "cancel")

    box.finished.connect(on_finished)
    box.open()
    return box


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
        shortcut = act.shortcut()
        if name == "step" and shortcut.isEmpty():  # lent to the Inside tab just now
            shortcut = QKeySequence("Right")
        key = shortcut.toString(QKeySequence.SequenceFormat.NativeText)
        rows.append(f"<tr><td><b>{key}</b></td><td>{act.text().replace('&', '')}</td></tr>")
    text = (
        "<table cellpadding='4'>" + "".join(rows) + "</table>"
        "<p>In the <b>Inside</b> tab, <b>←</b> and <b>→</b> move between stages (Step "
        "has no key there).</p>"
        "<p>The keys work from every field except the text boxes (your examples, your "
        "input, the pattern), where they type.</p>"
    )
    box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, parent=parent)
    box.setObjectName("keysDialog")
    box.exec()


def show_about(parent: QWidget) -> None:
    from importlib.metadata import PackageNotFoundError, version

    from PySide6 import __version__ as pyside

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "(not installed)"

    text = (
        f"<h3>tinyformer-explorer {installed('tinyformer-explorer')}</h3>"
        "<p>Build the smallest Transformer, train it live on toy sequence tasks, and see "
        "what every attention head does.</p>"
        f"<p>torch {installed('torch')}, PySide6 {pyside}. MIT licence.</p>"
    )
    title = "About tinyformer-explorer"
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setObjectName("aboutDialog")
    box.exec()
