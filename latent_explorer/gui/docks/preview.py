"""The preview dock: the selected image beside its reconstruction, with its error; below, the
image decoded wherever the mouse is over empty map space, faded and outlined by its confidence —
the chance, calibrated on the workspace's held-out images, that it is what the model would show
for an image lying there (`session.map_decoder.Decoded`) — decoded in a worker, or at once where
decoding is cheap; the newest position wins."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from latent_explorer.errors import UserError
from latent_explorer.session.steering import Steering
from latent_explorer.session.image_folder import PREPARED_KEY as MISSING
from latent_explorer.session.session import Session
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker
from latent_explorer.gui.docks.image_box import ImageBox
from latent_explorer.gui.render.pixmaps import scaled_pixmap

IMAGE_BOX = 160  # pixels per side of each shown image
CONFIDENCE_TIP = ("Confidence: the chance that this decoded image is what the model would show for an "
                  "image lying at this spot of the map, as checked on your held-out images (calibrated "
                  "on your images when the map is first decoded). Green from 50 %, orange from 10 %.")
UNCALIBRATED_TIP = ("Confidence (uncalibrated): 100 % on a data point, falling with the distance from the "
                    "data; not a probability — no images or decoder to check it on, or the check is "
                    "still running.")
CAPTION_EVERY_MS = 80
INLINE_DECODE_MS = 8.0  # decodes cheaper than half a 60 Hz frame run in the GUI thread (latest_worker)


def _image_label() -> ImageBox:
    return ImageBox(IMAGE_BOX + 8)


def faded(image: np.ndarray, confidence: float) -> np.ndarray:
    """The image blended towards white as confidence falls (half-faded at confidence 0)."""
    keep = 0.5 + 0.5 * float(np.clip(confidence, 0.0, 1.0))
    return (image.astype(np.float32) * keep + 255.0 * (1.0 - keep) + 0.5).astype(np.uint8)


def confidence_colour(confidence: float) -> str:
    return "#2e8b57" if confidence >= 0.5 else "#d08c00" if confidence >= 0.1 else "#c0392b"


class PreviewPanel(QWidget):
    decoded_shown = Signal(object)  # the map position whose decoded image is now on screen

    def __init__(self, session: Session, steering: Steering, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.steering = steering
        self.index = -1
        self.hover_position: np.ndarray | None = None
        self.last_confidence: float | None = None
        self._frame_colour: str | None = None
        self._caption = ""
        self._caption_timer = QTimer(self)
        self._caption_timer.setSingleShot(True)
        self._caption_timer.timeout.connect(self._show_caption)
        self.worker = LatestOnlyWorker(self, inline_below_ms=INLINE_DECODE_MS)
        self.worker.finished.connect(self._on_decoded)
        self.worker.failed.connect(lambda _key, msg: self.decoded_caption.setText(
            f"cannot decode here: {msg.splitlines()[0]}"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        layout.addWidget(self.title)
        images = QGridLayout()
        self.original = _image_label()
        self.reconstruction = _image_label()
        for col, (caption, label) in enumerate([("Original", self.original),
                                                ("Reconstruction", self.reconstruction)]):
            cap = QLabel(caption)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            images.addWidget(cap, 0, col)
            images.addWidget(label, 1, col)
        layout.addLayout(images)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        heading = QLabel("Under the cursor")
        heading.setStyleSheet("font-weight: bold; margin-top: 10px")
        layout.addWidget(heading)
        self.decoded = _image_label()
        self.decoded.setText("hover empty\nmap space\nto decode it")
        layout.addWidget(self.decoded, 0, Qt.AlignmentFlag.AlignHCenter)
        self.decoded_caption = QLabel()
        self.decoded_caption.setWordWrap(True)
        # a caption of fixed height: a new one every mouse move must not lay the dock out again
        self.decoded_caption.setFixedHeight(3 * self.decoded_caption.fontMetrics().lineSpacing() + 4)
        self.decoded_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.decoded_caption)
        layout.addStretch(1)
        session.selection_changed.connect(self.show_image)
        session.workspace_changed.connect(lambda _ws: self.show_position(None))
        session.map_changed.connect(lambda _map: self.show_position(None))  # positions changed
        self.show_image(-1)

    def show_position(self, position) -> None:
        """Decode the map at ``position`` (x, y) in the worker; None clears."""
        decoder = self.steering.decoder
        if position is None or decoder is None or decoder.model is None:
            self.hover_position = None
            if position is None:
                self.decoded.clear()
                ws = self.session.workspace
                no_decoder = ws is not None and not ws.has_decoder
                self.decoded.setText("no model yet:\nonce one is trained,\nthe map decodes" if ws is not None and ws.is_pixel_map
                                     else "no decoder:\nthese points\ncannot be decoded" if no_decoder
                                     else "hover empty\nmap space\nto decode it")
                self.decoded_caption.clear()
                self._caption = ""
            return
        p = np.asarray(position, np.float64)
        self.hover_position = p
        self.worker.submit((decoder, p), lambda: decoder.decode_at(p))

    def _on_decoded(self, key, result) -> None:
        decoder, p = key
        if decoder is not self.steering.decoder:
            return
        conf = result.confidence
        self.last_confidence = conf
        colour = confidence_colour(conf)
        self.decoded.setPixmap(scaled_pixmap(faded(result.image, conf), IMAGE_BOX))
        if self._frame_colour != colour:  # restyling re-polishes the label: only when it changes
            self._frame_colour = colour
            self.decoded.setStyleSheet(f"background: #f4f4f4; border: 3px solid {colour}")
        where = ", ".join(f"{v:.2f}" for v in p)
        calibrated = result.calibrated
        verdict = ("likely what lies here" if conf >= 0.5 else "a rough guess" if conf >= 0.1
                   else "far from the data: guesswork")
        self._caption = (f"at ({where}) · confidence{'' if calibrated else ' (uncalibrated)'} "
                         f"<b style='color:{colour}'>{conf:.0%}</b> · {verdict}")
        tip = CONFIDENCE_TIP if calibrated else UNCALIBRATED_TIP
        if self.decoded_caption.toolTip() != tip:
            self.decoded_caption.setToolTip(tip)
        if not self._caption_timer.isActive():
            self._show_caption()
        self.decoded_shown.emit(p)

    def _show_caption(self) -> None:
        """The newest decode's caption, at most every `CAPTION_EVERY_MS` (no one reads text that
        changes with every mouse move, and redrawing it cost twice what the image does)."""
        if self._caption and self._caption != self.decoded_caption.text():
            self.decoded_caption.setText(self._caption)
            self._caption_timer.start(CAPTION_EVERY_MS)

    def shutdown(self) -> None:
        self.worker.shutdown()

    def show_image(self, index: int) -> None:
        self.index = index
        if index < 0:
            self.title.setText("No image selected")
            self.details.setText("Click a point on the map to see that image and how the model "
                                 "reconstructs it.")
            for label in (self.original, self.reconstruction):
                label.clear()
            return
        s = self.session
        label = s.label_of(index)
        self.title.setText(f"Image #{index}" + (f" — {label}" if label is not None else ""))
        embeddings = s.dataset is not None and s.dataset.source.get("kind") == "embeddings"
        missing = s.prepared.get(MISSING) is not None  # the folder moved: Model ▸ Locate folder…
        self._put(self.original, s.original(index),
                  "no images:\nembeddings only" if embeddings else
                  "image file missing:\nLocate folder… in the Model dock" if missing else "images not loaded")
        try:
            recon = s.reconstruction(index)
        except UserError as exc:
            recon, why = None, str(exc)
        else:
            why = "no decoder" if s.model is None else "images not loaded"
        self._put(self.reconstruction, recon, why)
        lines = []
        err = s.reconstruction_error(index)
        if err is not None:
            lines.append(f"Reconstruction error (MSE per pixel): <b>{err:.4f}</b>")
        if s.dataset is not None and s.dataset.paths:
            lines.append(f"File: {s.dataset.paths[index]}")
        self.details.setText("<br>".join(lines))

    @staticmethod
    def _put(label: QLabel, image: np.ndarray | None, why: str) -> None:
        if image is None:
            label.clear()
            label.setText(why)
        else:
            label.setPixmap(scaled_pixmap(image, IMAGE_BOX))


__all__ = ["PreviewPanel"]
