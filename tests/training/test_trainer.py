import numpy as np
import pytest

from latent_explorer.errors import UserError
from latent_explorer.models.config import ModelConfig
from latent_explorer.infra.tasks import CancelToken, Partial, Progress, run_task
from latent_explorer.training.split import make_split
from latent_explorer.training.state import EpochReport
from latent_explorer.training.schedule import learning_rate
from latent_explorer.training.trainer import Trainer

CFG = ModelConfig(kind="vae", latent_dim=4, image_size=16, channels=1, width=8)


@pytest.fixture(scope="module")
def split(small_digits):
    return make_split(len(small_digits), small_digits.labels, 0.2, seed=0)


def fit(trainer, dataset, train_idx, val_idx, state=None, cancel=None, on_progress=None):
    return run_task(trainer.fit(dataset, train_idx, val_idx, state, cancel), on_progress)


def weights_equal(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_split_is_stratified_fixed_by_seed_and_disjoint(small_digits):
    tr, va = make_split(len(small_digits), small_digits.labels, 0.2, seed=3)
    tr2, va2 = make_split(len(small_digits), small_digits.labels, 0.2, seed=3)
    assert np.array_equal(va, va2) and np.array_equal(tr, tr2)
    assert not set(tr) & set(va) and len(tr) + len(va) == len(small_digits)
    share = np.bincount(small_digits.labels[va], minlength=10) / np.bincount(small_digits.labels, minlength=10)
    assert np.all(np.abs(share - 0.2) < 0.06)
    assert not np.array_equal(va, make_split(len(small_digits), small_digits.labels, 0.2, seed=4)[1])


def test_generator_reports_progress_and_epochs_with_reconstructions(small_digits, split):
    gen = Trainer(CFG, epochs=2, seed=0, threads=1, n_preview=5).fit(small_digits, *split)
    items = []
    try:
        while True:
            items.append(next(gen))
    except StopIteration as stop:
        result = stop.value
    progress = [i for i in items if isinstance(i, Progress)]
    epochs = [i.value for i in items if isinstance(i, Partial)]
    assert progress[-1].done == progress[-1].total and progress[0].done < progress[-1].done
    assert "ETA" in progress[0].message
    assert [e.epoch for e in epochs] == [1, 2]
    assert isinstance(epochs[0], EpochReport)
    assert epochs[0].reconstructions.shape == (5, 16, 16, 1)
    assert epochs[0].val_loss is not None and epochs[0].train_kl > 0
    assert epochs[1].train_loss < epochs[0].train_loss
    assert result.status == "finished" and result.epochs_run == 2
    assert len(result.state.history) == 2


def test_same_seed_same_weights_other_seed_other_weights(small_digits, split):
    a = fit(Trainer(CFG, epochs=1, seed=5, threads=1), small_digits, *split)
    b = fit(Trainer(CFG, epochs=1, seed=5, threads=1), small_digits, *split)
    c = fit(Trainer(CFG, epochs=1, seed=6, threads=1), small_digits, *split)
    assert weights_equal(a.state.model, b.state.model)
    assert not weights_equal(a.state.model, c.state.model)


@pytest.mark.parametrize("schedule", ["constant", "decay"])
def test_cancel_mid_epoch_then_resume_equals_an_uninterrupted_run(small_digits, split, schedule):
    full = fit(Trainer(CFG, epochs=2, seed=1, threads=1, patience=None, schedule=schedule), small_digits, *split)

    cancel = CancelToken()
    seen = []

    def on_progress(p):
        seen.append(p.done)
        if p.done == 7:  # in the middle of the first epoch (5 batches of 64 per epoch… and more)
            cancel.cancel()

    trainer = Trainer(CFG, epochs=2, seed=1, threads=1, patience=None, schedule=schedule)
    part = fit(trainer, small_digits, *split, cancel=cancel, on_progress=on_progress)
    assert part.status == "cancelled" and "resume" in part.message
    assert part.state.step > 0 or part.state.epoch >= 1
    assert max(seen) == 7
    rest = fit(trainer, small_digits, *split, state=part.state)
    assert rest.status == "finished" and rest.epochs_run == 2
    assert weights_equal(rest.state.model, full.state.model)


def test_the_decay_schedule_holds_the_rate_then_anneals_it_and_more_epochs_hold_it_again():
    total = 1000
    rates = np.array([learning_rate(2e-3, "decay", step, total) for step in range(total)])
    assert np.all(rates[: int(0.7 * total)] == 2e-3)
    assert np.all(np.diff(rates) <= 0)
    assert rates[-1] <= 2e-3 * 0.02 and rates[int(0.85 * total)] == pytest.approx(1e-3, rel=0.05)
    assert learning_rate(2e-3, "decay", total, 3 * total) == 2e-3  # resumed with more epochs
    assert all(learning_rate(2e-3, "constant", step, total) == 2e-3 for step in (0, 500, 999))


def test_an_unknown_schedule_is_refused_before_training(small_digits, split):
    with pytest.raises(UserError, match="schedule 'cosine'"):
        fit(Trainer(CFG, epochs=1, seed=0, threads=1, schedule="cosine"), small_digits, *split)


def test_a_diverging_loss_stops_with_a_message_and_keeps_the_last_good_weights(small_digits, split):
    good = fit(Trainer(CFG, epochs=1, seed=0, threads=1), small_digits, *split)
    bad = Trainer(CFG, epochs=3, seed=0, threads=1, lr=1e9, patience=None)
    result = fit(bad, small_digits, *split, state=good.state)
    assert result.status == "diverged"
    assert "loss became" in result.message and "last good weights" in result.message
    assert all(np.all(np.isfinite(v)) for v in result.state.model.values())
    if result.state.epoch == good.state.epoch:  # diverged within the first new epoch
        assert weights_equal(result.state.model, good.state.model)


def test_early_stopping_keeps_the_best_weights(small_digits):
    tiny_train = make_split(len(small_digits), small_digits.labels, 0.85, seed=0)  # 60 to overfit
    big = ModelConfig(kind="ae", latent_dim=16, image_size=16, channels=1, width=32)
    result = fit(Trainer(big, epochs=150, seed=0, threads=1, lr=3e-3, patience=3), small_digits, *tiny_train)
    assert result.status == "early-stopped", result.message
    assert result.epochs_run < 150
    vals = [h["val_loss"] for h in result.state.history]
    best_epoch = int(np.argmin(vals)) + 1
    assert best_epoch == result.epochs_run - 3  # three epochs without improvement, then stop
    assert f"(epoch {best_epoch})" in result.message
    assert result.state.model is result.state.best_model


def test_parameters_are_validated_when_run_not_when_constructed(small_digits, split):
    trainer = Trainer(ModelConfig(latent_dim=1, image_size=16), epochs=1)  # no error yet
    with pytest.raises(UserError, match="latent width"):
        fit(trainer, small_digits, *split)
    with pytest.raises(UserError, match="model expects 32px"):
        fit(Trainer(ModelConfig(image_size=32), epochs=1), small_digits, *split)
    with pytest.raises(UserError, match="epochs"):
        fit(Trainer(CFG, epochs=0), small_digits, *split)
