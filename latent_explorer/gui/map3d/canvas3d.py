"""The two surfaces the 3-D map draws on: `RasterCanvas3D` (the points rendered on the CPU by
`scatter3d.render_cloud` into a QImage) and `GLCanvas3D` (a QOpenGLWidget drawing GL_POINTS
with a depth buffer, with Qt's own OpenGL classes and `scatter_gl`'s shader dialects and
vertex arrays). Both draw the same `Cloud` through the same `OrbitCamera`, and both pick
through the CPU's depth-tested key buffer, so what is under the mouse is the same on both.
The GL canvas emits `failed` if the driver lets it down; the view then swaps in a raster one."""
from __future__ import annotations

import logging
import time

import numpy as np
from pyqtgraph.Qt import OpenGLHelpers
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMatrix4x4, QPainter, QPen
from PySide6.QtOpenGL import QOpenGLShaderProgram
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from latent_explorer.gui.render.camera3d import OrbitCamera
from latent_explorer.gui.render.scatter3d import CHOSEN_RINGS, RINGS, Cloud, pick_key, render_cloud, render_keys, ring_stamps
from latent_explorer.gui.render.scatter_gl import GL_POINT_SPRITE, GL_PROGRAM_POINT_SIZE, GLPoints, link_program

log = logging.getLogger(__name__)

GL_DEPTH_TEST, GL_LESS = 0x0B71, 0x0201
GL_DEPTH_BUFFER_BIT = 0x0100
BACKGROUND = QColor("#ffffff")
BOX_COLOUR = QColor("#d4d4d4")
_CORNERS = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], np.float64)
_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]

_VERT3 = """
ATTR vec3 a_position;
ATTR vec4 a_colour;
uniform mat4 u_mvp;
uniform vec4 u_depth;
uniform float u_near;
uniform float u_inv_span;
uniform float u_fade;
uniform float u_size;
uniform float u_override;
uniform vec4 u_colour;
VARYING vec4 v_colour;
void main() {
    vec4 p = vec4(a_position, 1.0);
    gl_Position = u_mvp * p;
    gl_PointSize = u_size;
    float t = clamp((-dot(u_depth, p) - u_near) * u_inv_span, 0.0, 1.0) * u_fade;
    vec4 c = a_colour.bgra;
    c = vec4(c.rgb + (vec3(c.a) - c.rgb) * t, c.a);
    v_colour = a_colour.a > 0.0 ? mix(c, u_colour, u_override) : vec4(0.0);
}
"""


def draw_background(painter: QPainter, canvas, size: tuple[int, int, float] | None = None) -> None:
    """The background, the backdrop (the decoded atlas) if any and, thinly, the edges of the
    data's bounding box (a cue to how the map is turned), under the points; ``size`` is
    (w, h, dpr) of the picture (default: the canvas on screen)."""
    w, h, dpr = size or canvas.device_size()
    painter.fillRect(QRectF(0, 0, w / dpr, h / dpr), BACKGROUND)
    if canvas.backdrop is not None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(0, 0, w / dpr, h / dpr), canvas.backdrop)
        painter.restore()
    cloud = canvas.cloud
    if not len(cloud):
        return
    corners = cloud.lo + _CORNERS * (cloud.hi - cloud.lo)
    x, y, depth = canvas.camera.project(corners, w, h)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(BOX_COLOUR, 1.0))
    for a, b in _EDGES:
        if depth[a] > 0 and depth[b] > 0:
            painter.drawLine(QPointF(x[a] / dpr, y[a] / dpr), QPointF(x[b] / dpr, y[b] / dpr))
    painter.restore()


def points_image(cloud: Cloud, camera: OrbitCamera, w: int, h: int, size: int, dpr: float,
                 buffers: dict) -> QImage:
    """The points drawn on the CPU into a transparent w × h (device pixels) image."""
    img = render_cloud(cloud, camera.frame(w, h), w, h, size, ring_stamps(size, dpr), buffers,
                       ring_stamps(size, dpr, CHOSEN_RINGS))
    image = QImage(img.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
    image._keep = img  # the QImage does not own the numpy buffer
    image.setDevicePixelRatio(dpr)
    return image


def render_picture(canvas, scale: float) -> QImage:
    """What ``canvas`` shows (background, backdrop, box, points) drawn on the CPU at ``scale``
    device pixels per logical pixel, whichever path draws it on screen (export)."""
    w, h = max(1, round(canvas.width() * scale)), max(1, round(canvas.height() * scale))
    out = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    out.setDevicePixelRatio(scale)
    painter = QPainter(out)
    draw_background(painter, canvas, (w, h, scale))
    if len(canvas.cloud):
        size = max(1, round(canvas.size_px * scale))
        painter.drawImage(QPointF(0, 0), points_image(canvas.cloud, canvas.camera, w, h, size, scale, {}))
    painter.end()
    return out


class _Canvas:
    """What both canvases share: the cloud, the camera, the point size and picking."""

    def _setup(self, cloud: Cloud, camera: OrbitCamera, size_px: int) -> None:
        self.cloud = cloud
        self.camera = camera
        self.size_px = size_px
        self._buffers: dict = {}
        self._keys_for = None
        self.backdrop: QImage | None = None  # drawn over the whole view, under the points
        self.last_render_ms = 0.0
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_backdrop(self, image: QImage | None) -> None:
        self.backdrop = image
        self.update()

    def device_size(self) -> tuple[int, int, float]:
        dpr = self.devicePixelRatioF()
        return max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)), dpr

    def _key(self, w: int, h: int, size: int) -> tuple:
        return self.camera.version, self.cloud.versions[:2], w, h, size

    def pick(self, x: float, y: float, radius: float) -> int:
        """The point drawn at widget position (x, y), else the nearest within ``radius``
        (logical pixels), else -1."""
        if not len(self.cloud):
            return -1
        w, h, dpr = self.device_size()
        size = max(1, round(self.size_px * dpr))
        if self._keys_for != self._key(w, h, size):
            render_keys(self.cloud, self.camera.frame(w, h), w, h, size, self._buffers)
            self._keys_for = self._key(w, h, size)
        return pick_key(self._buffers, int(x * dpr), int(y * dpr), max(1, round(radius * dpr)))


class RasterCanvas3D(QWidget, _Canvas):
    kind = "raster"
    failed = Signal(str)  # never: there for the same API as the GL canvas

    def __init__(self, cloud: Cloud, camera: OrbitCamera, size_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(cloud, camera, size_px)
        self.setAutoFillBackground(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._image_for = None

    def image(self) -> QImage | None:
        """The points at the current camera and size (cached until either or the data change)."""
        if not len(self.cloud):
            return None
        w, h, dpr = self.device_size()
        size = max(1, round(self.size_px * dpr))
        key = (*self._key(w, h, size), self.cloud.versions[2])
        if key != self._image_for:
            t0 = time.perf_counter()
            image = points_image(self.cloud, self.camera, w, h, size, dpr, self._buffers)
            self._keys_for = self._key(w, h, size)
            self._image, self._image_for = image, key
            self.last_render_ms = (time.perf_counter() - t0) * 1e3
        return self._image

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        draw_background(painter, self)
        image = self.image()
        if image is not None:
            painter.drawImage(QPointF(0, 0), image)
        painter.end()


class GLCanvas3D(QOpenGLWidget, _Canvas):
    kind = "gl"
    failed = Signal(str)

    def __init__(self, cloud: Cloud, camera: OrbitCamera, size_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(cloud, camera, size_px)
        self._program: QOpenGLShaderProgram | None = None
        self._points = self._highlight = self._chosen = None
        self._uploaded = (-1, -1, -1)
        self._origin = np.zeros(3)
        self.gl_failed = False
        self.last_paint_was_gl = False

    def initializeGL(self) -> None:  # noqa: N802
        try:
            context = self.context()
            program = link_program(QOpenGLShaderProgram(self), context, _VERT3)
            self._points, self._highlight, self._chosen = (GLPoints(self, dims=3) for _ in range(3))
            for points in (self._points, self._highlight, self._chosen):
                points.create(program)
            self._program = program
            self._uploaded = (-1, -1, -1)
            context.aboutToBeDestroyed.connect(self._cleanup)
        except Exception as exc:  # noqa: BLE001 (a broken driver must not take the map down)
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        log.exception("OpenGL 3-D map failed; drawing on the CPU instead")
        self.gl_failed = True
        self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _cleanup(self) -> None:
        self.makeCurrent()
        for points in (self._points, self._highlight, self._chosen):
            if points is not None:
                points.destroy()
        self._program = None
        self._uploaded = (-1, -1, -1)
        self.doneCurrent()

    def _upload(self) -> None:
        c = self.cloud
        pos_v, col_v, hi_v = c.versions
        new_pos, new_col = self._uploaded[0] != pos_v, self._uploaded[1] != col_v
        if new_pos:
            self._origin = (c.lo + c.hi) / 2
        colours = c.colours
        if new_pos or new_col:
            hidden = ~np.isfinite(c.positions).all(axis=1)
            if c.visible is not None:
                hidden |= ~c.visible
            if hidden.any():
                colours = np.where(hidden, np.uint32(0), colours)
            self._points.write(self._relative(None) if new_pos else None, colours)
        if new_pos or new_col or self._uploaded[2] != hi_v:
            for points, idx in ((self._highlight, c.highlight), (self._chosen, c.chosen)):
                points.write(self._relative(idx), np.ascontiguousarray(colours[idx]))
        self._uploaded = c.versions

    def _relative(self, idx) -> np.ndarray:
        p = self.cloud.positions if idx is None else self.cloud.positions[idx]
        out = (p - self._origin).astype(np.float32)
        out[~np.isfinite(out).all(axis=1)] = 0
        return out

    def paintGL(self) -> None:  # noqa: N802
        self.last_paint_was_gl = False
        if self._program is None or self.gl_failed:
            return
        painter = QPainter(self)
        draw_background(painter, self)
        painter.beginNativePainting()
        try:
            self._paint()
            self.last_paint_was_gl = True
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
        finally:
            painter.endNativePainting()
            painter.end()

    def _paint(self) -> None:
        glf = self.context().functions()
        glf.glClear(GL_DEPTH_BUFFER_BIT)
        if not len(self.cloud):
            return
        t0 = time.perf_counter()
        self._upload()
        w, h, dpr = self.device_size()
        frame = self.camera.frame(w, h)
        mvp = self.camera.mvp(w, h, self._origin)
        depth_row = frame.m[2].copy()
        depth_row[3] += frame.m[2, :3] @ self._origin
        size = float(max(1, round(self.size_px * dpr)))
        context, program = self.context(), self._program
        states = []
        if not context.isOpenGLES():
            states.append(GL_PROGRAM_POINT_SIZE)
            if context.format().profile() != context.format().OpenGLContextProfile.CoreProfile:
                states.append(GL_POINT_SPRITE)
        for state in (GL_DEPTH_TEST, *states):
            glf.glEnable(state)
        glf.glDepthFunc(GL_LESS)
        program.bind()
        OpenGLHelpers.setUniformValue(program, "u_mvp", QMatrix4x4(*mvp.ravel().tolist()))
        program.setUniformValue("u_depth", *(float(v) for v in depth_row))
        program.setUniformValue1f("u_near", float(frame.near))
        program.setUniformValue1f("u_inv_span", 1.0 / max(frame.far - frame.near, 1e-12))
        program.setUniformValue1f("u_fade", self.cloud.fade)
        program.setUniformValue1f("u_size", size)
        program.setUniformValue1f("u_override", 0.0)
        self._points.draw(glf)
        glf.glDisable(GL_DEPTH_TEST)
        for points, rings in ((self._chosen, CHOSEN_RINGS), (self._highlight, RINGS)):
            if points.count:
                self._draw_ringed(program, glf, points, size, dpr, rings)
        program.release()
        for state in (GL_DEPTH_TEST, *states):
            glf.glDisable(state)
        self.last_render_ms = (time.perf_counter() - t0) * 1e3

    @staticmethod
    def _draw_ringed(program, glf, points, size: float, dpr: float, rings) -> None:
        """``points`` over everything, each inside its rings (`ring_stamps`)."""
        program.setUniformValue1f("u_override", 1.0)
        for stamp, argb in ring_stamps(int(size), dpr, rings):
            c = QColor.fromRgba(argb)
            program.setUniformValue1f("u_size", float(stamp))
            program.setUniformValue("u_colour", c.redF(), c.greenF(), c.blueF(), c.alphaF())
            points.draw(glf)
        program.setUniformValue1f("u_size", size)
        program.setUniformValue1f("u_override", 0.0)
        points.draw(glf)


def make_canvas(kind: str, cloud: Cloud, camera: OrbitCamera, size_px: int) -> RasterCanvas3D | GLCanvas3D:
    return (GLCanvas3D if kind == "gl" else RasterCanvas3D)(cloud, camera, size_px)


__all__ = ["GLCanvas3D", "RasterCanvas3D", "draw_background", "make_canvas", "render_picture"]
