"""The reconstruction losses a model can train with (`ModelConfig.loss`)."""
import pytest
import torch

from latent_explorer.errors import UserError
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.conv import loss_terms_per_image
from latent_explorer.models.losses import LOSSES, focus_weights, reconstruction_error
from latent_explorer.models.registry import build_model


def scene(size: int = 32) -> torch.Tensor:
    """A plain two-colour room with a small bright object: (1, 3, size, size)."""
    x = torch.empty(1, 3, size, size)
    x[:, :, : size // 2] = torch.tensor([0.6, 0.5, 0.3])[:, None, None]
    x[:, :, size // 2 :] = torch.tensor([0.2, 0.4, 0.5])[:, None, None]
    x[:, :, 20:24, 10:14] = torch.tensor([1.0, 0.1, 0.1])[:, None, None]
    return x


def test_focus_weights_are_one_on_a_plain_image_and_high_on_a_small_object():
    flat = torch.full((2, 3, 32, 32), 0.4)
    assert torch.allclose(focus_weights(flat), torch.ones(2, 1, 32, 32))
    w = focus_weights(scene())
    assert w.shape == (1, 1, 32, 32) and torch.allclose(w.mean(), torch.tensor(1.0))
    assert w[0, 0, 20:24, 10:14].min() > 3 * w[0, 0, 2:10, 20:30].max()  # the object ≫ the plain wall


def test_focus_weighs_an_error_on_the_small_object_more_and_one_on_the_wall_less_than_mse():
    x = scene()
    on_object, on_wall = x.clone(), x.clone()
    on_object[:, :, 20:24, 10:14] = 0.5  # the object lost: 16 pixels wrong
    on_wall[:, :, 2:6, 20:24] = 0.9  # the same number of pixels wrong on the plain wall
    mse = [reconstruction_error("mse", r, x) for r in (on_object, on_wall)]
    focus = [reconstruction_error("focus", r, x) for r in (on_object, on_wall)]
    assert torch.allclose(mse[0], ((on_object - x) ** 2).sum())
    assert focus[0] > 3 * mse[0]
    assert focus[1] < mse[1]
    assert torch.allclose(reconstruction_error("focus", x, x), torch.zeros(1))


def test_the_loss_is_a_model_setting_validated_and_mse_for_older_workspaces():
    assert ModelConfig().loss == "mse" and LOSSES == ("mse", "focus")
    assert ModelConfig.from_dict({"kind": "vae", "latent_dim": 8}).loss == "mse"  # saved before the choice
    with pytest.raises(UserError, match="loss"):
        ModelConfig(loss="ssim").validate()
    torch.manual_seed(0)
    x = scene().repeat(2, 1, 1, 1)
    models = {}
    for loss in LOSSES:
        torch.manual_seed(0)
        models[loss] = build_model(ModelConfig(latent_dim=4, image_size=32, channels=3, loss=loss)).eval()
    out = {loss: loss_terms_per_image(m, x) for loss, m in models.items()}
    for loss in LOSSES:
        total, rec, kl, sq = out[loss]
        assert torch.allclose(sq, out["mse"][3]) and torch.allclose(kl, out["mse"][2])  # same weights
        if loss != "mse":
            assert not torch.allclose(rec, out["mse"][1])  # the loss differs, the plain error does not
