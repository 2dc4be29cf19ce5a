"""Take the README's screenshots (and more) from the real app, as a user would get there:
load a lesson's preset with its button, train with the toolbar, open the tab.

    xvfb-run -s '-screen 0 1600x1000x24' python docs/make_screenshots.py [--size 1600x1000]
        [--only NAME ...] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

SHOTS = {}  # name -> function(app helpers)


def shot(fn):
    SHOTS[fn.__name__] = fn
    return fn


class Driver:
    def __init__(self, app, window, out: Path) -> None:
        self.app, self.w, self.out = app, window, out

    def wait(self, cond, timeout_s: float = 600.0) -> None:
        end = time.monotonic() + timeout_s
        while not cond():
            self.app.processEvents()
            time.sleep(0.01)
            if time.monotonic() > end:
                raise TimeoutError("the app did not get there in time")

    def settle(self, seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def lesson(self, number: int, button: int = 0) -> None:
        panel = self.w.lessons_panel
        panel.picker.setCurrentIndex(number - 1)
        self.settle(0.2)
        panel.load_buttons()[button].click()
        self.settle(0.3)

    def preset(self, name: str) -> None:
        self.w.state.load_preset(name)
        self.settle(0.2)

    def train(self) -> None:
        from explorer.core.status import Status

        self.w.actions.train.trigger()
        self.wait(lambda: self.w.state.status is Status.FINISHED)
        self.settle(1.0)

    def tab(self, title: str) -> None:
        titles = self.w.tab_titles()
        self.w.tabs.setCurrentIndex(titles.index(title))
        self.settle(1.0)

    def save(self, name: str) -> None:
        self.settle(0.5)
        self.w.grab().save(str(self.out / f"{name}.png"), "PNG")
        print("wrote", self.out / f"{name}.png", flush=True)


@shot
def attention(d: Driver) -> None:
    d.preset("copy")
    d.train()
    d.tab("Attention")
    d.save("attention")


@shot
def lesson_1_leak(d: Driver) -> None:
    d.lesson(1, 0)
    d.train()
    d.tab("Predictions")
    d.save("lesson-1-leak")
    d.save("predictions")


@shot
def lesson_2_reverse(d: Driver) -> None:
    d.lesson(2, 1)
    d.train()
    d.tab("Attention")
    grid = d.w.attention_view
    grid.kind_box.setCurrentIndex(grid.kind_box.findData("cross"))
    grid.layer_box.setCurrentIndex(grid.layer_box.findData(-1))
    d.save("lesson-2-reverse")


@shot
def lesson_3_data(d: Driver) -> None:
    d.lesson(3, 1)
    d.tab("Batch")
    d.save("lesson-3-data")


@shot
def lesson_4_layers(d: Driver) -> None:
    d.lesson(4, 1)
    d.train()
    d.tab("Attention")
    grid = d.w.attention_view
    grid.layer_box.setCurrentIndex(grid.layer_box.findData(-1))
    d.save("lesson-4-layers")


@shot
def lesson_5_positions(d: Driver) -> None:
    d.lesson(5, 0)
    d.train()
    d.lesson(5, 1)
    d.train()
    d.tab("Compare")
    d.save("lesson-5-positions")


@shot
def lesson_6_step0(d: Driver) -> None:
    d.lesson(6, 0)
    d.train()
    d.tab("Attention")
    d.w.attention_tab.slider.setValue(0)
    d.save("lesson-6-step0")


@shot
def lesson_7_grokking(d: Driver) -> None:
    d.lesson(7, 0)
    d.train()
    d.tab("Loss")
    d.save("lesson-7-grokking")
    d.save("loss")
    d.tab("Embeddings")
    d.save("lesson-7-embeddings")


@shot
def lesson_8_inside(d: Driver) -> None:
    d.lesson(8, 0)
    d.train()
    d.tab("Inside")
    inside = d.w.inside_view
    d.wait(lambda: inside.stages)
    titles = [s.title for s in inside.stages]
    inside.go(titles.index("Decoder layer 1, self-attention: scores"))
    d.save("inside")
    d.lesson(8, 1)
    d.train()
    d.tab("Inside")
    d.wait(lambda: inside.stages and inside.result.step > 0)
    inside.go(len(inside.stages) - 1)
    d.save("lesson-8-lens")


@shot
def lesson_9_causes(d: Driver) -> None:
    d.lesson(9, 0)
    d.train()
    d.tab("Causes")
    view = d.w.causes_view
    d.wait(lambda: view.result is not None and view.result.step > 0)
    panel = view.panels["heads.decoder"]
    layer2 = panel.values()[1]
    d.w.state.live.read("circuits", ("decoder", 1, int(layer2.argmax())))
    d.wait(lambda: view.circuits is not None)
    d.save("lesson-9-causes")
    d.lesson(9, 1)
    d.train()
    d.tab("Causes")
    d.wait(lambda: view.result is not None and view.result.step > 0)
    view.source.buttons[3].click()
    d.wait(lambda: view.result.ask.corrupt == ("token", 3))
    d.w.state.live.read("circuits", ("cross", 0, 0))
    d.wait(lambda: view.circuits is not None and view.circuits.head == ("cross", 0, 0))
    d.save("causes")


@shot
def eight_heads(d: Driver) -> None:
    d.preset("copy")
    d.w.state.set_settings("model", {"n_heads": 8})
    d.train()
    d.tab("Attention")
    d.save("eight-heads")


SENTENCES = """the dog sat on the mat and the cat sat on the dog
a bird sang in the tree and the dog ran to the tree
the cat ran after the bird and the bird flew to the mat
the dog and the cat sat in the sun on the mat
a cat sang to the dog and the dog sat on the tree"""


@shot
def typed_custom(d: Driver) -> None:
    d.preset("custom")
    d.w.state.set_settings("task", {"text": SENTENCES, "held_out": 0.0})
    d.w.state.set_settings("train", {"steps": 300})
    d.train()
    d.tab("Predictions")
    view = d.w.predictions_view
    view.input.setText("the dog sat on the mat and the cat sat on the")  # 12 words
    view.button.click()
    d.settle(3.0)
    d.save("typed-custom")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--out", default=str(Path(__file__).parent / "screenshots"))
    args = parser.parse_args()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from explorer.app import create_app
    from explorer.views import dialogs

    # A scripted session discards without asking.
    dialogs.ask = lambda parent, question, on_answer: on_answer("discard")
    app, window = create_app()
    window.hint.hide()  # the first-run hint: shown once to a new user, not in every picture
    width, height = map(int, args.size.split("x"))
    window.resize(width, height)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    driver = Driver(app, window, out)
    driver.settle(2.0)
    for name, fn in SHOTS.items():
        if not args.only or name in args.only:
            fn(driver)
    window.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
