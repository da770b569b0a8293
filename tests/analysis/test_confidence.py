"""The calibrated confidence of decoding a map (a VAE trained briefly on demo:digits): high at
held-out images' own positions, fading far from the data, and saying what actually happens —
each check run on the old uncalibrated score too, which fails it. The t-SNE map is
scikit-learn's: the inverse treats every non-linear map alike, and openTSNE's first run here
would spend half a minute compiling pynndescent."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.latent.latents import decode_latents
from latent_explorer.analysis.maps.confidence import calibrate, reliability
from latent_explorer.analysis.maps.inverse import InverseMap
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.pipeline.train import load_model
from latent_explorer.session.map_decoder import MapDecoder


@pytest.fixture(scope="module")
def trained(trained_digits_workspace):
    ws = trained_digits_workspace
    return ws, load_model(ws), ws.latents.mean, ws.dataset.images


@pytest.fixture(scope="module", params=["tsne", "pca"])
def calibrated(request, trained):
    ws, model, z, images = trained
    if request.param == "pca":
        proj = Projection("pca", 2)
        proj.fit(z)
        embedding, inverse = proj.embedding_, InverseMap.for_projection(proj, z)
    else:
        from sklearn.manifold import TSNE

        embedding = TSNE(2, init="pca", random_state=0, max_iter=250, n_jobs=1).fit_transform(z)
        inverse = InverseMap(z, embedding)
    cal = calibrate(inverse, embedding, images, lambda lat: decode_latents(model, lat), held_out=ws.val_idx)
    return request.param, embedding, inverse, cal


def _old(inverse, cal) -> np.ndarray:
    s = cal.samples
    return inverse.uncalibrated_confidence(s["r_map"], s["r_lat"])


def _reliable(predicted, cal) -> tuple[float, float, float]:
    """(ECE, worst over- and worst under-statement, observed − predicted, over bins of ≥ 50
    positions) on the held-out half."""
    s = cal.samples
    test = ~s["fit"] & (s["hole"] >= 0)
    table, ece = reliability(np.asarray(predicted)[test], s["event"][test])
    gaps = [r["observed"] - r["predicted"] for r in table if r["count"] >= 50]
    return ece, max(0.0, -min(gaps)), max(0.0, max(gaps))


def test_the_chance_matches_what_happens_on_images_it_was_not_fitted_on(calibrated):
    """Overstating misleads; understating far from the data is the cautious error. On this
    briefly trained model's t-SNE map, decodes 16–32 spacings off are faithful a quarter to a
    third of the time, and the confidence reads about 0.15 for them: 0.17 under (0.09 at most
    over). Far from the data the spread, which speaks of a neighbourhood, tapers off and the
    distances alone decide (`confidence._design`)."""
    method, _, inverse, cal = calibrated
    s = cal.samples
    ece, over, under = _reliable(cal.predict(s["r_map"], s["r_lat"], s["spread"]), cal)
    assert ece <= 0.08 and over <= 0.12 and under <= 0.2, (method, ece, over, under, cal.table)
    old_ece, old_over, old_under = _reliable(_old(inverse, cal), cal)
    assert old_ece > 0.15 and max(old_over, old_under) > 0.3  # the old score was no probability
    assert cal.ece == pytest.approx(ece) and 0 < cal.seconds < 30


def test_high_at_held_out_images_positions_and_fading_far_from_the_data(calibrated):
    method, embedding, inverse, cal = calibrated
    s = cal.samples
    p = cal.predict(s["r_map"], s["r_lat"], s["spread"])
    test = ~s["fit"]
    holes = np.unique(s["hole"][s["hole"] >= 0])
    by_hole = [p[test & (s["hole"] == h)].mean() for h in holes]
    seen = [s["event"][test & (s["hole"] == h)].mean() for h in holes]
    assert np.all(np.diff(by_hole[:-1]) <= 0.02), by_hole  # further from the data, never more trusted
    # the widest hole leaves k + 1 points at the map's far edge, which agree with one another:
    # on a PCA map the plane's exact inverse keeps about a fifth of those decodes faithful
    assert by_hole[-1] <= by_hole[-2] + 0.02 or abs(by_hole[-1] - seen[-1]) <= 0.05, (by_hole, seen)
    if method == "tsne":  # a t-SNE map of this model: neighbours on the map look alike
        summary = cal.summary()
        assert summary["held_out_mean"] >= 0.5 and summary["held_out_observed"] >= 0.5
        far = test & (s["hole"] >= 64)  # 64+ map spacings from any point: nothing like it there
        assert p[far].mean() <= 0.2 and s["event"][far].mean() <= 0.2
        assert _old(inverse, cal)[far].mean() < 0.2 and not s["event"][test & (s["hole"] == 0)].all()
    lo, hi = inverse.bounds
    own, off_map = inverse.features(embedding[:20]), inverse.features(hi + 3 * (hi - lo))
    assert cal.predict(own.r_map, own.r_lat, own.spread).min() == 1.0  # there it decodes that image's reconstruction
    assert cal.predict(off_map.r_map, off_map.r_lat, off_map.spread)[0] < 0.05  # beyond anything checked


def test_calibration_is_deterministic(trained):
    ws, model, z, images = trained
    proj = Projection("pca", 2)
    proj.fit(z)
    runs = [calibrate(InverseMap.for_projection(proj, z), proj.embedding_, images,
                      lambda lat: decode_latents(model, lat), held_out=ws.val_idx, centres=40) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].weights, runs[1].weights)
    np.testing.assert_array_equal(runs[0].samples["event"], runs[1].samples["event"])


def test_the_map_decoder_calibrates_with_images_and_falls_back_without(trained):
    ws, model, z, images = trained
    proj = Projection("pca", 2)
    proj.fit(z)
    far = proj.embedding_.max(0) + 2 * np.ptp(proj.embedding_, 0)
    with_images = MapDecoder(model, z, proj, images=images, held_out=ws.val_idx)
    assert with_images.wait_calibrated(60) and with_images.calibration is not None
    on_point, off = with_images.decode_at(proj.embedding_[3]), with_images.decode_at(far)
    assert on_point.calibrated and on_point.confidence == 1.0 and off.confidence < 0.05
    assert with_images.calibration_note is None
    # embeddings only, or images the decoder does not make: the uncalibrated score, said so
    for decoder, why in [(MapDecoder(None, z, proj), "no decoder"),
                         (MapDecoder(model, z, proj), "no images"),
                         (MapDecoder(model, z, proj, images=images[:, :8, :8]), "differ")]:
        assert decoder.wait_calibrated(60) and decoder.calibration is None and why in decoder.calibration_note
        latents, conf = decoder.latent_at(np.stack([proj.embedding_[3], far]))
        f = decoder.inverse_map.features(np.stack([proj.embedding_[3], far]))
        np.testing.assert_allclose(conf, decoder.inverse_map.uncalibrated_confidence(f.r_map, f.r_lat), rtol=1e-6)
        assert conf[0] > 0.99 and conf[1] < 0.05 and not decoder.inverse_map.calibrated
