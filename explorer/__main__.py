"""Entry point of `tinyformer-explorer [RUN]`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv if argv is None else ["tinyformer-explorer", *argv])
    label = QLabel("tinyformer-explorer: the app is being built; use the `tinyformer` CLI.")
    label.setMargin(24)
    label.setWindowTitle("tinyformer-explorer")
    label.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
