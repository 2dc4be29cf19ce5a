"""Tabs a little tighter than the platform's, so that all eight fit a 1024-px window."""

from __future__ import annotations

from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

TAB_H_SPACE = 9  # Fusion gives 24: fifteen pixels a tab, 120 in all


class CompactTabStyle(QProxyStyle):
    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:  # fmt: skip
        if metric == QStyle.PixelMetric.PM_TabBarTabHSpace:
            return min(TAB_H_SPACE, super().pixelMetric(metric, option, widget))
        return super().pixelMetric(metric, option, widget)
