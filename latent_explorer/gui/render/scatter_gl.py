"""The map's points drawn by the GPU, and the test that says whether the GPU is worth using.

`GLScatterItem` draws GL_POINTS from vertex buffers with Qt's own OpenGL classes (no PyOpenGL)
when its view's viewport is pyqtgraph's QOpenGLWidget (`GraphicsView.useOpenGL()`); anywhere
else (grab, export, a plain viewport) it paints like its base, `RasterScatterItem`. Data reach
the GPU once per change; a pan or zoom only changes one matrix.

Software OpenGL (Mesa llvmpipe and friends) draws a million points slower than the raster
path, so `choose_renderer` picks "gl" only for a hardware renderer."""
from __future__ import annotations

import logging
import os

import numpy as np
from pyqtgraph.Qt import OpenGLHelpers
from PySide6.QtCore import QObject, QRectF
from PySide6.QtGui import QGuiApplication, QMatrix4x4, QOffscreenSurface, QOpenGLContext
from PySide6.QtOpenGL import QOpenGLBuffer, QOpenGLShader, QOpenGLShaderProgram, QOpenGLVertexArrayObject

from latent_explorer.gui.render.scatter_raster import HIGHLIGHT_GROWTH, RasterScatterItem

log = logging.getLogger(__name__)

ENV_VAR = "LATENT_EXPLORER_RENDERER"
SOFTWARE_MARKERS = ("llvmpipe", "softpipe", "swrast", "software", "microsoft basic render",
                    "gdi generic", "swiftshader")
GL_POINTS, GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_BLEND = 0x0000, 1, 0x0303, 0x0BE2
GL_UNSIGNED_BYTE, GL_FLOAT = 0x1401, 0x1406
GL_PROGRAM_POINT_SIZE, GL_POINT_SPRITE = 0x8642, 0x8861
GL_VENDOR, GL_RENDERER, GL_VERSION = 0x1F00, 0x1F01, 0x1F02
PROGRAM_KEY = "latent_explorer.scatter"

_VERT = """
ATTR vec2 a_position;
ATTR vec4 a_colour;
uniform mat4 u_mvp;
uniform float u_size;
uniform float u_override;
uniform vec4 u_colour;
VARYING vec4 v_colour;
void main() {
    gl_Position = u_mvp * vec4(a_position, 0.0, 1.0);
    gl_PointSize = u_size;
    v_colour = a_colour.a > 0.0 ? mix(a_colour.bgra, u_colour, u_override) : vec4(0.0);
}
"""
_FRAG = """
VARYING vec4 v_colour;
uniform float u_size;
OUT_DECL
void main() {
    if (v_colour.a <= 0.0) discard;
    if (u_size > 3.5) {
        vec2 d = gl_PointCoord - vec2(0.5);
        if (dot(d, d) > 0.25) discard;
    }
    FRAG_COLOUR = v_colour;
}
"""


def _shader_sources(context: QOpenGLContext, vert_src: str = _VERT, frag_src: str = _FRAG) -> tuple[str, str]:
    """The shaders in the GLSL dialect ``context`` speaks (the 3-D map shares this)."""
    if not context.isOpenGLES() and context.format().version() >= (3, 1):
        head, attr, vary_v, vary_f = "#version 140\n", "in", "out", "in"
        out_decl, frag = "out vec4 fragColour;", "fragColour"
    else:
        head = "#version 100\nprecision mediump float;\n" if context.isOpenGLES() else "#version 120\n"
        attr, vary_v, vary_f, out_decl, frag = "attribute", "varying", "varying", "", "gl_FragColor"
    vert = head + vert_src.replace("ATTR", attr).replace("VARYING", vary_v)
    frag = head + frag_src.replace("VARYING", vary_f).replace("OUT_DECL", out_decl).replace("FRAG_COLOUR", frag)
    return vert, frag


def link_program(program: QOpenGLShaderProgram, context: QOpenGLContext, vert_src: str = _VERT,
                 frag_src: str = _FRAG) -> QOpenGLShaderProgram:
    """Compile the points shaders for ``context`` into ``program`` and link it (the 2-D and
    3-D maps share the attribute locations); RuntimeError with the driver's log if it fails."""
    vert, frag = _shader_sources(context, vert_src, frag_src)
    for kind, src in ((QOpenGLShader.ShaderTypeBit.Vertex, vert), (QOpenGLShader.ShaderTypeBit.Fragment, frag)):
        if not program.addShaderFromSourceCode(kind, src):
            raise RuntimeError(program.log())
    program.bindAttributeLocation("a_position", 0)
    program.bindAttributeLocation("a_colour", 1)
    if not program.link():
        raise RuntimeError(program.log())
    return program


class GLPoints:
    """One vertex array: float32 positions (``dims`` each) and packed colours, drawn with
    glDrawArrays."""

    def __init__(self, parent: QObject, dims: int = 2) -> None:
        self.dims = dims
        self.vao = QOpenGLVertexArrayObject(parent)
        self.pos = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
        self.col = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
        self.count = 0

    def create(self, program: QOpenGLShaderProgram) -> None:
        for obj in (self.vao, self.pos, self.col):
            obj.create()
        self.vao.bind()
        for buffer, location, kind, size in ((self.pos, 0, GL_FLOAT, self.dims), (self.col, 1, GL_UNSIGNED_BYTE, 4)):
            buffer.bind()
            program.enableAttributeArray(location)
            program.setAttributeBuffer(location, kind, 0, size)  # Qt normalises integer types
            buffer.release()
        self.vao.release()

    def write(self, xy: np.ndarray | None, colours: np.ndarray | None) -> None:
        for buffer, array in ((self.pos, xy), (self.col, colours)):
            if array is not None:
                buffer.bind()
                buffer.allocate(array.tobytes() if array.nbytes else b"\0" * 8, max(array.nbytes, 8))
                buffer.release()
        if xy is not None:
            self.count = len(xy)

    def draw(self, glf) -> None:
        if self.count:
            self.vao.bind()
            glf.glDrawArrays(GL_POINTS, 0, self.count)
            self.vao.release()

    def destroy(self) -> None:
        for obj in (self.pos, self.col, self.vao):
            obj.destroy()
        self.count = 0


class _GLState(QObject):
    """The buffers of one item in one GL context (parented to the viewport widget): all points,
    and the highlighted ones again, to draw on top."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.context: QOpenGLContext | None = None
        self.points = GLPoints(self)
        self.highlight = GLPoints(self)
        self.uploaded = (-1, -1, -1)
        self.origin = (0.0, 0.0)

    def setup(self, context: QOpenGLContext) -> QOpenGLShaderProgram:
        widget = self.parent()
        program = widget.retrieveProgram(PROGRAM_KEY)
        if program is None:
            program = link_program(QOpenGLShaderProgram(), context)
            widget.storeProgram(PROGRAM_KEY, program)
        if self.context is not context:
            if self.context is not None:
                self.context.aboutToBeDestroyed.disconnect(self.cleanup)
            self.context = context
            context.aboutToBeDestroyed.connect(self.cleanup)
            self.points.create(program)
            self.highlight.create(program)
            self.uploaded = (-1, -1, -1)
        return program

    def upload(self, item: GLScatterItem) -> None:
        pos_v, col_v, hi_v = item.versions
        new_pos, new_col = self.uploaded[0] != pos_v, self.uploaded[1] != col_v
        if new_pos:
            b = item.data_rect
            self.origin = (b.center().x(), b.center().y()) if not b.isNull() else (0.0, 0.0)
        colours = item.colours
        if new_pos or new_col:
            hidden = ~(np.isfinite(item.x) & np.isfinite(item.y))
            if item.visible_mask is not None:
                hidden |= ~item.visible_mask
            if hidden.any():
                colours = np.where(hidden, np.uint32(0), colours)
            self.points.write(self._xy(item, None) if new_pos else None, colours)
        if new_pos or new_col or self.uploaded[2] != hi_v:
            idx = item.highlight
            self.highlight.write(self._xy(item, idx), np.ascontiguousarray(colours[idx]))
        self.uploaded = item.versions

    def _xy(self, item: GLScatterItem, idx: np.ndarray | None) -> np.ndarray:
        x, y = (item.x, item.y) if idx is None else (item.x[idx], item.y[idx])
        xy = np.empty((len(x), 2), np.float32)
        xy[:, 0] = x - self.origin[0]
        xy[:, 1] = y - self.origin[1]
        xy[~np.isfinite(xy).all(axis=1)] = 0
        return xy

    def cleanup(self) -> None:
        widget = self.parent()
        widget.makeCurrent()
        self.points.destroy()
        self.highlight.destroy()
        self.context = None
        self.uploaded = (-1, -1, -1)
        widget.doneCurrent()


class GLScatterItem(RasterScatterItem):
    """`RasterScatterItem` drawn with OpenGL where the viewport is a QOpenGLWidget."""

    def __init__(self, size_px: int = 3) -> None:
        super().__init__(size_px)
        self._gl: _GLState | None = None
        self.gl_failed = False
        self.last_paint_was_gl = False

    def paint(self, painter, option, widget=None) -> None:
        self.last_paint_was_gl = False
        if isinstance(widget, OpenGLHelpers.GraphicsViewGLWidget) and not self.gl_failed and len(self.x):
            painter.beginNativePainting()
            try:
                self._paint_gl(widget, painter.transform())
                self.last_paint_was_gl = True
            except Exception:  # noqa: BLE001 (a broken driver must not take the map down)
                log.exception("OpenGL scatter failed; drawing on the CPU from now on")
                self.gl_failed = True
            finally:
                painter.endNativePainting()
            if self.last_paint_was_gl:
                return
        self._paint_raster(painter)

    def _paint_gl(self, widget, transform) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        if self._gl is None or self._gl.parent() is not widget:
            self._gl = _GLState(widget)
        context = widget.context()
        program = self._gl.setup(context)
        self._gl.upload(self)
        glf = widget.getFunctions()
        proj = QMatrix4x4()
        proj.ortho(QRectF(0, 0, widget.width(), widget.height()))
        mvp = proj * QMatrix4x4(transform)
        mvp.translate(*self._gl.origin)
        dpr = widget.devicePixelRatioF()
        size = float(max(1, round(self.size_px * dpr)))
        widget.setViewboxClip(vb)
        glf.glEnable(GL_BLEND)
        glf.glBlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA)
        point_states = []
        if not context.isOpenGLES():
            point_states.append(GL_PROGRAM_POINT_SIZE)
            if context.format().profile() != context.format().OpenGLContextProfile.CoreProfile:
                point_states.append(GL_POINT_SPRITE)
        for state in point_states:
            glf.glEnable(state)
        program.bind()
        OpenGLHelpers.setUniformValue(program, "u_mvp", mvp)
        program.setUniformValue1f("u_size", size)
        program.setUniformValue1f("u_override", 0.0)
        self._gl.points.draw(glf)
        if self._gl.highlight.count:
            c = self.highlight_colour
            program.setUniformValue1f("u_size", float(size + max(HIGHLIGHT_GROWTH, size // 2)))
            program.setUniformValue1f("u_override", 1.0)
            program.setUniformValue("u_colour", c.redF() * c.alphaF(), c.greenF() * c.alphaF(),
                                    c.blueF() * c.alphaF(), c.alphaF())
            self._gl.highlight.draw(glf)
            program.setUniformValue1f("u_size", size)
            program.setUniformValue1f("u_override", 0.0)
            self._gl.highlight.draw(glf)
        program.release()
        for state in (GL_BLEND, *point_states):
            glf.glDisable(state)


# ---------------------------------------------------------------------- choosing a renderer

_INFO: dict | None = None


def renderer_info(refresh: bool = False) -> dict:
    """vendor, renderer, version (strings, "" when unknown), software (bool) and available
    (bool): what OpenGL this process would get, from a throw-away context. Needs a
    QGuiApplication; on platforms without OpenGL (offscreen, minimal) available is False."""
    global _INFO
    if _INFO is not None and not refresh:
        return dict(_INFO)
    info = {"vendor": "", "renderer": "", "version": "", "software": True, "available": False}
    app = QGuiApplication.instance()
    if app is not None and QGuiApplication.platformName() not in ("offscreen", "minimal", "vnc"):
        try:
            info.update(_probe())
        except Exception:  # noqa: BLE001 (no GL at all is an answer, not an error)
            log.exception("probing OpenGL failed")
    text = f"{info['vendor']} {info['renderer']}".lower()
    info["software"] = not info["available"] or any(m in text for m in SOFTWARE_MARKERS)
    if app is not None:
        _INFO = info
    return dict(info)


def _probe() -> dict:
    context = QOpenGLContext()
    if not context.create():
        return {}
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return {}
        f = context.functions()
        found = {k: f.glGetString(e) or "" for k, e in
                 (("vendor", GL_VENDOR), ("renderer", GL_RENDERER), ("version", GL_VERSION))}
        context.doneCurrent()
        return {**found, "available": bool(found["renderer"]) and context.format().version() >= (2, 0)}
    finally:
        surface.destroy()


def choose_renderer() -> str:
    """ "gl" with a hardware OpenGL renderer, else "raster"; LATENT_EXPLORER_RENDERER=gl|raster
    overrides."""
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced in ("gl", "raster"):
        return forced
    info = renderer_info()
    return "gl" if info["available"] and not info["software"] else "raster"


__all__ = ["ENV_VAR", "GLScatterItem", "choose_renderer", "renderer_info"]
