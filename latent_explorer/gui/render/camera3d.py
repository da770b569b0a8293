"""The 3-D map's camera: it orbits a centre, pans across the screen and zooms towards the centre.

One camera for both drawing paths, so that the raster image, the OpenGL image, picking and
"decode under the cursor" agree to the pixel. A perspective camera with z up (the map's third
axis): ``azimuth`` turns it around the z axis, ``elevation`` lifts it above the xy plane.
Screen coordinates are device pixels, x right and y down, with the centre of the view at
(w/2, h/2); ``fov`` is the field of view across the narrower side of the view."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOME_AZIMUTH = -55.0
HOME_ELEVATION = 22.0
MAX_ELEVATION = 89.0
DEGREES_PER_PIXEL = 0.4
ZOOM_PER_NOTCH = 0.87  # distance factor per wheel notch (120 eighths of a degree)


@dataclass(frozen=True)
class Frame:
    """What a draw needs, for one view size: camera-space = ``m[:, :3] @ p + m[:, 3]`` (the
    camera looks down −z), pixel = (cx + f·x/depth, cy − f·y/depth) with depth = −z, and the
    depths the data span (``near`` … ``far``: for depth shading and clipping)."""

    m: np.ndarray
    f: float
    cx: float
    cy: float
    near: float
    far: float


class OrbitCamera:
    def __init__(self, fov: float = 30.0) -> None:
        self.fov = float(fov)
        self.azimuth = HOME_AZIMUTH
        self.elevation = HOME_ELEVATION
        self.centre = np.zeros(3)
        self.radius = 1.0  # of the data's bounding sphere
        self.distance = self._fit_distance()
        self._home = (self.centre.copy(), self.distance)
        self.version = 0  # bumps on every change (caches compare against it)

    def _fit_distance(self) -> float:
        return self.radius / np.sin(np.radians(self.fov) / 2) * 1.1

    def fit(self, centre, radius: float, keep_angles: bool = True) -> None:
        """Look at the sphere (centre, radius) from far enough to see all of it; this becomes
        the view "Reset view" goes back to."""
        self.centre = np.array(centre, np.float64)
        self.radius = max(float(radius), 1e-9)
        self.distance = self._fit_distance()
        self._home = (self.centre.copy(), self.distance)
        if not keep_angles:
            self.azimuth, self.elevation = HOME_AZIMUTH, HOME_ELEVATION
        self.version += 1

    def reset(self) -> None:
        self.centre, self.distance = self._home[0].copy(), self._home[1]
        self.azimuth, self.elevation = HOME_AZIMUTH, HOME_ELEVATION
        self.version += 1

    # ------------------------------------------------------------------ moving

    def orbit(self, dx_px: float, dy_px: float) -> None:
        """A drag of (dx, dy) pixels turns the map with the mouse."""
        self.azimuth = (self.azimuth - DEGREES_PER_PIXEL * dx_px) % 360.0
        self.elevation = float(np.clip(self.elevation + DEGREES_PER_PIXEL * dy_px, -MAX_ELEVATION, MAX_ELEVATION))
        self.version += 1

    def pan(self, dx_px: float, dy_px: float, w: float, h: float) -> None:
        """Moves the map with the mouse: what is at the centre's depth follows it exactly."""
        scale = self.distance / self.focal(w, h)
        right, up, _ = self.axes()
        self.centre = self.centre - scale * (dx_px * right - dy_px * up)
        self.version += 1

    def look_at(self, point) -> None:
        """Turn around ``point`` from now on (the camera keeps its angles and distance)."""
        self.centre = np.array(point, np.float64)
        self.version += 1

    def zoom(self, notches: float) -> None:
        """Towards the centre for positive notches (wheel forward), away for negative ones."""
        self.distance = float(np.clip(self.distance * ZOOM_PER_NOTCH ** notches,
                                      self.radius * 1e-3, self.radius * 1e3))
        self.version += 1

    # ------------------------------------------------------------------ geometry

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The camera's right, up and backward (towards the viewer) unit vectors, in map space."""
        az, el = np.radians(self.azimuth), np.radians(self.elevation)
        back = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
        right = np.array([-np.sin(az), np.cos(az), 0.0])
        up = np.cross(back, right)
        return right, up, back

    def focal(self, w: float, h: float) -> float:
        """Pixels per unit of map at unit depth."""
        return (min(w, h) / 2) / np.tan(np.radians(self.fov) / 2)

    def frame(self, w: float, h: float) -> Frame:
        right, up, back = self.axes()
        rot = np.stack([right, up, back])
        m = np.empty((3, 4))
        m[:, :3] = rot
        m[:, 3] = -rot @ self.centre
        m[2, 3] -= self.distance
        near = max(self.distance - self.radius, self.distance * 1e-3)
        return Frame(m, float(self.focal(w, h)), w / 2, h / 2, near, self.distance + self.radius)

    def project(self, points, w: float, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixel x, pixel y and depth of map points (M, 3); depth ≤ 0 is behind the camera."""
        fr = self.frame(w, h)
        cam = np.asarray(points, np.float64) @ fr.m[:, :3].T + fr.m[:, 3]
        depth = -cam[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = fr.f / depth
        return fr.cx + cam[:, 0] * s, fr.cy - cam[:, 1] * s, depth

    def unproject(self, x_px, y_px, w: float, h: float, depth=None) -> np.ndarray:
        """The map point under pixel (x, y) at camera ``depth`` (distance along the view axis);
        without one (or where it is not finite), on the plane through the centre facing the
        camera. Arrays of pixels give (M, 3)."""
        right, up, back = self.axes()
        d = np.asarray(self.distance if depth is None else depth, np.float64)
        d = np.where(np.isfinite(d), d, self.distance)
        s = d / self.focal(w, h)
        sx = s * (np.asarray(x_px, np.float64) - w / 2)
        sy = s * (np.asarray(y_px, np.float64) - h / 2)
        eye = self.centre + self.distance * back
        d = np.broadcast_to(d, np.shape(sx))
        return eye + np.multiply.outer(sx, right) - np.multiply.outer(sy, up) - np.multiply.outer(d, back)

    def mvp(self, w: float, h: float, origin=(0.0, 0.0, 0.0)) -> np.ndarray:
        """The 4×4 clip-space matrix (row-major) for OpenGL, for vertices given relative to
        ``origin``; its depth range is the data's, padded."""
        fr = self.frame(w, h)
        near, far = fr.near * 0.5, fr.far * 1.5
        proj = np.array([
            [2 * fr.f / w, 0, 0, 0],
            [0, 2 * fr.f / h, 0, 0],
            [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
            [0, 0, -1, 0],
        ])
        view = np.eye(4)
        view[:3, :] = fr.m
        view[:3, 3] += fr.m[:, :3] @ np.asarray(origin, np.float64)
        return proj @ view


__all__ = ["Frame", "OrbitCamera"]
