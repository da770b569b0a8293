"""The first launch opens onto the shipped digits demo: a populated window at once, no training."""
from __future__ import annotations

from latent_explorer.analysis.report.diagnostics import trustworthiness_continuity
from latent_explorer.gui import first_run
from latent_explorer.gui.settings import AppSettings
from latent_explorer.infra.resources import resource_path

from .helpers import LONG


def test_the_shipped_demo_opens_populated_and_unsaved(window, qtbot, tmp_path):
    assert resource_path(*first_run.DEMO) is not None, "resources/demo/digits.lexp is missing"
    window.settings = AppSettings(str(tmp_path / "fresh.ini"))  # a first launch
    with qtbot.waitSignal(window.session.workspace_changed, timeout=LONG):
        opened = first_run.open_on_first_launch(window)
    assert opened
    s = window.session
    assert s.n_points == 1797 and s.has_images
    assert s.map is not None and s.map.shape == (1797, 2)
    assert s.projection.method == "umap"  # the stored map, restored: nothing was computed
    assert s.model is not None and s.workspace.train_state.epoch > 0
    assert s.path is None and "not saved" in window.windowTitle()
    assert len(window.steering.directions) > 5  # the sliders are there
    assert window.insights.anomaly_list.count() > 0
    # the map a person sees first is a good one
    trust, _ = trustworthiness_continuity(s.workspace.latents.mean, s.map, k=10, sample=1000)
    assert trust >= 0.95
    assert s.workspace.report["knn_accuracy"] >= 0.9
    qtbot.waitUntil(lambda: window.runner.running_threads() == 0, timeout=LONG)
    assert not window.settings.first_launch()  # only once


def test_first_launch_is_remembered_in_the_settings_file(tmp_path):
    path = str(tmp_path / "settings.ini")
    assert AppSettings(path).first_launch()
    assert not AppSettings(path).first_launch()
