"""A workspace's report as rows of text a person reads (the model panel's diagnostics)."""
from __future__ import annotations

from latent_explorer.training.schedule import DECAY_SHARE
from latent_explorer.workspace.session_file import Workspace


def diagnostic_rows(ws: Workspace) -> list[tuple[str, str]]:
    """(name, value) rows summarising a workspace's report, for the model panel."""
    r = ws.report

    def num(key: str, fmt: str = "{:.3f}") -> str:
        v = r.get(key)
        return "n/a" if v is None else fmt.format(v)

    rows = [("Images", f"{r.get('n_images', len(ws.dataset)):,} ({r.get('n_skipped', 0)} skipped)")]
    if ws.model_config is not None:
        c = ws.model_config
        net = f", {c.arch} net, {c.loss} loss" if getattr(c, "arch", None) and getattr(c, "loss", None) else ""
        rows.append(("Model", f"{c.kind}, {c.latent_dim}-d latents, {c.image_size}px{net}"))
    if ws.train_state is not None:
        lr = ws.train_params.get("lr") if isinstance(ws.train_params, dict) else None
        rate = f" at learning rate {lr:g}" if isinstance(lr, (int, float)) else ""
        if rate and ws.train_params.get("schedule") == "decay":
            rate += f", annealed over the last {DECAY_SHARE:.0%} of the steps"
        n = ws.train_state.epoch
        rows.append(("Training", f"{n} epoch{'' if n == 1 else 's'}{rate}, {ws.train_state.seconds:.1f} s — "
                                 f"{ws.train_status}"))
    if "knn_accuracy" in r:
        rows.append(("5-NN accuracy", f"{num('knn_accuracy')} (PCA of pixels {num('pca_knn_accuracy')})"))
    if "recon_mse_val" in r:
        rows.append(("Recon. MSE", f"held-out {num('recon_mse_val', '{:.4f}')}, train {num('recon_mse_train', '{:.4f}')}"))
    fit = r.get("fit_verdict")
    if isinstance(fit, dict) and "verdict" in fit:
        rows.append(("Fit", f"{fit['verdict']}: {fit.get('reason', '')}"))
    if isinstance(r.get("psnr"), dict):
        p = r["psnr"]
        pca = f" (PCA of pixels {p['pca_val']} dB)" if p.get("pca_val") is not None else ""
        pca_train = f" (PCA {p['pca_train']} dB)" if p.get("pca_train") is not None else ""
        rows.append(("PSNR", f"held-out {p.get('val')} dB{pca}, train {p.get('train')} dB{pca_train} · "
                             f"compression {r.get('compression_ratio', '?')}×"))
    against = r.get("against_pca")
    if isinstance(against, dict) and against.get("verdict"):
        rows.append(("Against PCA", against["verdict"]))
    samples = r.get("sample_quality")
    if isinstance(samples, dict) and samples.get("ratio") is not None:
        black = f", {samples['black']:.1%} black" if samples.get("black") else ""
        if black and samples.get("black_photos") is not None:
            black += f", the images {samples['black_photos']:.1%}"
        elif black and samples.get("black_held_out") is not None:  # reported before 2026-12-07
            black += f", held-out images {samples['black_held_out']:.1%}"
        rows.append(("Samples", f"Fréchet distance to held-out images {samples['ratio']:.1f}× that of the "
                                f"training images (prior: {samples['prior']}{black})"))
    trust = r.get("trustworthiness")
    if isinstance(trust, dict) and trust:
        cont = r.get("continuity") or {}
        rows.append(("Map quality", ", ".join(
            f"{name}: trust {t:.2f}, continuity {cont.get(name, float('nan')):.2f}" for name, t in trust.items())))
    clusters = r.get("clusters")
    if isinstance(clusters, dict) and clusters.get("purity") is not None:
        rows.append(("Clusters", f"{clusters['count']} k-means clusters, purity {clusters['purity']:.2f} vs labels"))
    topo = r.get("topology")
    if isinstance(topo, dict) and "components" in topo:
        rows.append(("Topology", f"{topo['components']} component(s), {topo.get('loops', 0)} loop(s)"))
    if r.get("active_units") is not None:
        rows.append(("Active units", f"{r['active_units']} of {r.get('latent_dim', '?')}"))
    if ws.train_message and ws.train_status not in ("finished", ""):
        rows.append(("", ws.train_message))  # why it stopped early, was cancelled, diverged
    return rows
