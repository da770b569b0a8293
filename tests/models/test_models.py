import pytest
import torch

from latent_explorer.errors import UserError
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.conv import loss_terms
from latent_explorer.models.registry import build_model


@pytest.mark.parametrize("size", [16, 28, 32, 64, 100, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_any_supported_size_reconstructs_to_the_same_shape(size, channels):
    model = build_model(ModelConfig(kind="vae", latent_dim=8, image_size=size, channels=channels))
    x = torch.rand(2, channels, size, size)
    recon, mu, logvar = model(x)
    assert recon.shape == x.shape
    assert mu.shape == logvar.shape == (2, 8)
    assert 0.0 <= float(recon.detach().min()) and float(recon.detach().max()) <= 1.0


def test_autoencoder_has_no_kl_and_beta_scales_the_kl_term():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 16, 16)
    ae = build_model(ModelConfig(kind="ae", latent_dim=4, image_size=16))
    _, _, kl = loss_terms(ae, x)
    assert float(kl) == 0.0
    assert ae.encode(x)[1] is None

    torch.manual_seed(0)
    vae = build_model(ModelConfig(kind="vae", latent_dim=4, image_size=16, beta=1.0)).eval()
    torch.manual_seed(0)
    bvae = build_model(ModelConfig(kind="beta-vae", latent_dim=4, image_size=16, beta=4.0)).eval()
    total1, rec1, kl1 = loss_terms(vae, x)
    total4, rec4, kl4 = loss_terms(bvae, x)
    assert torch.allclose(rec1, rec4) and torch.allclose(kl1, kl4)
    assert torch.allclose(total4 - rec4, 4 * (total1 - rec1), rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(kind="gan"), "unknown model"),
        (dict(latent_dim=1), "latent width"),
        (dict(latent_dim=300), "latent width"),
        (dict(image_size=8), "image size"),
        (dict(image_size=256), "image size"),
        (dict(channels=2), "grey"),
        (dict(beta=0), "β"),
    ],
)
def test_bad_configurations_are_refused_with_a_clear_message(kwargs, words):
    with pytest.raises(UserError, match=words):
        ModelConfig(**kwargs).validate()


def test_config_round_trips_through_a_dict():
    cfg = ModelConfig(kind="beta-vae", latent_dim=10, image_size=28, channels=3, beta=4.0)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
