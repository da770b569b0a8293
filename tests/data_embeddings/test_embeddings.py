"""Precomputed embeddings: .npy (+ sidecar) and .csv, round trips and every user error."""
from __future__ import annotations

import os

import numpy as np
import pytest

from latent_explorer.data.dataset import Dataset
from latent_explorer.data.embeddings import load_embeddings, save_embeddings, sidecar_path
from latent_explorer.errors import UserError


def vectors(n=5, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


# ----------------------------------------------------------------------------- .npy


def test_npy_plain(tmp_path):
    path = tmp_path / "emb.npy"
    v = vectors()
    np.save(path, v.astype(np.float64))
    ds = load_embeddings(path)
    assert isinstance(ds, Dataset) and ds.images is None and not ds.has_images
    assert ds.vectors.dtype == np.float32 and ds.vectors.shape == (5, 3)
    np.testing.assert_array_equal(ds.vectors, v)
    assert len(ds) == 5
    assert ds.labels is None and ds.paths is None and ds.attributes == {} and ds.categories == {}
    assert ds.source == {"kind": "embeddings", "path": str(path.resolve()), "n": 5, "dim": 3}


def test_npy_integer_array_accepted(tmp_path):
    path = tmp_path / "ints.NPY"
    with open(path, "wb") as f:  # np.save(path) would append ".npy"
        np.save(f, np.arange(6, dtype=np.int64).reshape(3, 2))
    assert load_embeddings(path).vectors.tolist() == [[0, 1], [2, 3], [4, 5]]


def test_npy_with_sidecar(tmp_path):
    path = tmp_path / "emb.npy"
    np.save(path, vectors(n=4))
    sidecar_path(path).write_text(
        "Path,Label,score,split\n"
        "a.png,cat,0.5,train\n"
        "b.png,dog,,test\n"
        "c.png,,1e3,train\n"
        "d.png,cat,-2,\n"
    )
    ds = load_embeddings(path)
    assert ds.paths == ["a.png", "b.png", "c.png", "d.png"]
    assert ds.label_names == ["cat", "dog"]
    assert ds.labels.tolist() == [0, 1, -1, 0]
    assert ds.label_list() == ["cat", "dog", None, "cat"]
    np.testing.assert_array_equal(ds.attributes["score"], [0.5, np.nan, 1000.0, -2.0])
    assert ds.category_names["split"] == ["test", "train"]
    assert ds.categories["split"].tolist() == [1, 0, 1, -1]


def test_numeric_labels_sorted_numerically(tmp_path):
    path = tmp_path / "emb.npy"
    np.save(path, vectors(n=3))
    sidecar_path(path).write_text("label\n10\n2\n1\n")
    ds = load_embeddings(path)
    assert ds.label_names == ["1", "2", "10"]
    assert ds.labels.tolist() == [2, 1, 0]


def test_sidecar_row_mismatch(tmp_path):
    path = tmp_path / "emb.npy"
    np.save(path, vectors(n=4))
    sidecar_path(path).write_text("label\na\nb\n")
    with pytest.raises(UserError, match=r"emb\.meta\.csv has 2 rows but emb\.npy has 4 vectors"):
        load_embeddings(path)


def test_sidecar_ragged_row(tmp_path):
    path = tmp_path / "emb.npy"
    np.save(path, vectors(n=2))
    sidecar_path(path).write_text("path,label\n\na.png,x\nb.png\n")
    with pytest.raises(UserError, match="line 4 has 1 cells but the header has 2"):
        load_embeddings(path)


@pytest.mark.parametrize(
    "arr,match",
    [
        (np.zeros(5, np.float32), r"2-D array.*shape \(5,\)"),
        (np.zeros((2, 3, 4), np.float32), "2-D array"),
        (np.zeros((0, 8), np.float32), "the array is empty"),
        (np.zeros((4, 0), np.float32), "the array is empty"),
        (np.array([["a", "b"]]), "non-numeric"),
        (np.zeros((2, 2), dtype=[("x", "f4")]), "non-numeric"),
    ],
)
def test_npy_errors(tmp_path, arr, match):
    path = tmp_path / "bad.npy"
    np.save(path, arr)
    with pytest.raises(UserError, match=match):
        load_embeddings(path)


def test_npy_nan_and_inf_counted(tmp_path):
    v = vectors(n=6)
    v[1, 0] = np.nan
    v[4, 2] = np.inf
    v[4, 1] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, v)
    with pytest.raises(UserError, match=r"NaN or infinite values in 2 of 6 rows \(first at index 1\)"):
        load_embeddings(path)


def test_npy_overflowing_float32(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.array([[1.0, 1e300], [1.0, 2.0]]))
    with pytest.raises(UserError, match="too large for float32 in 1 of 2 rows"):
        load_embeddings(path)


def test_npy_object_array_refused(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match="Python objects"):
        load_embeddings(path)


@pytest.mark.parametrize("data", [b"", b"garbage bytes", b"\x93NUMPY\x01\x00"])
def test_npy_corrupt(tmp_path, data):
    path = tmp_path / "c.npy"
    path.write_bytes(data)
    with pytest.raises(UserError, match="not a valid .npy"):
        load_embeddings(path)


def test_missing_file_and_wrong_extension(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_embeddings(tmp_path / "nope.npy")
    other = tmp_path / "emb.txt"
    other.write_text("1,2\n")
    with pytest.raises(UserError, match=r"unsupported embeddings format '\.txt'"):
        load_embeddings(other)
    with pytest.raises(UserError, match="folder"):
        load_embeddings(tmp_path)


# ----------------------------------------------------------------------------- .csv


def test_csv_all_numeric_columns_are_the_vector(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Path,LABEL,a,b,c,colour\nx.png,cat,1,2,3,red\ny.png,dog,4,5.5,-6e-1,blue\n\n")
    ds = load_embeddings(path)
    np.testing.assert_allclose(ds.vectors, [[1, 2, 3], [4, 5.5, -0.6]])
    assert ds.paths == ["x.png", "y.png"]
    assert ds.label_list() == ["cat", "dog"]
    assert ds.category_names == {"colour": ["blue", "red"]}
    assert ds.categories["colour"].tolist() == [1, 0]
    assert ds.attributes == {}
    assert ds.source["kind"] == "embeddings" and ds.source["n"] == 2 and ds.source["dim"] == 3


def test_csv_z_columns_with_attributes(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("age,z1,z0\n30,0.5,1.5\n,2,3\n")
    ds = load_embeddings(path)
    np.testing.assert_array_equal(ds.vectors, [[1.5, 0.5], [3, 2]])  # z columns in index order
    np.testing.assert_array_equal(ds.attributes["age"], [30, np.nan])


def test_csv_semicolons_and_bom(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes("\ufeffx;y\n1;2\n3;4\n".encode("utf-8"))
    np.testing.assert_array_equal(load_embeddings(path).vectors, [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    "text,match",
    [
        ("", "empty"),
        ("a,b\n", "header row but no data rows"),
        ("path,label\nx.png,cat\n", "no numeric columns"),
        ("name,colour\nfoo,red\n", "no numeric columns"),
        ("a,b\n1,2\n3,nan\n5,inf\n", r"NaN or infinite values in 2 of 3 rows \(first at index 1\)"),
        ("a,b\n1,2\n3,\n", r"in 1 of 2 rows"),
        ("z0,z1\n1,2\n3,oops\n", "vector column 'z1' contains non-numeric"),
        ("a,b\n1,2\n3\n", "line 3 has 1 cells"),
        ("a,A\n1,2\n", "appears twice"),
        ("a,,b\n1,2,3\n", "empty column name"),
    ],
)
def test_csv_errors(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(UserError, match=match):
        load_embeddings(path)


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(UserError, match="UTF-8"):
        load_embeddings(path)


# ----------------------------------------------------------------------------- round trips


META = dict(
    labels=["cat", None, "dog, big", "cat", '"quoted"'],
    paths=["a.png", "dir/b c.png", "c.png", "d.png", "e.png"],
    attributes={"score": np.array([0.1, np.nan, 3.0, -1e-20, 123456.789])},
    categories={"split": ["train", "test", None, "train", "test"]},
)


def check_round_trip(ds, v):
    np.testing.assert_array_equal(ds.vectors, v)
    assert ds.label_list() == META["labels"]
    assert ds.paths == META["paths"]
    np.testing.assert_array_equal(ds.attributes["score"], META["attributes"]["score"])
    names = ds.category_names["split"]
    assert [names[c] if c >= 0 else None for c in ds.categories["split"]] == META["categories"]["split"]


@pytest.mark.parametrize("ext", [".npy", ".csv"])
def test_round_trip_with_metadata(tmp_path, ext):
    v = vectors(n=5, d=4)
    v[0, 0] = np.float32(0.1)
    v[1, 1] = np.finfo(np.float32).max
    v[2, 2] = np.finfo(np.float32).tiny
    v[3, 3] = -0.0
    path = save_embeddings(tmp_path / f"out{ext}", v, **META)
    ds = load_embeddings(path)
    check_round_trip(ds, v)
    assert ds.source["dim"] == 4


@pytest.mark.parametrize("ext", [".npy", ".csv"])
def test_round_trip_vectors_only(tmp_path, ext):
    v = vectors(n=50, d=7, seed=3) * np.float32(1e-3)
    path = save_embeddings(tmp_path / f"only{ext}", v)
    ds = load_embeddings(path)
    np.testing.assert_array_equal(ds.vectors, v)
    assert ds.labels is None and ds.paths is None and ds.attributes == {}
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_csv_round_trip_is_bit_exact_for_random_float32(tmp_path):
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**32, size=(400, 5), dtype=np.uint64).astype(np.uint32)
    v = bits.view(np.float32)
    v = np.where(np.isfinite(v), v, np.float32(1.0))
    ds = load_embeddings(save_embeddings(tmp_path / "bits.csv", v))
    assert np.array_equal(ds.vectors.view(np.uint32), v.view(np.uint32))


def test_resaving_without_metadata_removes_stale_sidecar(tmp_path):
    path = tmp_path / "e.npy"
    save_embeddings(path, vectors(n=5), labels=["a"] * 5)
    assert sidecar_path(path).exists()
    save_embeddings(path, vectors(n=3))
    assert not sidecar_path(path).exists()
    assert load_embeddings(path).labels is None


def test_labels_all_missing_round_trip(tmp_path):
    path = save_embeddings(tmp_path / "e.npy", vectors(n=2), labels=[None, None])
    ds = load_embeddings(path)
    assert ds.labels.tolist() == [-1, -1] and ds.label_list() == [None, None] and not ds.is_labelled


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(path_name="x.txt"), "can be saved as .npy or .csv"),
        (dict(labels=["a"]), "1 labels given for 3 vectors"),
        (dict(paths=["a", "b"]), "2 paths given for 3 vectors"),
        (dict(attributes={"s": np.zeros(2)}), "attribute 's' has shape"),
        (dict(attributes={"label": np.zeros(3)}), "reserved"),
        (dict(attributes={"z0": np.zeros(3)}), "reserved"),
        (dict(attributes={"s": np.zeros(3)}, categories={"S": ["a"] * 3}), "reserved or repeated"),
        (dict(categories={"c": ["a"]}), "category 'c' has 1 values"),
        (dict(vectors=np.full((3, 2), np.nan)), "NaN"),
        (dict(vectors=np.zeros(3)), "2-D"),
        (dict(vectors=np.array([["a", "b"]] * 3)), "non-numeric"),
    ],
)
def test_save_errors(tmp_path, kwargs, match):
    name = kwargs.pop("path_name", "e.csv")
    v = kwargs.pop("vectors", vectors(n=3))
    with pytest.raises(UserError, match=match):
        save_embeddings(tmp_path / name, v, **kwargs)
    assert os.listdir(tmp_path) == []


def test_save_to_missing_folder(tmp_path):
    with pytest.raises(UserError, match="cannot save embeddings"):
        save_embeddings(tmp_path / "no" / "e.csv", vectors())


def test_saved_attributes_read_as_people_wrote_them(tmp_path):
    """A value typed as 0.4121 is written as 0.4121, not 0.41210000000000002, and reads back equal."""
    out = save_embeddings(tmp_path / "e.csv", np.zeros((2, 2), np.float32),
                          attributes={"size": np.array([0.4121, 1e-20])})
    text = out.read_text()
    assert "0.4121," in text and "0.41210000000000002" not in text and "1e-20," in text
    back = load_embeddings(out)
    assert back.attributes["size"].tolist() == [0.4121, 1e-20]
