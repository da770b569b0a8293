"""The .lexp container: round trips, atomic saves, and refusal of every kind of hostile file."""
from __future__ import annotations

import errno
import io
import json
import os
import pickle
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
import safetensors.numpy as stnp
from hypothesis import given, settings
from hypothesis import strategies as st

from latent_explorer import __version__
from latent_explorer.errors import WorkspaceError
from latent_explorer.workspace import container as C
from latent_explorer.workspace.container import Container, load_container, save_container


def sample() -> Container:
    rng = np.random.default_rng(0)
    return Container(
        meta={"name": "run 1", "epochs": 3, "loss": [1.5, 0.25], "nested": {"ok": True, "none": None}},
        arrays={
            "latents": rng.normal(size=(5, 3)).astype(np.float32),
            "ids": np.arange(6, dtype=np.int64).reshape(2, 3),
            "mask": np.array([True, False, True]),
            "images": rng.integers(0, 255, size=(2, 4, 4), dtype=np.uint8),
            "empty": np.zeros((0, 4), dtype=np.float32),
            "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
            "scalar": np.array(2.5),
            "big.endian-1": np.arange(4, dtype=">i4"),
        },
        tensors={
            "model": {
                "enc.0.weight": rng.normal(size=(4, 3)).astype(np.float32),
                "enc.0.bias": np.zeros(4, np.float32),
            },
            "optimizer": {"step": np.array(7, dtype=np.int64), "exp_avg.0": np.ones((4, 3), np.float32)},
            "empty_group": {},
        },
    )


def assert_same(a: Container, b: Container) -> None:
    assert a.meta == b.meta
    assert set(a.arrays) == set(b.arrays)
    for k in a.arrays:
        assert b.arrays[k].dtype == a.arrays[k].dtype and b.arrays[k].shape == a.arrays[k].shape
        np.testing.assert_array_equal(b.arrays[k], a.arrays[k])
    assert set(a.tensors) == set(b.tensors)
    for g in a.tensors:
        assert set(a.tensors[g]) == set(b.tensors[g])
        for k in a.tensors[g]:
            assert b.tensors[g][k].shape == a.tensors[g][k].shape
            np.testing.assert_array_equal(b.tensors[g][k], a.tensors[g][k])


# ----------------------------------------------------------------------------- round trip


def test_round_trip(tmp_path):
    path = tmp_path / "session.lexp"
    original = sample()
    save_container(path, original)
    loaded = load_container(path)
    assert_same(original, loaded)
    assert loaded.arrays["latents"].flags.writeable
    loaded.tensors["model"]["enc.0.bias"][0] = 1.0  # usable as ordinary arrays
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.getinfo("manifest.json").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("arrays/latents.npy").compress_type == zipfile.ZIP_STORED
    assert manifest["format"] == C.FORMAT and manifest["schema_version"] == C.SCHEMA_VERSION == 1
    assert manifest["app_version"] == __version__
    assert manifest["arrays"]["ids"] == {"file": "arrays/ids.npy", "dtype": "<i8", "shape": [2, 3]}
    assert manifest["tensors"]["model"]["file"] == "tensors/model.safetensors"
    assert manifest["tensors"]["model"]["entries"]["enc.0.weight"] == {"dtype": "<f4", "shape": [4, 3]}


def test_overwrite_and_no_temp_left(tmp_path):
    path = tmp_path / "s.lexp"
    save_container(path, sample())
    save_container(str(path), Container(meta={"v": 2}, arrays={}, tensors={}))
    assert load_container(path).meta == {"v": 2}
    assert os.listdir(tmp_path) == ["s.lexp"]


@pytest.mark.parametrize(
    "bad",
    [
        Container(arrays={"../x": np.zeros(2)}),
        Container(arrays={"a/b": np.zeros(2)}),
        Container(arrays={"": np.zeros(2)}),
        Container(arrays={"..": np.zeros(2)}),
        Container(arrays={"obj": np.array([1, "a"], dtype=object)}),
        Container(arrays={"txt": np.array(["a"])}),
        Container(tensors={"g/h": {"w": np.zeros(2)}}),
        Container(tensors={"g": {"w": np.array([None], dtype=object)}}),
    ],
)
def test_invalid_contents_rejected_before_writing(tmp_path, bad):
    with pytest.raises(ValueError):
        save_container(tmp_path / "x.lexp", bad)
    assert os.listdir(tmp_path) == []


def test_meta_must_be_json(tmp_path):
    with pytest.raises(TypeError):
        save_container(tmp_path / "x.lexp", Container(meta={"f": object()}))
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- atomic save


def test_failure_mid_save_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.lexp"
    save_container(path, sample())
    before = path.read_bytes()
    calls = {"n": 0}
    real = C.npformat.write_array

    def failing(fp, arr, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fp, arr, **kw)

    monkeypatch.setattr(C.npformat, "write_array", failing)
    with pytest.raises(WorkspaceError, match="disk full"):
        save_container(path, sample())
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.lexp"]


def test_failure_at_replace_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.lexp"
    save_container(path, Container(meta={"v": 1}))

    def boom(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(C.os, "replace", boom)
    with pytest.raises(WorkspaceError, match="permission denied"):
        save_container(path, Container(meta={"v": 2}))
    monkeypatch.undo()
    assert load_container(path).meta == {"v": 1}
    assert os.listdir(tmp_path) == ["s.lexp"]


def test_interrupt_cleans_up_and_propagates(tmp_path, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(C.npformat, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_container(tmp_path / "s.lexp", sample())
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_directory(tmp_path):
    path = tmp_path / "s.lexp"
    save_container(path, Container(meta={"v": 1}))
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(WorkspaceError, match="permission denied"):
            save_container(path, Container(meta={"v": 2}))
    finally:
        tmp_path.chmod(0o755)
    assert load_container(path).meta == {"v": 1}


def test_read_only_directory_simulated(tmp_path, monkeypatch):
    path = tmp_path / "s.lexp"
    save_container(path, Container(meta={"v": 1}))

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(C.os, "open", denied)
    with pytest.raises(WorkspaceError, match=r"cannot save workspace to .*s\.lexp: permission denied"):
        save_container(path, Container(meta={"v": 2}))
    monkeypatch.undo()
    assert load_container(path).meta == {"v": 1}
    assert os.listdir(tmp_path) == ["s.lexp"]


def test_missing_directory(tmp_path):
    with pytest.raises(WorkspaceError, match="folder does not exist"):
        save_container(tmp_path / "nope" / "s.lexp", Container())


# ----------------------------------------------------------------------------- refusals


def manifest(arrays=None, tensors=None, **over) -> bytes:
    m = {"format": C.FORMAT, "schema_version": 1, "app_version": "0", "meta": {}}
    m.update(arrays=arrays or {}, tensors=tensors or {})
    m.update(over)
    return json.dumps(m).encode()


def npy_bytes(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def write_zip(path, entries: dict, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def refused(path, match):
    with pytest.raises(WorkspaceError, match=match) as info:
        load_container(path)
    assert "\n" not in str(info.value)
    return info.value


def test_missing_file(tmp_path):
    refused(tmp_path / "none.lexp", "does not exist")


def test_folder(tmp_path):
    refused(tmp_path, "is a folder")


@pytest.mark.parametrize("data", [b"", b"not a zip", os.urandom(2000), b"PK\x03\x04" + b"\0" * 40])
def test_garbage(tmp_path, data):
    path = tmp_path / "g.lexp"
    path.write_bytes(data)
    refused(path, "is not a Latent Explorer workspace")


def test_zip_without_manifest(tmp_path):
    path = write_zip(tmp_path / "z.lexp", {"readme.txt": b"hi"})
    refused(path, r"not a Latent Explorer workspace \(no manifest")


def test_wrong_format(tmp_path):
    path = write_zip(tmp_path / "z.lexp", {"manifest.json": json.dumps({"format": "something-else"})})
    refused(path, "not a Latent Explorer workspace")


def test_newer_schema(tmp_path):
    path = write_zip(tmp_path / "z.lexp", {"manifest.json": manifest(schema_version=7)})
    err = refused(path, r"newer version of Latent Explorer \(schema 7\); this version reads up to 1")
    assert "please update" in str(err)


@pytest.mark.parametrize(
    "text", [b"{not json", b"\xff\xfe", b"[1, 2]", b"[" * 100000, manifest(schema_version="1")]
)
def test_malformed_manifest(tmp_path, text):
    refused(write_zip(tmp_path / "z.lexp", {"manifest.json": text}), "workspace")


@pytest.mark.parametrize(
    "name", ["../evil.npy", "/abs.npy", "arrays\\x.npy", "arrays/../../x.npy", "C:/x.npy"]
)
def test_unsafe_names(tmp_path, name):
    path = tmp_path / "z.lexp"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", manifest())
        info = zipfile.ZipInfo("placeholder")
        info.filename = name  # bypass zipfile's own sanitising, like a hostile tool would
        zf.writestr(info, npy_bytes(np.zeros(2)))
    refused(path, "unsafe entry name")


def arr_spec(name, dtype, shape):
    return {name: {"file": f"arrays/{name}.npy", "dtype": dtype, "shape": shape}}


def test_missing_entry(tmp_path):
    path = write_zip(tmp_path / "z.lexp", {"manifest.json": manifest(arr_spec("a", "<f4", [2]))})
    refused(path, r"array 'a' is missing")


def test_missing_tensor_entry(tmp_path):
    spec = {"model": {"file": "tensors/model.safetensors", "entries": {}}}
    refused(write_zip(tmp_path / "z.lexp", {"manifest.json": manifest(tensors=spec)}), "is missing")


@pytest.mark.parametrize("dtype,shape", [("<f4", [3, 2]), ("<f8", [2, 3]), ("<i4", [2, 3]), ("|b1", [6])])
def test_dtype_or_shape_mismatch(tmp_path, dtype, shape):
    entries = {
        "manifest.json": manifest(arr_spec("a", dtype, shape)),
        "arrays/a.npy": npy_bytes(np.zeros((2, 3), np.float32)),
    }
    refused(write_zip(tmp_path / "z.lexp", entries), "manifest says|wrong number|shorter")


def test_trailing_bytes(tmp_path):
    data = npy_bytes(np.zeros(3, np.float32)) + b"extra"
    entries = {"manifest.json": manifest(arr_spec("a", "<f4", [3])), "arrays/a.npy": data}
    refused(write_zip(tmp_path / "z.lexp", entries), "wrong number of data bytes")


class Evil:
    """Unpickling this creates a file: proof that something was executed."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


@pytest.mark.parametrize("declared", ["<f8", "|O"])
def test_pickle_npy_never_unpickled(tmp_path, declared):
    marker = tmp_path / "PWNED"
    payload = npy_bytes(np.array([Evil(str(marker))], dtype=object), allow_pickle=True)
    assert b"PWNED" in payload
    entries = {"manifest.json": manifest(arr_spec("a", declared, [1])), "arrays/a.npy": payload}
    refused(write_zip(tmp_path / "z.lexp", entries), "Python objects|unsupported dtype")
    assert not marker.exists()


def test_torch_pickle_in_place_of_safetensors(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "PWNED"
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2), "evil": Evil(str(marker))}, buf)
    spec = {"model": {"file": "tensors/model.safetensors", "entries": {"w": {"dtype": "<f4", "shape": [2]}}}}
    entries = {"manifest.json": manifest(tensors=spec), "tensors/model.safetensors": buf.getvalue()}
    refused(write_zip(tmp_path / "z.lexp", entries), "not a safetensors file")
    assert not marker.exists()
    # a raw (legacy) pickle is refused the same way
    entries["tensors/model.safetensors"] = pickle.dumps({"evil": Evil(str(marker))})
    refused(write_zip(tmp_path / "z2.lexp", entries), "not a safetensors file")
    assert not marker.exists()


def st_bytes():
    return stnp.save({"w": np.arange(4, dtype=np.float32)})


def tensor_spec(shape):
    entries = {"w": {"dtype": "<f4", "shape": shape}}
    return {"model": {"file": "tensors/model.safetensors", "entries": entries}}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b[:8] + b"{broken json" + b[20:],
        lambda b: (10**6).to_bytes(8, "little") + b[8:],
        lambda b: b[:-4],  # data shorter than the offsets say
        lambda b: b[:4],
        lambda b: b.replace(b'"F32"', b'"X99"'),
    ],
)
def test_malformed_safetensors(tmp_path, mutate):
    spec = tensor_spec([4])
    entries = {"manifest.json": manifest(tensors=spec), "tensors/model.safetensors": mutate(st_bytes())}
    refused(write_zip(tmp_path / "z.lexp", entries), "safetensors|smaller|wrong size")


def test_safetensors_disagrees_with_manifest(tmp_path):
    spec = tensor_spec([2, 2])
    entries = {"manifest.json": manifest(tensors=spec), "tensors/model.safetensors": st_bytes()}
    refused(write_zip(tmp_path / "z.lexp", entries), "does not match the manifest")


@pytest.mark.parametrize("shape", [[10**12], [10**6, 10**6], [100_000_000]])
def test_absurd_declared_shape_fails_fast(tmp_path, shape):
    entries = {"manifest.json": manifest(arr_spec("a", "<f8", shape)), "arrays/a.npy": npy_bytes(np.zeros(4))}
    path = write_zip(tmp_path / "z.lexp", entries)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        refused(path, "over the limit|shorter than")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 1.0
    assert peak < 20 * 1024**2


def test_absurd_tensor_shape(tmp_path):
    spec = tensor_spec([10**12])
    entries = {"manifest.json": manifest(tensors=spec), "tensors/model.safetensors": st_bytes()}
    refused(write_zip(tmp_path / "z.lexp", entries), "over the limit")


def test_zip_bomb(tmp_path):
    n = 32 * 1024**2
    payload = npy_bytes(np.zeros(n, np.uint8))
    path = tmp_path / "bomb.lexp"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("manifest.json", manifest(arr_spec("a", "|u1", [n])))
        zf.writestr("arrays/a.npy", payload)
    assert path.stat().st_size < n // 100
    refused(path, "zip bomb")


def test_stored_sizes_beyond_the_file(tmp_path):
    # central directory claims more stored bytes than the archive holds (overlapping-entry bombs)
    path = tmp_path / "z.lexp"
    data = npy_bytes(np.zeros(1000))
    write_zip(path, {"manifest.json": manifest(arr_spec("a", "<f8", [1000])), "arrays/a.npy": data})
    raw = bytearray(path.read_bytes())
    cd = raw.rindex(b"PK\x01\x02")  # central record of the last entry, arrays/a.npy
    assert raw[cd + 46 : cd + 58] == b"arrays/a.npy"
    raw[cd + 20 : cd + 28] = (10**7).to_bytes(4, "little") * 2  # compressed and uncompressed sizes
    path.write_bytes(bytes(raw))
    refused(path, "zip bomb")


# ----------------------------------------------------------------------------- fuzzing


@pytest.fixture(scope="module")
def saved_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "s.lexp"
    small = Container(
        meta={"a": 1},
        arrays={"x": np.arange(6, dtype=np.float32).reshape(2, 3), "m": np.array([True, False])},
        tensors={"model": {"w": np.ones((2, 2), np.float32)}},
    )
    save_container(path, small)
    return path.read_bytes()


@settings(max_examples=200, deadline=None, database=None)
@given(
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_fuzzed_files_load_or_raise_workspace_error(tmp_path_factory, saved_bytes, edits, cut):
    data = bytearray(saved_bytes)
    for pos, val in edits:
        data[pos % len(data)] = val
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = tmp_path_factory.getbasetemp() / "fuzzed.lexp"
    path.write_bytes(bytes(data))
    try:
        result = load_container(path)
    except WorkspaceError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Container)
