"""The workspace reader on mutated real workspaces: a trained digits workspace with its bytes,
its manifest, its entries' headers and its set of entries mutated (CRCs kept valid, so the
mutations reach the reader behind the zip layer). ``load_workspace`` gives a Workspace the app
can use, or one clear WorkspaceError/UserError — nothing else. Then the crashes fuzzing found,
each as its own test."""
from __future__ import annotations

import io
import math
import random
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latent_explorer.errors import WorkspaceError
from latent_explorer.workspace.container import load_container, save_container
from latent_explorer.workspace.session_file import load_workspace
from tests.reliability.fuzz_inputs import mutate_workspace, open_or_refuse

EXAMPLES = 800
stats = {"n": 0, "opened": 0, "refused": 0}


def load_or_refuse(path) -> None:
    stats[open_or_refuse(path)] += 1  # anything but a usable workspace or a message fails
    stats["n"] += 1


@pytest.fixture(scope="module")
def real_bytes(saved_digits_workspace, tmp_path_factory):
    yield saved_digits_workspace.read_bytes()
    print(f"\nworkspace fuzz: {stats['n']} inputs, {stats['opened']} opened, "
          f"{stats['refused']} refused with a message")


@pytest.mark.timeout(600)
@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), rounds=st.integers(1, 3))
def test_mutated_workspaces_open_or_are_refused(real_bytes, tmp_path_factory, seed, rounds):
    rnd = random.Random(seed)
    data = real_bytes
    for _ in range(rounds):
        data = mutate_workspace(data, rnd)
    path = tmp_path_factory.getbasetemp() / "mutated.lexp"
    path.write_bytes(data)
    load_or_refuse(path)


# ----------------------------------------------------------------------------- found by fuzzing


@pytest.fixture
def edited(saved_digits_workspace, tmp_path):
    """Save a changed copy of the real workspace (through the writer: a well-formed file)."""
    def edit(change) -> str:
        c = load_container(saved_digits_workspace)
        change(c)
        path = tmp_path / "edited.lexp"
        save_container(path, c)
        return str(path)
    return edit


def refused(path, match: str) -> None:
    with pytest.raises(WorkspaceError, match=match) as info:
        load_workspace(path)
    assert str(info.value).startswith(f"{path} is damaged: ") and "\n" not in str(info.value)


def set_in(keys: tuple, value):
    def change(c):
        node = c.meta
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return change


@pytest.mark.parametrize("keys,value,match", [
    (("dataset", "n"), math.inf, "OverflowError"),  # was an OverflowError escaping the reader
    (("training", "epoch"), math.inf, "OverflowError"),
    (("dataset", "n"), -3, "declares -3 images"),
    (("dataset", "paths"), 5, "'paths' is not a list"),  # was opened, then crashed on use
    (("dataset", "paths"), ["a.png"], "'paths' is not a list of 1797"),
    (("dataset", "label_names"), [1, 2], "not all text"),
    (("dataset", "label_names"), ["only one"], "codes outside its 1 names"),
    (("training", "history"), [{"epoch": 1, "val_loss": "x"}], "history"),
    (("training", "history"), {"epoch": 1}, "history"),
    (("training", "optimizer_groups"), 5, "optimizer state cannot be restored"),
    (("training", "optimizer_groups"), "[]", "optimizer state cannot be restored"),
    (("model", "latent_dim"), 8, "saved weights do not fit"),  # was a RuntimeError on use
    (("model", "latent_dim"), math.nan, "latent width"),
])
def test_inconsistent_metadata_is_refused(edited, keys, value, match):
    refused(edited(set_in(keys, value)), match)


def test_latents_with_nan_are_refused(edited):
    def change(c):
        c.arrays["latents.mean"][3, 1] = np.nan
    refused(edited(change), "'latents.mean' holds NaN")


def test_optimizer_state_of_the_wrong_shape_is_refused(edited):
    def change(c):
        key = next(k for k in c.tensors["optimizer"] if k.endswith("exp_avg"))
        c.tensors["optimizer"][key] = np.zeros((2, 2), np.float32)
    refused(edited(change), "optimizer state does not fit")


def test_optimizer_setting_that_is_not_a_number_is_refused(edited):
    def change(c):
        c.meta["training"]["optimizer_groups"] = c.meta["training"]["optimizer_groups"].replace(
            '"eps": 1e-08', '"eps": "tiny"')
    refused(edited(change), "optimizer setting 'eps'")


class Evil:
    """Unpickling this creates a file: proof that the payload ran."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_pickled_weights_in_a_real_workspace_never_run(saved_digits_workspace, tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "PWNED"
    weights = load_container(saved_digits_workspace).tensors["weights"]
    buf = io.BytesIO()
    torch.save({**{k: torch.from_numpy(v) for k, v in weights.items()}, "x": Evil(str(marker))}, buf)
    path = tmp_path / "evil.lexp"
    with zipfile.ZipFile(saved_digits_workspace) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = buf.getvalue() if info.filename == "tensors/weights.safetensors" else src.read(info)
            dst.writestr(info, data)
    with pytest.raises(WorkspaceError, match="refused: tensor group 'weights' is not a safetensors"):
        load_workspace(path)
    assert not marker.exists()
    live = tmp_path / "RAN"  # the same payload, unpickled on purpose: it does create its file
    live_buf = io.BytesIO()
    torch.save({"x": Evil(str(live))}, live_buf)
    torch.load(io.BytesIO(live_buf.getvalue()), weights_only=False)
    assert live.exists()
