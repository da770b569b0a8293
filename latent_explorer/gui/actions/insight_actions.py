"""The Insights dock's requests (anomalies, clusters) as tasks in the window's worker
("insights": a new request cancels the running one); the results go to the session and the views."""
from __future__ import annotations

from latent_explorer.errors import UserError
from latent_explorer.gui.window_services import WindowServices
from latent_explorer.session import insights
from latent_explorer.workspace import schema


class InsightActions:
    """Runs the Insights dock's requests as tasks in the window's worker ("insights": a new
    request cancels the running one) and hands the results to the session and the views."""

    def __init__(self, window: WindowServices) -> None:
        self.window = window

    def find_anomalies(self):
        return self._insight("anomalies", insights.anomalies_task, self._adopt_anomalies)

    def find_clusters(self):
        return self._insight("clusters", insights.clusters_task, self._adopt_clusters)

    def _insight(self, what: str, make, adopt):
        try:
            worker = self.window.runner.start("insights", lambda t: make(self.window.session, cancel=t))
        except UserError as exc:
            self.window.show_error(f"Cannot compute {what}", str(exc))
            return None
        ws = self.window.session.workspace
        worker.finished.connect(lambda result: adopt(result) if self.window.session.workspace is ws else None)
        worker.failed.connect(lambda exc, tb: self.window.report_failure(f"Cannot compute {what}", exc, tb))
        worker.progressed.connect(lambda p: self.window.show_status(p.message))
        return worker

    def _adopt_anomalies(self, result) -> None:
        insights.adopt_anomalies(self.window.session, result)
        self.window.insights.show_anomalies(result["rows"])
        self.window.refresh_map_controls(self.window.session.map)

    def _adopt_clusters(self, clustering) -> None:
        insights.adopt_clusters(self.window.session, clustering)
        self.window.insights.show_cluster_summary(self.window.session.workspace.extra_meta[schema.CLUSTERS])
        self.window.map_view.set_colour_by("cluster")
        self.window.refresh_map_controls(self.window.session.map)



__all__ = ["InsightActions"]
