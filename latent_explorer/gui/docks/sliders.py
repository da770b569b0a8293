"""The sliders dock: one slider per direction, grouped by where it came from, each with its
held-out score; dragging edits the selected image live (decoded in a worker, newest request
wins) and moves its point on the map. Reset, Undo, and Keep the edit as a new point."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSlider, QVBoxLayout,
    QWidget,
)

from latent_explorer.errors import UserError
from latent_explorer.session.steering import STRENGTH_LIMIT, Edit, Steering
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker
from latent_explorer.gui.render.pixmaps import scaled_pixmap

TICKS = 100  # slider steps per spread
IMAGE_BOX = 120
FIRST_ROWS_AFTER_MS = 20  # a new workspace's map is drawn first
ROWS_PER_TURN = 6
GROUPS = [  # (kinds, heading)
    (("mean-diff", "logistic"), "Labels"),
    (("covariance", "regression"), "Attributes"),
    (("selection",), "Your selections"),
    (("pca",), "Principal directions (unsupervised)"),
    (("dimension",), "Latent dimensions"),
]


def score_text(direction) -> str:
    if direction.score is None:
        return ""
    short = {"held-out balanced accuracy": "acc", "held-out R²": "R²", "explained variance ratio": "var",
             "KL (nats)": "KL", "variance": "var"}.get(direction.score_name, direction.score_name)
    text = f"{short} {direction.score:.2f}"
    mono = direction.monotonicity
    if mono:
        text += f" · walk ρ {mono['spearman']:.2f}, moves {mono['moved']:.0%}"
    return text


def score_tip(direction) -> str:
    parts = []
    if direction.score is not None:
        parts.append(f"{direction.score_name}: {direction.score:.3f}")
    mono = direction.monotonicity
    if mono:
        parts.append(f"walking it ±2 spreads from {mono.get('n_walks', 'some')} images, decoding and "
                     f"encoding again: Spearman "
                     f"{mono['spearman']:.2f} between step and what it names, which moves "
                     f"{mono['moved']:.0%} of its range")
    else:
        parts.append("the walk is checked once the model is on screen")
    return "\n".join(parts)


def stopped_text(directions, edit: Edit) -> str:
    """Which pushes a class's limit stopped short of the slider, and where."""
    stopped = [f"“{d.name}” at {edit.applied_strength(i):+.2f}" for i, d in enumerate(directions)
               if i < len(edit.strengths) and edit.stopped_short(i)]
    return f"Stopped where the class ends: {', '.join(stopped)}" if stopped else ""


class _Row:
    """One slider: its name with its figures below (so a narrow dock cuts nothing), the slider,
    and its strength."""

    def __init__(self, index: int, direction, on_value, on_press) -> None:
        self.index = index
        self.name = QLabel(direction.name)
        stops = ("\nIt stops where the class ends (its 90th percentile along the direction; the rest's "
                 "10th the other way): pushed further, decoded images leave the data and read as "
                 "something else.") if direction.limits is not None else ""
        self.name.setToolTip(f"{direction.name} ({direction.kind}); one step = 1 spread "
                             f"({direction.spread:.3g}) of the data along it{stops}")
        self.score = QLabel()
        self.score.setStyleSheet("color: gray; font-size: 8pt")
        self.label = QWidget()
        stack = QVBoxLayout(self.label)
        stack.setContentsMargins(0, 1, 0, 1)
        stack.setSpacing(0)
        stack.addWidget(self.name)
        stack.addWidget(self.score)
        self.set_direction(direction)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(int(-STRENGTH_LIMIT * TICKS), int(STRENGTH_LIMIT * TICKS))
        self.slider.setPageStep(TICKS // 2)
        self.slider.setMinimumWidth(80)
        self.value = QLabel("0.00")
        self.value.setMinimumWidth(40)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider.valueChanged.connect(lambda v: on_value(self.index, v / TICKS))
        self.slider.sliderPressed.connect(on_press)

    def set_direction(self, direction) -> None:
        text = score_text(direction)
        self.score.setText(text)
        self.score.setVisible(bool(text))
        self.score.setToolTip(score_tip(direction))

    def show(self, strength: float, applied: float, stopped: bool) -> None:
        """The slider at the asked ``strength``; the figure beside it says how far the image
        really moved, in amber where the class's limit ``stopped`` the push (the same width, so a
        narrow dock still shows it whole)."""
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(strength * TICKS)))
        self.slider.blockSignals(False)
        self.value.setText(f"{applied if stopped else strength:+.2f}")
        self.value.setStyleSheet("color: #b36b00" if stopped else "")
        self.value.setToolTip(f"asked {strength:+.2f}; the push stops at {applied:+.2f} spreads, where "
                              "the class ends" if stopped else "")


class SlidersPanel(QWidget):
    edited_image_shown = Signal(object)  # the Edit whose image is now on screen

    def __init__(self, steering: Steering, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steering = steering
        self._rows: list[_Row] = []
        self._pending: list | None = None  # directions whose rows are not built yet
        self._plan: list = []  # (index, direction) rows, (heading, None) headings, still to add
        self._next_row = 0  # the grid row the next one goes to
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.timeout.connect(self._build_some)
        self.worker = LatestOnlyWorker(self)
        self._submitted = self._shown = 0  # render requests made / the newest shown
        self.worker.finished.connect(self._on_rendered)
        self.worker.failed.connect(self._on_render_failed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        images = QHBoxLayout()
        self.origin_image, self.edited_image = QLabel(), QLabel()
        for label, caption in ((self.origin_image, "reconstruction"), (self.edited_image, "edited")):
            box = QVBoxLayout()
            label.setFixedSize(IMAGE_BOX + 8, IMAGE_BOX + 8)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setFrameShape(QFrame.Shape.StyledPanel)
            label.setStyleSheet("background: #f4f4f4; color: #888888")
            cap = QLabel(caption)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(label)
            box.addWidget(cap)
            images.addLayout(box)
        layout.addLayout(images)
        buttons = QHBoxLayout()
        self.reset_button = QPushButton("Reset")
        self.undo_button = QPushButton("Undo")
        self.keep_button = QPushButton("Keep as point")
        self.keep_button.setToolTip("add the edited image to the map as a new point")
        for b, slot in ((self.reset_button, steering.reset), (self.undo_button, steering.undo),
                        (self.keep_button, self.keep)):
            b.clicked.connect(slot)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)
        scroll = QScrollArea()
        scroll.setWidget(self.grid_host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(scroll, 1)
        self.stopped = QLabel()
        self.stopped.setStyleSheet("color: #b36b00")
        self.stopped.setWordWrap(True)
        self.stopped.hide()
        layout.addWidget(self.stopped)
        ab = QHBoxLayout()
        self.set_a_button = QPushButton("A = selection")
        self.set_b_button = QPushButton("B = selection")
        self.make_button = QPushButton("Make A → B")
        self.make_button.setToolTip("a new slider that moves images from group A towards group B "
                                    "(select groups with the lasso: Shift-drag on the map)")
        self.set_a_button.clicked.connect(lambda: self._set_group("a"))
        self.set_b_button.clicked.connect(lambda: self._set_group("b"))
        self.make_button.clicked.connect(self.make_direction)
        for b in (self.set_a_button, self.set_b_button, self.make_button):
            ab.addWidget(b)
        layout.addLayout(ab)
        self.chosen = np.zeros(0, np.int64)
        self.group_a = np.zeros(0, np.int64)
        self.group_b = np.zeros(0, np.int64)
        self._update_group_buttons()
        self.message = QLabel()
        self.message.setStyleSheet("color: #a33")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        steering.directions_changed.connect(self.set_directions)
        steering.directions_scored.connect(self._show_scores)
        steering.edit_changed.connect(self.show_edit)
        self.set_directions(steering.directions)
        self.show_edit(steering.edit)

    @property
    def rows(self) -> list[_Row]:
        """One row per direction (any still waiting to be built are built now)."""
        self._build(budget=None)
        return self._rows

    def set_directions(self, directions) -> None:
        """Rows for ``directions``, built a few per event-loop turn after the map has been drawn,
        and not at all while the dock is hidden behind another tab (until it shows): 80 new
        widgets and their first paint in one go stalled the window 20–50 ms when a workspace
        arrived."""
        self._pending = list(directions)
        self._plan = []
        self._build_timer.start(FIRST_ROWS_AFTER_MS)

    def _show_scores(self, directions) -> None:
        """The same directions with their walks checked: new figures, the same rows."""
        if self._pending is not None:
            self._pending = list(directions)
        self._plan = [(i, d if d is None else directions[i]) for i, d in self._plan]
        for r in self._rows:
            r.set_direction(directions[r.index])

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._pending is not None or self._plan:
            self._build_timer.start(FIRST_ROWS_AFTER_MS)

    def _build_some(self) -> None:
        if not self.isVisible():
            return  # showEvent starts it again
        self._build(budget=ROWS_PER_TURN)
        if self._plan:
            self._build_timer.start(1)

    def _build(self, budget: int | None) -> None:
        """Add up to ``budget`` rows (None: all) of the pending directions."""
        if self._pending is not None:
            directions, self._pending = self._pending, None
            while self.grid.count():
                item = self.grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self._rows = []
            self._plan = []
            self.grid.setRowStretch(self._next_row, 0)
            self._next_row = 0
            for kinds, heading in GROUPS + [((), "Other")]:
                members = [(i, d) for i, d in enumerate(directions)
                           if d.kind in kinds or (not kinds and not any(d.kind in k for k, _ in GROUPS))]
                if members:
                    self._plan.append((heading, None))
                    self._plan.extend(members)
            # built out of sight and shown once whole: each row added to a visible grid moved
            # and resized every row before it (column widths, the spread over the viewport),
            # 1,300-1,700 events in one 50-80 ms stall of the GUI thread as training started
            self.grid_host.hide()
        if not self._plan:
            self.grid_host.show()
            return
        added = []
        while self._plan and (budget is None or budget > 0):
            row, self._next_row = self._next_row, self._next_row + 1
            i, d = self._plan.pop(0)
            if d is None:
                head = QLabel(i)
                head.setStyleSheet("font-weight: bold; color: #555; margin-top: 6px")
                self.grid.addWidget(head, row, 0, 1, 3)
                continue
            r = _Row(i, d, self._on_value, self.steering.checkpoint)
            for col, w in enumerate((r.label, r.slider, r.value)):
                self.grid.addWidget(w, row, col)
            self._rows.append(r)
            added.append(r)
            if budget is not None:
                budget -= 1
        self._rows.sort(key=lambda r: r.index)
        if not self._plan:
            self.grid.setRowStretch(self._next_row, 1)
            self.grid_host.show()
        self._sync(added, self.steering.edit)

    def _on_value(self, index: int, value: float) -> None:
        try:
            self.steering.set_strength(index, value)
        except UserError as exc:
            self.message.setText(str(exc))

    @staticmethod
    def _sync(rows: list[_Row], edit: Edit | None) -> None:
        for r in rows:
            r.slider.setEnabled(edit is not None)
            if edit is None or r.index >= len(edit.strengths):
                r.show(0.0, 0.0, False)
            else:
                r.show(float(edit.strengths[r.index]), edit.applied_strength(r.index), edit.stopped_short(r.index))

    def show_edit(self, edit: Edit | None) -> None:
        enabled = edit is not None
        self._sync(self._rows, edit)
        stopped = "" if edit is None else stopped_text(self.steering.directions, edit)
        self.stopped.setText(stopped)
        self.stopped.setVisible(bool(stopped))
        self.reset_button.setEnabled(enabled and not edit.is_identity)
        self.undo_button.setEnabled(enabled and self.steering.can_undo)
        self.keep_button.setEnabled(enabled and not edit.is_identity)
        if edit is None:
            self.title.setText("Select an image on the map to edit it along these directions")
            self.origin_image.clear()
            self.edited_image.clear()
            return
        if edit.origin < 0:
            self.title.setText(f"Editing {edit.name}")
        else:
            label = self.steering.session.label_of(edit.origin)
            self.title.setText(f"Editing image #{edit.origin}" + (f" — {label}" if label else ""))
        self.message.clear()
        if self.steering.decoder is None or self.steering.decoder.model is None:
            self.edited_image.setText("no decoder")
            return
        which = "origin" if edit.is_identity else "edit"
        self._submitted += 1
        self.worker.submit((which, edit, self._submitted), lambda e=edit: self.steering.render(e))

    def _on_rendered(self, key, image: np.ndarray) -> None:
        """Show the current edit's image, and during a drag any image newer than the one on
        screen: positions the slider passed are real frames, not stale ones to throw away."""
        which, edit, seq = key
        current = self.steering.edit
        if which == "origin":  # the unedited image: the reference for every later edit
            self.origin_image.setPixmap(scaled_pixmap(image, IMAGE_BOX))
        same_image = current is not None and current.origin == edit.origin
        if edit is current or (same_image and seq > self._shown):
            self._shown = seq
            self.edited_image.setPixmap(scaled_pixmap(image, IMAGE_BOX))
            self.edited_image_shown.emit(edit)

    def _on_render_failed(self, key, message: str) -> None:
        self.message.setText(f"cannot decode: {message.splitlines()[0]}")

    def keep(self) -> None:
        try:
            point = self.steering.keep()
        except UserError as exc:
            self.message.setText(str(exc))
        else:
            self.message.setText("")
            self.title.setText(f"Kept “{point.name}” on the map")

    def set_chosen(self, indices) -> None:
        """The map's current lasso/box selection (what 'A = selection' takes)."""
        self.chosen = np.asarray(indices, np.int64)
        self._update_group_buttons()

    def _set_group(self, which: str) -> None:
        if which == "a":
            self.group_a = self.chosen.copy()
        else:
            self.group_b = self.chosen.copy()
        self._update_group_buttons()

    def _update_group_buttons(self) -> None:
        has = len(self.chosen) > 0
        self.set_a_button.setEnabled(has)
        self.set_b_button.setEnabled(has)
        self.set_a_button.setText(f"A = selection ({len(self.group_a)})" if len(self.group_a) else "A = selection")
        self.set_b_button.setText(f"B = selection ({len(self.group_b)})" if len(self.group_b) else "B = selection")
        self.make_button.setEnabled(len(self.group_a) > 0 and len(self.group_b) > 0)

    def make_direction(self) -> int | None:
        try:
            index = self.steering.direction_from_selections(self.group_a, self.group_b)
        except UserError as exc:
            self.message.setText(str(exc))
            return None
        d = self.steering.directions[index]
        self.title.setText(f"New slider “{d.name}” ({len(self.group_a)} → {len(self.group_b)} images)")
        return index

    def shutdown(self) -> None:
        self.worker.shutdown()


__all__ = ["SlidersPanel", "score_text"]
