"""The Sliders dock builds a new workspace's rows a few per event-loop turn, out of sight, and
shows them once whole: added to a visible grid, each row moved and resized every row before it
(column widths, the spread over the viewport), 1,300-1,700 events in one 50-80 ms stall of the
GUI thread as training started."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QSlider, QWidget

from .helpers import LONG

GEOMETRY = (QEvent.Type.Move, QEvent.Type.Resize)


class GeometryEvents(QObject):
    """Counts the moves and resizes that widgets inside ``host`` receive."""

    def __init__(self, host: QWidget) -> None:
        super().__init__()
        self.host, self.seen = host, 0

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() in GEOMETRY and isinstance(obj, QWidget) and obj is not self.host \
                and self.host.isAncestorOf(obj):
            self.seen += 1
        return False


def test_slider_rows_appear_whole_without_moving_each_other(window, qtbot, saved_digits_workspace):
    window.sliders_dock.raise_()
    sliders, host = window.sliders, window.sliders.grid_host
    counter = GeometryEvents(host)
    QApplication.instance().installEventFilter(counter)
    partial = []  # rows on screen while some were still missing
    try:
        window.session.open(saved_digits_workspace)
        n = len(window.steering.directions)
        assert n >= 10

        def shown() -> int:
            count = sum(s.isVisible() for s in host.findChildren(QSlider))
            if 0 < count < n:
                partial.append(count)
            return count

        qtbot.waitUntil(lambda: shown() == n, timeout=LONG)
    finally:
        QApplication.instance().removeEventFilter(counter)
    widgets = len(host.findChildren(QWidget))
    assert not partial
    # as they show, and once more when the scroll bar comes: 458 for 103 widgets (2,275 before)
    assert counter.seen <= 6 * widgets, (counter.seen, widgets)
    rows = {row.name.text(): row for row in sliders.rows}
    assert "stops where the class ends" in rows["toward 0"].name.toolTip()  # a label's push has limits
    assert "stops" not in rows["PC1"].name.toolTip()


def test_a_slider_stopped_at_its_class_limit_says_how_far_the_image_moved(window, qtbot, saved_digits_workspace):
    window.sliders_dock.raise_()
    window.session.open(saved_digits_workspace)
    sliders, steering = window.sliders, window.steering
    qtbot.waitUntil(lambda: len(sliders.rows) == len(steering.directions) > 0, timeout=LONG)
    d = steering.directions[0]
    along = d.project(window.session.workspace.latents.mean)
    labels = window.session.workspace.dataset.labels
    i = int(next(j for j in range(len(along))
                 if labels[j] != 0 and d.limits[1] - 2.5 * d.spread < along[j] < d.limits[1] - 0.5 * d.spread))
    window.session.select(i)
    rows = {row.name.text(): row for row in sliders.rows}
    toward, pc = rows["toward 0"], rows["PC1"]
    toward.slider.setValue(toward.slider.maximum())  # as a drag to the end would
    pc.slider.setValue(pc.slider.maximum() // 3)
    moved = (d.limits[1] - along[i]) / d.spread
    assert toward.value.text() == f"{moved:+.2f}" and "#b36b00" in toward.value.styleSheet()
    assert "asked +3.00" in toward.value.toolTip()
    assert sliders.stopped.isVisible() and f"“toward 0” at {moved:+.2f}" in sliders.stopped.text()
    assert "PC1" not in sliders.stopped.text()
    assert pc.value.text() == "+1.00" and not pc.value.styleSheet() and not pc.value.toolTip()
    toward.slider.setValue(0)
    assert toward.value.text() == "+0.00" and not toward.value.styleSheet() and not sliders.stopped.isVisible()
