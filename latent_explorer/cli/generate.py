"""The generating commands of `latent-explorer`: interpolate, sample, arithmetic.

Images are named by index ("12"), by several indices whose mean latent is used ("12,40,7"), by
their path in the workspace's dataset, or by any image file on disk, which is loaded like the
dataset's images and encoded with the model's encoder. Each command stores its result in the
workspace (`workspace.generated`), places it on the workspace's stored map when there is one,
writes a GIF / PNG when asked, and prints a summary or JSON."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from latent_explorer.cli.progress import print_json
from latent_explorer.errors import UserError

_OPERAND_HELP = "an image: index, indices 'i,j,k' (their mean), a path in the dataset, or an image file"


def add_parsers(sub) -> None:
    p = sub.add_parser("interpolate", help="a path between two images: frames, off-data steps, a GIF or PNG strip")
    p.add_argument("workspace")
    p.add_argument("a", metavar="A", help=_OPERAND_HELP)
    p.add_argument("b", metavar="B", help=_OPERAND_HELP)
    p.add_argument("--method", default="linear", choices=["linear", "slerp", "path"],
                   help="path: along the data (shortest path in the k-nearest-neighbour graph)")
    p.add_argument("--steps", type=int, default=16, metavar="N")
    p.add_argument("--k", type=int, default=10, help="neighbours per latent in the graph (--method path)")
    p.add_argument("--smooth", type=float, default=0.05, help="path smoothing, a fraction of its length")
    p.add_argument("--pingpong", action="store_true", help="the GIF plays back to A")
    p.add_argument("--duration", type=int, default=100, metavar="MS", help="GIF time per frame")
    _add_common(p, "FILE.gif|.png", "an animated GIF, or a PNG strip; off-data frames get a red border")

    p = sub.add_parser("sample", help="new images from the prior (VAE) or a density fitted to the latents (AE)")
    p.add_argument("workspace")
    p.add_argument("--n", type=int, default=16, metavar="N")
    p.add_argument("--temperature", type=float, default=1.0, metavar="T", help="spread: <1 typical, >1 adventurous")
    p.add_argument("--prior", default="auto", choices=["auto", "normal", "density"],
                   help="auto: N(0, I) for a VAE, a Gaussian mixture fitted to the latents for an AE")
    p.add_argument("--seed", type=int, default=0)
    _add_common(p, "FILE.png|.gif", "a PNG grid (or a GIF); off-data samples get a red border")

    p = sub.add_parser("arithmetic", help="A − B + C in latent space, decoded, with its nearest images")
    p.add_argument("workspace")
    for name in "abc":
        p.add_argument(name, metavar=name.upper(), help=_OPERAND_HELP)
    p.add_argument("--k", type=int, default=5, help="nearest data images to show")
    _add_common(p, "FILE.png", "A, B, C, the result, then its nearest data images")


def _add_common(p, metavar: str, what: str) -> None:
    p.add_argument("-o", "--output", default=None, metavar=metavar, help=what)
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-save", action="store_true", help="do not store the result in the workspace")
    p.add_argument("--quiet", action="store_true")


class _Context:
    """A loaded workspace, its model (loaded when first needed) and the stored map."""

    def __init__(self, path: str) -> None:
        from latent_explorer.workspace.session_file import load_workspace

        self.path = path
        self.ws = load_workspace(path)
        if self.ws.latents is None:
            raise UserError("this workspace has no latents yet: train it first")
        self.z = np.asarray(self.ws.latents.mean, np.float32)
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from latent_explorer.pipeline.train import load_model

            if not self.ws.has_decoder:
                raise UserError("this workspace has no model (it was made from precomputed embeddings): "
                                "images need one; --json without -o works")
            self._model = load_model(self.ws)
        return self._model

    @property
    def model_kind(self) -> str | None:
        if self.ws.model_config is not None:
            return self.ws.model_config.kind
        if not self.ws.has_decoder:
            return None
        model = self.model  # imported: a generator's latents are prior draws
        variational = model.config.is_variational or not model.has_encoder
        return "generator" if variational else "ae"

    def operand(self, spec: str, name: str):
        """An index, a list of indices, or an encoded latent (D,) for ``spec``."""
        n = len(self.z)
        text = spec.strip()
        parts = [s.strip() for s in text.split(",")]
        if text and all(s.lstrip("-").isdigit() for s in parts):
            idx = [int(s) for s in parts]
            bad = [i for i in idx if not 0 <= i < n]
            if bad:
                raise UserError(f"{name}: image index {bad[0]} is out of range: the workspace has {n} images (0–{n - 1})")
            return idx[0] if len(idx) == 1 else idx
        found = self._dataset_index(text)
        if found is not None:
            return found
        if os.path.isfile(text):
            return self._encode_file(text, name)
        raise UserError(f"{name}: '{spec}' is not an image index (0–{n - 1}), an image of this "
                        "workspace's dataset, or an image file")

    def _dataset_index(self, spec: str) -> int | None:
        paths = self.ws.dataset.paths or []
        lookup = {p: i for i, p in enumerate(paths)}
        if spec in lookup:
            return lookup[spec]
        root = self.ws.dataset.source.get("root")
        if root and os.path.exists(spec):
            rel = os.path.relpath(os.path.abspath(spec), os.path.abspath(root)).replace(os.sep, "/")
            return lookup.get(rel)
        return None

    def _encode_file(self, path: str, name: str) -> np.ndarray:
        from PIL import Image

        from latent_explorer.analysis.latent.latents import encode_dataset
        from latent_explorer.data.dataset import Dataset
        from latent_explorer.data.images import ImageSkip, decode_image

        model = self.model
        try:
            rgb = decode_image(path, model.config.image_size)
        except ImageSkip as exc:
            raise UserError(f"{name}: cannot use {path}: {exc.reason}") from None
        image = rgb if model.config.channels == 3 else np.asarray(Image.fromarray(rgb).convert("L"))[..., None]
        return encode_dataset(model, Dataset(images=image[None])).mean[0].astype(np.float32)

    def decode(self, latents) -> np.ndarray:
        from latent_explorer.analysis.latent.latents import decode_latents

        return decode_latents(self.model, np.asarray(latents, np.float32))

    def place(self, latents) -> np.ndarray | None:
        """Map positions on the stored map, or None when the workspace has none."""
        from latent_explorer.analysis.maps.placement import place_on_map
        from latent_explorer.workspace.stored_map import restore_map

        projection = restore_map(self.ws)
        if projection is None or projection.embedding_ is None or self.z.shape[1] < 2:
            return None
        return place_on_map(latents, self.z, projection.embedding_, projection.linear_inverse())

    def store(self, result, inputs: dict, no_save: bool) -> None:
        from latent_explorer.workspace.generated import store_result
        from latent_explorer.workspace.session_file import save_workspace

        if not no_save:
            store_result(self.ws, result, inputs)
            save_workspace(self.path, self.ws)

    def data_images(self, indices: np.ndarray, like: np.ndarray) -> tuple[np.ndarray, str]:
        """The dataset's own images at ``indices`` when its source still loads them at the
        decoded size, else their reconstructions: (images, "dataset" | "decoded")."""
        from latent_explorer.cli.progress import drive
        from latent_explorer.data.sources import reload_source
        from latent_explorer.infra.tasks import CancelToken

        try:
            cancel = CancelToken()
            ds = drive(reload_source(self.ws.dataset.source, cancel), cancel, True)
            if ds.images is not None and len(ds) == len(self.z) and ds.images.shape[1:3] == like.shape[1:3]:
                return ds.images[np.asarray(indices)], "dataset"
        except (UserError, OSError, KeyError):
            pass
        return self.decode(self.z[np.asarray(indices)]), "decoded"


def _check_output(path: str | None, allowed: tuple[str, ...]) -> None:
    if path is not None:
        from latent_explorer.analysis.generate.frames import check_output

        check_output(path, allowed)


def cmd_interpolate(args) -> int:
    from latent_explorer.analysis.generate.frames import write_frames
    from latent_explorer.analysis.generate.interpolation import interpolate_task
    from latent_explorer.cli.progress import drive
    from latent_explorer.infra.tasks import CancelToken

    _check_output(args.output, (".gif", ".png"))
    ctx = _Context(args.workspace)
    a, b = ctx.operand(args.a, "A"), ctx.operand(args.b, "B")
    cancel = CancelToken()
    task = interpolate_task(ctx.z, a, b, args.method, args.steps, args.k, args.smooth, cancel=cancel)
    result = drive(task, cancel, args.quiet or args.method != "path")
    result.positions = ctx.place(result.latents)
    if args.output:
        cols = None if result.steps <= 32 else 16
        write_frames(args.output, ctx.decode(result.latents), result.off_data, columns=cols,
                     duration_ms=args.duration, pingpong=args.pingpong)
    inputs = {"a": args.a, "b": args.b, "method": args.method, "steps": args.steps, "k": args.k,
              "smooth": args.smooth}
    ctx.store(result, inputs, args.no_save)
    if args.json:
        print_json({**result.to_dict(), "inputs": inputs, "output": args.output})
    else:
        via = f", via {len(result.via)} data images" if len(result.via) else ""
        print(f"{result.method} interpolation, {result.steps} steps: {result.n_off_data} off the data "
              f"(distance to the data over {result.threshold:.2f}× the typical spacing){via}")
        if result.fallback:
            print(f"note: {result.fallback}")
    _wrote(args.output)
    return 0


def cmd_sample(args) -> int:
    from latent_explorer.analysis.generate.frames import write_frames
    from latent_explorer.analysis.generate.sampling import sample_latents_task
    from latent_explorer.cli.progress import drive
    from latent_explorer.infra.tasks import CancelToken

    _check_output(args.output, (".png", ".gif"))
    ctx = _Context(args.workspace)
    kind = ctx.model_kind if args.prior == "auto" else None
    cancel = CancelToken()
    task = sample_latents_task(ctx.z, args.n, args.temperature, args.prior, args.seed, kind, cancel=cancel)
    result = drive(task, cancel, args.quiet)
    result.positions = ctx.place(result.latents)
    if args.output:
        images = ctx.decode(result.latents)
        cols = int(np.ceil(np.sqrt(len(result))))
        write_frames(args.output, images, result.off_data, columns=cols, hold_ends=False)
    inputs = {"n": args.n, "temperature": args.temperature, "prior": args.prior, "seed": args.seed}
    ctx.store(result, inputs, args.no_save)
    if args.json:
        print_json({**result.to_dict(), "inputs": inputs, "output": args.output})
    else:
        what = "N(0, T²I)" if result.prior == "normal" else f"a {result.n_components}-component Gaussian mixture"
        print(f"{len(result)} samples from {what} at temperature {result.temperature:g}: "
              f"{result.n_off_data} off the data (over {result.threshold:.2f}× the typical spacing)")
        if result.note:
            print(f"note: {result.note}")
    _wrote(args.output)
    return 0


def cmd_arithmetic(args) -> int:
    from latent_explorer.analysis.generate.arithmetic import latent_arithmetic
    from latent_explorer.analysis.generate.frames import write_frames

    _check_output(args.output, (".png",))
    ctx = _Context(args.workspace)
    operands = [ctx.operand(s, name) for s, name in zip((args.a, args.b, args.c), "ABC")]
    result = latent_arithmetic(ctx.z, *operands, k=args.k)
    pos = ctx.place(result.result)
    result.position = None if pos is None else pos[0]
    inputs = {"a": args.a, "b": args.b, "c": args.c, "k": args.k}
    source = None
    if args.output:
        made = ctx.decode(np.vstack([result.operands, result.result[None]]))
        near, source = ctx.data_images(result.nearest, made)
        if near.shape[3] != made.shape[3]:
            near, made = (np.repeat(x, 3, axis=3) if x.shape[3] == 1 else x for x in (near, made))
        captions = [f"A {_short(args.a)}", f"- B {_short(args.b)}", f"+ C {_short(args.c)}", "= result"]
        captions += [f"#{i}" for i in result.nearest]
        flags = [False, False, False, result.off_data] + [False] * len(result.nearest)
        write_frames(args.output, np.concatenate([made, near]), flags, captions=captions)
    ctx.store(result, inputs, args.no_save)
    labels = ctx.ws.dataset.label_list()
    paths = ctx.ws.dataset.paths
    nearest = [{"index": int(i), "distance": round(float(d), 4),
                "label": None if labels is None else labels[i], "path": None if paths is None else paths[i]}
               for i, d in zip(result.nearest, result.nearest_distance)]
    if args.json:
        print_json({**result.to_dict(), "nearest": nearest, "inputs": inputs, "output": args.output,
                    "nearest_images": source})
    else:
        state = "off the data" if result.off_data else "on the data"
        print(f"A − B + C is {state} (distance {result.distance_ratio:.2f}× the typical spacing, "
              f"threshold {result.threshold:.2f}); nearest images:")
        for row in nearest:
            name = row["path"] or f"#{row['index']}"
            print(f"  #{row['index']:<6} {name}" + (f" [{row['label']}]" if row["label"] else "")
                  + f"  distance {row['distance']:.3f}")
    _wrote(args.output)
    return 0


def _short(spec: str, most: int = 10) -> str:
    text = spec if spec.replace(",", "").isdigit() else Path(spec).stem
    text = f"#{text}" if text.isdigit() else text
    return text if len(text) <= most else text[: most - 1] + "…"


def _wrote(path: str | None) -> None:
    if path:
        print(f"wrote {path}", file=sys.stderr)


COMMANDS = {"interpolate": cmd_interpolate, "sample": cmd_sample, "arithmetic": cmd_arithmetic}

__all__ = ["COMMANDS", "add_parsers"]
