"""The analysis commands of `latent-explorer`: project, directions, interpolate, anomalies.

Each reads a workspace, computes with the Qt-free analysis package, stores what it computed back
in the workspace (atomically) so the app opens it without computing again, and prints a summary
or JSON."""
from __future__ import annotations

import json
import sys

import numpy as np

from latent_explorer.cli.progress import print_json
from latent_explorer.errors import UserError
from latent_explorer.workspace import schema


def add_parsers(sub) -> None:
    p = sub.add_parser("project", help="compute a map (PCA, t-SNE, UMAP) of a workspace's latents")
    p.add_argument("workspace")
    p.add_argument("--method", default="umap", choices=["pca", "tsne", "umap"])
    p.add_argument("--dim", type=int, default=2, choices=[2, 3])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", default=None, metavar="FILE",
                   help="also write the coordinates (.csv with image paths, or .npy)")
    p.add_argument("--no-save", action="store_true", help="do not store the map in the workspace")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("directions", help="every attribute direction with its held-out score and monotonicity")
    p.add_argument("workspace")
    p.add_argument("--json", action="store_true")
    p.add_argument("--walks", type=int, default=16, metavar="N", help="walks per direction for monotonicity")
    p.add_argument("--no-save", action="store_true")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("anomalies", help="the most unusual images, by reconstruction error and latent density")
    p.add_argument("workspace")
    p.add_argument("--top", type=int, default=20, metavar="K")
    p.add_argument("--by", default="combined", choices=["combined", "recon", "density"])
    p.add_argument("--k", type=int, default=10, help="neighbours for the density score")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-save", action="store_true")
    p.add_argument("--quiet", action="store_true")




def _load(path: str, need_model: bool = False):
    from latent_explorer.pipeline.train import load_model
    from latent_explorer.workspace.session_file import load_workspace

    ws = load_workspace(path)
    if ws.latents is None:
        raise UserError("this workspace has no latents yet: train it first")
    model = None
    if need_model:
        if not ws.has_decoder:
            raise UserError("this workspace has no decoder (it was made from precomputed embeddings)")
        model = load_model(ws)
    return ws, model


def _save_back(ws, path: str) -> None:
    from latent_explorer.workspace.session_file import save_workspace

    save_workspace(path, ws)


def cmd_project(args) -> int:
    from latent_explorer.analysis.report.diagnostics import trustworthiness_continuity
    from latent_explorer.analysis.maps.projection import Projection
    from latent_explorer.cli.progress import drive
    from latent_explorer.infra.tasks import CancelToken
    from latent_explorer.workspace.stored_map import store_map

    ws, _ = _load(args.workspace)
    z = ws.latents.mean
    params = {} if args.method == "pca" else {"random_state": args.seed}
    projection = Projection(args.method, args.dim, **params)
    cancel = CancelToken()
    drive(projection.fit_task(z, cancel), cancel, args.quiet)
    emb = np.asarray(projection.embedding_)
    placed = np.isfinite(emb).all(1)
    trust, cont = trustworthiness_continuity(z[placed], emb[placed], k=10)
    if args.output:
        from latent_explorer.workspace.exports import write_map_coordinates

        target = write_map_coordinates(args.output, emb, ws.dataset)
        print(f"wrote {len(emb)} map coordinates to {target}", file=sys.stderr)
    if not args.no_save:
        store_map(ws, projection)
        _save_back(ws, args.workspace)
    summary = {"method": args.method, "dim": args.dim, "n_points": int(len(emb)),
               "trustworthiness": round(trust, 4), "continuity": round(cont, 4)}
    print(json.dumps(summary))
    return 0


def cmd_directions(args) -> int:
    from latent_explorer.analysis.directions.direction_set import directions_to_state, standard_directions
    from latent_explorer.analysis.directions.monotonicity import score_monotonicity
    from latent_explorer.cli.progress import drive
    from latent_explorer.data.sources import reload_source
    from latent_explorer.infra.tasks import CancelToken

    ws, model = _load(args.workspace, need_model=True)
    cancel = CancelToken()
    dataset = ws.dataset
    try:
        reloaded = drive(reload_source(ws.dataset.source, cancel), cancel, True)
        if len(reloaded) == len(dataset):
            dataset = reloaded
    except UserError:
        pass  # labels and attributes are in the workspace; images are not needed here
    dirs = standard_directions(dataset, ws.latents, ws.train_idx, ws.val_idx)
    dirs = drive(score_monotonicity(model, dirs, dataset, ws.latents, ws.train_idx, n_walks=args.walks),
                 cancel, args.quiet)
    if not args.no_save:
        ws.extra_meta[schema.DIRECTIONS], ws.extra_arrays[schema.DIRECTIONS] = directions_to_state(dirs)
        _save_back(ws, args.workspace)
    rows = [{k: v for k, v in d.to_dict().items() if k != "unit"} for d in dirs]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            mono = r["monotonicity"]
            print(f"{r['name']:<28} {r['kind']:<11} {r['score_name']:<28} {r['score']:.3f}   "
                  f"monotonicity {mono['spearman']:+.2f}, moved {mono['moved']:.0%} of range")
    return 0


def cmd_anomalies(args) -> int:
    from latent_explorer.analysis.latent.anomalies import anomaly_scores_task, top_anomalies
    from latent_explorer.cli.progress import drive
    from latent_explorer.infra.tasks import CancelToken

    ws, _ = _load(args.workspace)
    cancel = CancelToken()
    scores = drive(anomaly_scores_task(ws.latents.mean, ws.latents.recon_error, args.k, cancel=cancel),
                   cancel, args.quiet)
    rows = top_anomalies(scores, args.top, args.by)
    ds = ws.dataset
    for r in rows:
        i = r["index"]
        r["path"] = ds.paths[i] if ds.paths else None
        r["label"] = None if ds.labels is None or ds.labels[i] < 0 else ds.label_names[ds.labels[i]]
    if not args.no_save:
        ws.extra_meta[schema.ANOMALIES] = {"k": scores.k, "by": args.by, "top": rows}  # as the app lists them
        ws.extra_arrays[schema.ANOMALY_DENSITY] = scores.density.astype(np.float32)
        ws.extra_arrays[schema.ANOMALY_SCORES] = scores.combined.astype(np.float32)
        _save_back(ws, args.workspace)
    if args.json:
        print_json(rows)
    else:
        for rank, r in enumerate(rows, 1):
            where = r["path"] or f"#{r['index']}"
            print(f"{rank:>3}. {where}" + (f" [{r['label']}]" if r["label"] else "") + f" — {r['reason']}")
    return 0


COMMANDS = {"project": cmd_project, "directions": cmd_directions, "anomalies": cmd_anomalies}

__all__ = ["COMMANDS", "add_parsers"]
