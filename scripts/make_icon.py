"""Draw the app icon (run once; the outputs are committed):

    .venv/bin/python scripts/make_icon.py

A 2D latent map: clusters of coloured points on a dark tile, an arrow from one cluster to a
highlighted point in the empty space between them (what decoding the map's gaps is about).
Writes resources/icons/latent-explorer.png (256 px), latent-explorer-N.png for the smaller
sizes, latent-explorer.ico and latent-explorer.icns."""
from __future__ import annotations

import io
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)
SUPERSAMPLE = 4

BACKGROUND = (28, 33, 52)
BORDER = (70, 82, 120)
CLUSTERS = [  # centre (fraction of the tile), spread, colour
    ((0.28, 0.28), 0.055, (78, 156, 245)),
    ((0.73, 0.30), 0.050, (245, 166, 35)),
    ((0.28, 0.73), 0.055, (62, 201, 122)),
    ((0.72, 0.72), 0.050, (232, 88, 154)),
]
TARGET = (0.52, 0.50)


def draw_icon(size: int) -> Image.Image:
    """The icon at ``size`` px; below 48 px fewer, bigger points so it still reads."""
    s = size * SUPERSAMPLE
    small = size < 48
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    margin = round(s * 0.04)
    d.rounded_rectangle([margin, margin, s - margin, s - margin], radius=round(s * 0.18),
                        fill=BACKGROUND, outline=BORDER, width=max(SUPERSAMPLE, round(s * 0.012)))
    rng = random.Random(7)
    points_per_cluster = 3 if small else 9
    radius = s * (0.055 if small else 0.028)
    for (cx, cy), spread, colour in CLUSTERS:
        spread = spread * (0.8 if small else 1.0)
        for _ in range(points_per_cluster):
            x = (cx + rng.gauss(0, spread)) * s
            y = (cy + rng.gauss(0, spread)) * s
            d.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    _arrow(d, s, small)
    tx, ty = TARGET[0] * s, TARGET[1] * s
    ring = s * (0.10 if small else 0.075)
    d.ellipse([tx - ring, ty - ring, tx + ring, ty + ring], fill=(255, 255, 255))
    inner = ring * 0.62
    d.ellipse([tx - inner, ty - inner, tx + inner, ty + inner], fill=(255, 214, 64))
    return img.resize((size, size), Image.LANCZOS)


def _arrow(d: ImageDraw.ImageDraw, s: int, small: bool) -> None:
    """A white arrow from the blue cluster towards the highlighted point."""
    x0, y0 = CLUSTERS[0][0][0] * s, CLUSTERS[0][0][1] * s
    tx, ty = TARGET[0] * s, TARGET[1] * s
    angle = math.atan2(ty - y0, tx - x0)
    start = s * (0.05 if small else 0.065)  # from the cluster's edge, not over its points
    x0, y0 = x0 + start * math.cos(angle), y0 + start * math.sin(angle)
    stop = s * (0.15 if small else 0.10)  # the head ends just before the ring
    x1, y1 = tx - stop * math.cos(angle), ty - stop * math.sin(angle)
    width = round(s * (0.05 if small else 0.026))
    head = s * (0.11 if small else 0.07)
    bx, by = x1 - head * math.cos(angle), y1 - head * math.sin(angle)
    d.line([(x0, y0), (bx, by)], fill=(255, 255, 255), width=width)
    spread = math.radians(32)
    left = (x1 - head * math.cos(angle - spread), y1 - head * math.sin(angle - spread))
    right = (x1 - head * math.cos(angle + spread), y1 - head * math.sin(angle + spread))
    d.polygon([(x1, y1), left, right], fill=(255, 255, 255))


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


ICNS_TYPES = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256,
              b"ic11": 32, b"ic12": 64, b"ic13": 256}  # the last three: 16, 32, 128 at 2x


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns of PNG entries up to 256 px (Pillow's writer adds 512 and 1024 px
    upscaled copies: 300 KB for nothing)."""
    body = b"".join(kind + (8 + len(pngs[n])).to_bytes(4, "big") + pngs[n]
                    for kind, n in ICNS_TYPES.items())
    return b"icns" + (8 + len(body)).to_bytes(4, "big") + body


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icons = {size: draw_icon(size) for size in SIZES}
    for size, img in icons.items():
        name = "latent-explorer.png" if size == 256 else f"latent-explorer-{size}.png"
        (OUT / name).write_bytes(png_bytes(img))
    icons[256].save(OUT / "latent-explorer.ico", sizes=[(n, n) for n in SIZES],
                    append_images=[icons[n] for n in SIZES if n != 256])
    (OUT / "latent-explorer.icns").write_bytes(icns({n: png_bytes(img) for n, img in icons.items()}))
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT} ({total / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
