"""Augmentation: on for a folder of photos, off for the demos (a mirrored digit is another
digit); it mirrors and shifts whole images without changing their pixels' values, differently
for each image of a batch, and the same again under the same seed."""
from __future__ import annotations

import pytest
import torch

from latent_explorer.errors import UserError
from latent_explorer.training.augment import Augment, resolve_augment


def test_auto_augments_folders_and_leaves_demos_alone():
    photos = resolve_augment("auto", "folder", 64)
    assert photos.flip and photos.shift == 4 and photos.zoom == 0.25
    assert resolve_augment("flip+shift", "folder", 64) == Augment(flip=True, shift=4)
    assert not resolve_augment("auto", "demo", 16).active
    assert resolve_augment("shift", "demo", 32) == Augment(flip=False, shift=2)
    assert not resolve_augment("off", "folder", 64).active
    with pytest.raises(UserError, match="augmentation must be one of"):
        resolve_augment("rotate", "folder", 64)


def test_each_image_is_mirrored_or_shifted_on_its_own_and_keeps_its_pixels():
    torch.manual_seed(0)
    x = torch.rand(64, 3, 16, 16)
    flipped = Augment(flip=True)(x)
    mirrored = torch.tensor([torch.equal(a, b.flip(-1)) for a, b in zip(flipped, x)])
    kept = torch.tensor([torch.equal(a, b) for a, b in zip(flipped, x)])
    assert bool((mirrored | kept).all()) and 16 <= int(mirrored.sum()) <= 48

    shifted = Augment(shift=2)(x)
    assert shifted.shape == x.shape
    centre = shifted[:, :, 2:-2, 2:-2]
    found = []
    for a, b in zip(centre, x):  # each is a window of the original, moved by at most 2 px
        offsets = [(dy, dx) for dy in range(5) for dx in range(5)
                   if torch.equal(a, b[:, dy:dy + 12, dx:dx + 12])]
        assert offsets
        found.append(offsets[0])
    assert len(set(found)) > 5  # not one shift for the whole batch


def test_the_same_seed_augments_the_same_way():
    x = torch.rand(8, 1, 16, 16)
    augment = Augment(flip=True, shift=1)
    torch.manual_seed(3)
    a = augment(x)
    torch.manual_seed(3)
    b = augment(x)
    torch.manual_seed(4)
    c = augment(x)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_zooming_shows_each_image_through_its_own_window_inside_it():
    """A horizontal ramp from 0 to 1: a zoomed copy is a steeper piece of the same ramp, inside
    its range, from a window of at least 80 % of the side, each image with its own."""
    torch.manual_seed(0)
    ramp = torch.linspace(0, 1, 32).expand(32, 32)
    x = ramp.expand(64, 3, 32, 32).contiguous()
    zoomed = Augment(zoom=0.25)(x)
    assert zoomed.shape == x.shape
    rows = zoomed[:, 0, 16]
    span = rows[:, -1] - rows[:, 0]  # the ramp's rise over the window: its share of the side
    full = ramp[0, -1] - ramp[0, 0]
    assert bool((span <= full + 1e-4).all()) and bool((span >= full / 1.25 - 0.02).all())
    assert float(span.min()) < 0.9 * float(full)  # some zoom in noticeably
    assert bool((rows[:, 1:] >= rows[:, :-1] - 1e-5).all())  # still a rising ramp, not mirrored
    assert len(torch.unique(torch.round(rows[:, 0] * 1000))) > 20  # windows start at many places
    assert float(zoomed.min()) >= 0.0 and float(zoomed.max()) <= 1.0


def test_the_command_line_offers_every_augmentation(capsys):
    from latent_explorer.cli.main import build_parser
    from latent_explorer.training.augment import SETTINGS

    parser = build_parser()
    for setting in SETTINGS:
        assert parser.parse_args(["train", "photos", "-o", "out.lexp", "--augment", setting]).augment == setting
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "photos", "-o", "out.lexp", "--augment", "rotate"])
    assert "invalid choice: 'rotate'" in capsys.readouterr().err
