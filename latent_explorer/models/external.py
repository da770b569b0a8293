"""A model trained elsewhere, brought in as TorchScript: a decoder (a GAN generator is one) and
optionally an encoder.

Files are read with ``torch.jit.load`` only — never with pickle. A file that is not a TorchScript
archive (a ``torch.save`` pickle, anything else) is refused from its zip directory before any of
it is unpickled. TorchScript archives contain pickles too, but ``torch.jit.load`` reads them with
its own restricted unpickler, which only builds tensors and TorchScript classes.

The wrapper has the duck-typed API of :class:`~latent_explorer.models.conv.ConvAutoencoder`:
``encode(x) -> (mean, logvar | None)``, ``decode(z)`` in [0, 1], ``latent_dim``, ``config``
(``kind``, ``latent_dim``, ``image_size``, ``channels``), so the analysis code works unchanged.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latent_explorer.errors import UserError

OUTPUT_RANGES = ("auto", "0,1", "-1,1")
LATENT_LAYOUTS = ("flat", "nchw")  # decoder input (B, D) or DCGAN-style (B, D, 1, 1)
MIN_SIDE, MAX_SIDE = 8, 512
MAX_LATENT = 4096
PROBE_BATCH = 4
# Shapes tried on an encoder to learn the latent width when it is not given.
_ENCODER_PROBE_SHAPES = [(c, s) for s in (16, 28, 32, 64, 128, 256) for c in (1, 3)]
_EXPORT_HINT = "export the model with torch.jit.save(torch.jit.script(model), PATH)"


@dataclass(frozen=True)
class ExternalConfig:
    """What was learnt about the model by probing it; stored (as JSON) with the workspace.

    ``output_range`` is the model's pixel range, resolved: "0,1" or "-1,1". Decoder outputs are
    mapped from it to [0, 1], and encoder inputs from [0, 1] to it."""

    latent_dim: int
    image_size: int
    channels: int
    output_range: str = "0,1"
    latent_layout: str = "flat"
    encoder_logvar: bool = False
    kind: str = "external"

    @property
    def is_variational(self) -> bool:
        return self.encoder_logvar

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScriptFile:
    """A loaded TorchScript file: its absolute path, size and the sha256 of the bytes loaded."""

    path: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The informative line of an exception (TorchScript errors carry a whole traceback)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception):", ln)]
    line = errors[-1] if errors else lines[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _check_archive(data: bytes, path: Path, role: str) -> None:
    """Refuse anything but a TorchScript zip, looking only at the zip directory."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UserError(
            f"the {role} {path} is not a TorchScript file (not a zip archive); {_EXPORT_HINT}"
        ) from None
    rest = [n.split("/", 1)[1] for n in names if "/" in n]
    if "constants.pkl" in rest and any(r.startswith("code/") for r in rest):
        return
    if "data.pkl" in rest:
        raise UserError(
            f"the {role} {path} is a pickled PyTorch file (torch.save), not TorchScript; it is not "
            f"loaded because unpickling can run code; {_EXPORT_HINT}"
        )
    raise UserError(f"the {role} {path} is a zip file but not a TorchScript archive; {_EXPORT_HINT}")


def read_torchscript(path: str | Path, role: str = "model") -> tuple[torch.jit.ScriptModule, ScriptFile]:
    """Load a TorchScript file on the CPU; the sha256 is that of exactly the bytes loaded."""
    p = Path(path).expanduser()
    if not p.exists():
        raise UserError(f"no such {role} file: {path}")
    if not p.is_file():
        raise UserError(f"the {role} {path} is not a file")
    data = p.read_bytes()
    _check_archive(data, p, role)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch ≥ 2.9 deprecates TorchScript
        try:
            module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure is a bad file for the user
            raise UserError(f"cannot load the {role} {p} as TorchScript: {one_line(exc)}") from None
    return module.eval(), ScriptFile(str(p.resolve()), len(data), hashlib.sha256(data).hexdigest())


def _call(module: nn.Module, role: str, x: torch.Tensor, what: str) -> Any:
    try:
        return module(x)
    except Exception as exc:  # noqa: BLE001 - the model's own error, in one line
        raise UserError(f"the {role} fails on {what} {tuple(x.shape)}: {one_line(exc)}") from None


def _flat_latent(t: Any, what: str) -> torch.Tensor:
    if not isinstance(t, torch.Tensor) or not t.is_floating_point():
        raise UserError(f"the encoder's {what} is {type(t).__name__}, expected a float tensor (batch, latent)")
    if t.dim() > 2 and all(s == 1 for s in t.shape[2:]):
        t = t.flatten(1)
    if t.dim() != 2:
        raise UserError(f"the encoder's {what} has shape {tuple(t.shape)}, expected (batch, latent)")
    return t


def split_encoder_output(out: Any, batch: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A tensor (B, D) → (mean, None); a tuple (mean, logvar) → both; (B, D, 1, 1) is flattened."""
    if isinstance(out, (tuple, list)):
        if not 1 <= len(out) <= 2:
            raise UserError(
                f"the encoder returns {len(out)} values; expected a tensor or (mean, log-variance)"
            )
        mu = _flat_latent(out[0], "mean")
        logvar = _flat_latent(out[1], "log-variance") if len(out) == 2 else None
    else:
        mu, logvar = _flat_latent(out, "output"), None
    if mu.shape[0] != batch:
        raise UserError(f"the encoder returns {mu.shape[0]} latents for {batch} images")
    if logvar is not None and logvar.shape != mu.shape:
        raise UserError(
            f"the encoder's log-variance has shape {tuple(logvar.shape)}, its mean {tuple(mu.shape)}"
        )
    return mu, logvar


def _check_decoder_output(out: Any, batch: int) -> tuple[int, int]:
    if not isinstance(out, torch.Tensor) or not out.is_floating_point():
        raise UserError(
            f"the decoder returns {type(out).__name__}, expected a float image tensor (batch, channels, H, W)"
        )
    shape = tuple(out.shape)
    expect = "expected (batch, 1 or 3 channels, H, W) with H = W"
    if out.dim() != 4:
        raise UserError(f"the decoder's output has shape {shape} (rank {out.dim()}); {expect}")
    if shape[0] != batch:
        raise UserError(f"the decoder returns {shape[0]} images for {batch} latents")
    if shape[1] not in (1, 3):
        hint = " (it looks channels-last)" if shape[3] in (1, 3) else ""
        raise UserError(f"the decoder's output has shape {shape}{hint}; {expect}")
    if shape[2] != shape[3]:
        raise UserError(f"the decoder's images are {shape[2]}×{shape[3]}, not square; {expect}")
    if not MIN_SIDE <= shape[2] <= MAX_SIDE:
        raise UserError(f"the decoder's images are {shape[2]} pixels wide; supported: {MIN_SIDE}–{MAX_SIDE}")
    if not bool(torch.isfinite(out).all()):
        raise UserError("the decoder returns NaN or infinite pixels")
    return shape[1], shape[2]


def _resolve_range(out: torch.Tensor, requested: str) -> str:
    """Tanh generators give [-1, 1]: a clear share of pixels well below 0. Sigmoid (or linear with
    a small overshoot) models give [0, 1]. Anything far outside both is refused in "auto"."""
    if requested != "auto":
        return requested
    v = out.detach().float().flatten()
    lo, hi = torch.quantile(v, torch.tensor([0.001, 0.999])).tolist()
    if lo < -1.5 or hi > 1.5:
        raise UserError(
            f"the decoder's pixels range from {float(v.min()):.3g} to {float(v.max()):.3g}, neither "
            "[0, 1] nor [-1, 1]; pass the range explicitly (--output-range 0,1 or -1,1)"
        )
    return "-1,1" if float(torch.quantile(v, 0.02)) < -0.2 else "0,1"


def _dtype_of(module: nn.Module) -> torch.dtype:
    for p in module.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


class ExternalModel(nn.Module):
    """A TorchScript decoder (required) and encoder (optional) behind the ConvAutoencoder API."""

    def __init__(
        self,
        decoder: nn.Module,
        encoder: nn.Module | None,
        config: ExternalConfig,
        files: dict[str, ScriptFile | None] | None = None,
    ) -> None:
        super().__init__()
        # Always one parameter, so ``next(model.parameters()).device`` works for any decoder.
        self._anchor = nn.Parameter(torch.zeros(0), requires_grad=False)
        self.decoder = decoder
        self.encoder = encoder
        self.config = config
        self.files = dict(files or {})
        self._dtype = _dtype_of(decoder)
        self._enc_dtype = torch.float32 if encoder is None else _dtype_of(encoder)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def has_encoder(self) -> bool:
        return self.encoder is not None

    def _to_model_range(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2.0 - 1.0 if self.config.output_range == "-1,1" else x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latents (B, D) → images (B, C, H, W) in [0, 1]."""
        z = z.to(self._anchor.device, self._dtype).reshape(-1, self.latent_dim)
        if self.config.latent_layout == "nchw":
            z = z[:, :, None, None]
        out = _call(self.decoder, "decoder", z, "latents")
        c, s = self.config.channels, self.config.image_size
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (z.shape[0], c, s, s):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise UserError(f"the decoder returned {got}, expected {(z.shape[0], c, s, s)}")
        out = out.float()
        if self.config.output_range == "-1,1":
            out = (out + 1.0) * 0.5
        return out.clamp(0.0, 1.0)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Images (B, C, H, W) in [0, 1] → (mean, log-variance or None)."""
        if self.encoder is None:
            raise UserError(
                "this model has no encoder: it was imported as a decoder only (a generator), so "
                "images cannot be mapped to latents; import it again with --encoder"
            )
        x = self._to_model_range(x.to(self._anchor.device, self._enc_dtype))
        mu, logvar = split_encoder_output(_call(self.encoder, "encoder", x, "images"), x.shape[0])
        if mu.shape[1] != self.latent_dim:
            raise UserError(f"the encoder gives {mu.shape[1]}-d latents, the decoder takes {self.latent_dim}")
        return mu.float(), None if logvar is None else logvar.float()

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encode(x)
        return self.decode(mu), mu, logvar

    @classmethod
    def from_files(
        cls,
        decoder_path: str | Path,
        encoder_path: str | Path | None = None,
        latent_dim: int | None = None,
        output_range: str = "auto",
        latent_layout: str | None = None,
    ) -> "ExternalModel":
        """Load and probe: learn the latent width, image shape and pixel range, or refuse with
        one clear message. ``latent_layout`` None tries (B, D), then (B, D, 1, 1)."""
        if output_range not in OUTPUT_RANGES:
            raise UserError(f"output range must be one of {', '.join(OUTPUT_RANGES)}, not {output_range!r}")
        if latent_layout is not None and latent_layout not in LATENT_LAYOUTS:
            raise UserError(f"latent layout must be one of {', '.join(LATENT_LAYOUTS)}, not {latent_layout!r}")
        if latent_dim is not None and not 1 <= int(latent_dim) <= MAX_LATENT:
            raise UserError(f"latent width must be 1–{MAX_LATENT}, got {latent_dim}")
        decoder, dec_file = read_torchscript(decoder_path, "decoder")
        encoder, enc_file = (None, None)
        if encoder_path is not None:
            encoder, enc_file = read_torchscript(encoder_path, "encoder")
        with torch.no_grad():
            inferred = latent_dim is None
            if inferred:
                if encoder is None:
                    raise UserError(
                        "give the latent width (--latent-dim N): it cannot be inferred from a "
                        "decoder alone"
                    )
                latent_dim = _infer_latent_dim(encoder)
            latent_dim = int(latent_dim)
            try:
                out, layout = _probe_decoder(decoder, latent_dim, latent_layout)
            except UserError as exc:
                if not inferred:
                    raise
                raise UserError(f"the encoder gives {latent_dim}-d latents, but {exc}") from None
            channels, size = _check_decoder_output(out, PROBE_BATCH)
            resolved = _resolve_range(out, output_range)
            config = ExternalConfig(latent_dim, size, channels, resolved, layout)
            model = cls(decoder, encoder, config, {"decoder": dec_file, "encoder": enc_file})
            if encoder is not None:
                x = torch.rand(PROBE_BATCH, channels, size, size, generator=torch.Generator().manual_seed(0))
                _, logvar = model.encode(x)  # checks the width against the decoder's
                model.config = ExternalConfig(latent_dim, size, channels, resolved, layout, logvar is not None)
        return model.eval()


def _probe_decoder(decoder: nn.Module, d: int, layout: str | None) -> tuple[Any, str]:
    z = torch.randn(PROBE_BATCH, d, generator=torch.Generator().manual_seed(0)).to(_dtype_of(decoder))
    first_error: UserError | None = None
    for lay in [layout] if layout else list(LATENT_LAYOUTS):
        try:
            return _call(decoder, "decoder", z if lay == "flat" else z[:, :, None, None], "latents"), lay
        except UserError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def _infer_latent_dim(encoder: nn.Module) -> int:
    dtype = _dtype_of(encoder)
    for c, s in _ENCODER_PROBE_SHAPES:
        x = torch.rand(2, c, s, s, generator=torch.Generator().manual_seed(0)).to(dtype)
        try:
            out = encoder(x)
        except Exception:  # noqa: BLE001 - not this shape; try the next
            continue
        mu, _ = split_encoder_output(out, 2)
        return int(mu.shape[1])
    raise UserError(
        "cannot infer the latent width: the encoder accepts none of the usual image shapes; "
        "give it with --latent-dim N"
    )


__all__ = [
    "ExternalConfig",
    "ExternalModel",
    "OUTPUT_RANGES",
    "ScriptFile",
    "one_line",
    "read_torchscript",
    "split_encoder_output",
]
