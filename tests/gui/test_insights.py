"""The Insights dock on a real trained model: neighbours, anomalies, clusters."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from .helpers import LONG, hint_on, viewport_pixels


def test_neighbours_anomalies_and_clusters(window, qtbot, saved_digits_workspace, tmp_path):
    window.session.open(saved_digits_workspace)
    QApplication.processEvents()
    s, panel = window.session, window.insights
    labels = s.dataset.labels
    # neighbours: mostly the same digit, and a click on one selects it
    s.select(int(np.flatnonzero(labels == 0)[0]))
    shown = panel.neighbour_indices
    assert len(shown) == 8 and np.mean(labels[shown] == 0) >= 0.75
    assert "share its label" in panel.neighbour_caption.text()
    panel.neighbour_buttons[2].click()
    assert s.selected == shown[2]
    # anomalies: before the search the empty list says what will show; then a list with reasons,
    # the worst-reconstructed image in it; colour option added
    hint = panel.anomaly_list.hint
    assert panel.anomaly_list.count() == 0 and "least like the rest" in hint
    assert (viewport_pixels(panel.anomaly_list) < 200).sum() > 200  # its words, in grey
    assert (hint_on(panel.anomaly_list, "") < 200).sum() == 0
    panel.anomaly_list.hint = hint
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        panel.anomalies_button.click()
    assert panel.anomaly_list.count() == 30
    assert np.array_equal(viewport_pixels(panel.anomaly_list), hint_on(panel.anomaly_list, ""))  # no hint over the rows
    panel.anomaly_list.hint = hint
    listed = [panel.anomaly_list.item(i).data(256) for i in range(30)]
    assert int(np.argmax(s.workspace.latents.recon_error)) in listed
    assert "reconstruction error" in panel.anomaly_list.item(0).text() or "isolated" in panel.anomaly_list.item(0).text()
    panel.anomaly_list.itemClicked.emit(panel.anomaly_list.item(3))
    assert s.selected == listed[3]
    combo = window.map_toolbar.colour
    assert combo.findData("anomaly") >= 0
    # clusters: as many as digits, purity far above chance, the map coloured by them
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        panel.clusters_button.click()
    meta = s.workspace.extra_meta["clusters"]
    assert meta["count"] == 10 and meta["purity"] > 0.5
    assert window.map_view.colour_by == "cluster" and combo.currentData() == "cluster"
    assert "purity" in panel.cluster_summary.text() and window.isWindowModified()
    # all of it is saved with the workspace and comes back
    path = s.save(tmp_path / "insights.lexp")
    s.open(path)
    QApplication.processEvents()
    assert panel.anomaly_list.count() == 30 and "10 clusters" in panel.cluster_summary.text()
    assert combo.findData("cluster") >= 0
