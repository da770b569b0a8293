"""The map's point layer, drawn the fastest way this machine allows.

`make_scatter_item` gives a `GLScatterItem` where a hardware OpenGL renderer is present and a
`RasterScatterItem` elsewhere (see `scatter_gl.choose_renderer`); both have the same API, and
the GL one needs its view switched to a GL viewport, which `prepare_view` does."""
from __future__ import annotations

import pyqtgraph as pg

from latent_explorer.gui.render import scatter3d
from latent_explorer.gui.render.scatter_gl import ENV_VAR, GLScatterItem, choose_renderer, renderer_info
from latent_explorer.gui.render.scatter_raster import RasterScatterItem
from latent_explorer.gui.render.scatter_raster import warm_up as _warm_up_2d


def make_scatter_item(kind: str | None = None, size_px: int = 3) -> RasterScatterItem:
    """A scatter item of ``kind`` ("gl" or "raster"; None chooses for this machine)."""
    kind = kind or choose_renderer()
    if kind not in ("gl", "raster"):
        raise ValueError(f"unknown renderer {kind!r}")
    return (GLScatterItem if kind == "gl" else RasterScatterItem)(size_px=size_px)


def prepare_view(view: pg.GraphicsView, item: RasterScatterItem) -> None:
    """Gives ``view`` the viewport ``item`` draws fastest on: a QOpenGLWidget for the GL item,
    a plain widget otherwise. Call it before installing event filters on the viewport."""
    view.useOpenGL(isinstance(item, GLScatterItem))


def warm_up() -> None:
    """Compile (or load from numba's cache) the 2-D and 3-D maps' drawing and picking kernels;
    Qt-free, for a background thread at start-up."""
    _warm_up_2d()
    scatter3d.warm_up()


__all__ = [
    "ENV_VAR", "GLScatterItem", "RasterScatterItem", "choose_renderer",
    "make_scatter_item", "prepare_view", "renderer_info", "warm_up",
]
