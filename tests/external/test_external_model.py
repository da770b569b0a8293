"""ExternalModel: TorchScript only (pickles refused unread), probing and clear refusals."""
from __future__ import annotations

import io
import pickle
import zipfile

import pytest
import torch

from latent_explorer.errors import UserError
from latent_explorer.models.external import ExternalModel

from .conftest import LATENT, Decoder, Encoder, PlainEncoder, Shaped, save_script

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Evil:
    """Unpickling this creates a file: proof that a file was (or was not) unpickled."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_probe_learns_shape_width_range_and_matches_the_scripted_modules(files):
    model = ExternalModel.from_files(files["decoder"], files["encoder"])  # width from the encoder
    cfg = model.config
    assert (cfg.kind, cfg.latent_dim, cfg.image_size, cfg.channels) == ("external", LATENT, 16, 1)
    assert cfg.output_range == "0,1" and cfg.latent_layout == "flat" and cfg.is_variational
    assert model.has_encoder and model.latent_dim == LATENT
    x = torch.rand(3, 1, 16, 16)
    enc = torch.jit.load(files["encoder"])
    dec = torch.jit.load(files["decoder"])
    with torch.no_grad():
        mu, logvar = model.encode(x)
        want_mu, want_logvar = enc(x)
        assert torch.equal(mu, want_mu) and torch.equal(logvar, want_logvar)
        assert torch.equal(model.decode(mu), dec(mu))
    assert next(model.parameters()).device.type == "cpu"
    plain = ExternalModel.from_files(files["decoder"], files["plain_encoder"])
    assert plain.encode(x)[1] is None and not plain.config.is_variational


def test_gan_generator_tanh_is_mapped_to_0_1_and_has_no_encoder(files):
    model = ExternalModel.from_files(files["generator"], latent_dim=8)
    cfg = model.config
    assert (cfg.image_size, cfg.channels, cfg.output_range, cfg.latent_layout) == (16, 3, "-1,1", "nchw")
    z = torch.randn(5, 8)
    raw = torch.jit.load(files["generator"])(z[:, :, None, None])
    with torch.no_grad():
        out = model.decode(z)
    assert raw.min() < -0.5 and torch.allclose(out, (raw + 1) / 2)
    assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0
    with pytest.raises(UserError, match="has no encoder"):
        model.encode(torch.rand(2, 3, 16, 16))
    forced = ExternalModel.from_files(files["generator"], latent_dim=8, output_range="0,1")
    with torch.no_grad():
        assert torch.equal(forced.decode(z), raw.clamp(0, 1))
    with pytest.raises(UserError, match="--latent-dim"):
        ExternalModel.from_files(files["generator"])  # decoder alone: the width must be given


def test_a_torch_save_pickle_is_refused_without_being_unpickled(tmp_path, files):
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.pt"
    torch.save(Evil(marker), evil)
    assert zipfile.is_zipfile(evil)  # a modern torch.save file is a zip too
    for kwargs in ({"decoder_path": evil}, {"decoder_path": files["decoder"], "encoder_path": evil}):
        with pytest.raises(UserError, match="pickled PyTorch file") as info:
            ExternalModel.from_files(latent_dim=LATENT, **kwargs)
        assert "\n" not in str(info.value)
        assert not marker.exists()
    torch.load(evil, weights_only=False)  # control: unpickling it does create the file
    assert marker.exists()


def test_a_forged_archive_with_a_hostile_pickle_is_not_run(tmp_path, files):
    marker = tmp_path / "pwned"
    forged = tmp_path / "forged.pt"
    src = zipfile.ZipFile(files["decoder"])
    with zipfile.ZipFile(forged, "w") as out:
        for name in src.namelist():
            hostile = name.endswith(("/data.pkl", "/constants.pkl"))
            out.writestr(name, pickle.dumps(Evil(marker), protocol=2) if hostile else src.read(name))
    with pytest.raises(UserError, match="cannot load the decoder .* as TorchScript"):
        ExternalModel.from_files(forged, latent_dim=LATENT)
    assert not marker.exists()


def test_missing_garbage_and_foreign_zip_files_are_refused(tmp_path):
    with pytest.raises(UserError, match="no such decoder file"):
        ExternalModel.from_files(tmp_path / "nope.pt", latent_dim=4)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x80\x02not a model at all" * 10)
    with pytest.raises(UserError, match="not a zip archive"):
        ExternalModel.from_files(garbage, latent_dim=4)
    foreign = tmp_path / "foreign.pt"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UserError, match="zip file but not a TorchScript archive"):
        ExternalModel.from_files(foreign, latent_dim=4)
    with pytest.raises(UserError, match="output range"):
        ExternalModel.from_files(foreign, latent_dim=4, output_range="0,255")


@pytest.mark.parametrize(
    "shape, words",
    [
        ([256], "rank 2"),
        ([2, 16, 16], "1 or 3 channels"),
        ([16, 16, 3], "channels-last"),
        ([1, 16, 12], "not square"),
        ([1, 4, 4], "pixels wide"),
    ],
)
def test_wrong_decoder_output_shapes_are_refused(tmp_path, shape, words):
    path = save_script(Shaped(shape), tmp_path / "bad.pt")
    with pytest.raises(UserError, match=words):
        ExternalModel.from_files(path, latent_dim=LATENT)


def test_width_mismatch_and_failing_probe_give_one_line(tmp_path, files):
    narrow = save_script(Encoder(d=4), tmp_path / "enc4.pt")
    with pytest.raises(UserError, match="encoder gives 4-d latents, the decoder takes 6"):
        ExternalModel.from_files(files["decoder"], narrow, latent_dim=LATENT)
    with pytest.raises(UserError, match="encoder gives 4-d latents, but the decoder fails") as info:
        ExternalModel.from_files(files["decoder"], narrow)  # width inferred from the encoder
    assert "\n" not in str(info.value)
    with pytest.raises(UserError, match=r"the decoder fails on latents \(4, 9\): .*mat1 and mat2") as info:
        ExternalModel.from_files(files["decoder"], latent_dim=9)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
    wrong_size = save_script(PlainEncoder(), tmp_path / "plain.pt")
    big = save_script(Decoder(), tmp_path / "dec.pt")
    assert ExternalModel.from_files(big, wrong_size).latent_dim == LATENT
