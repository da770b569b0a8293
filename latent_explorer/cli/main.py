"""The `latent-explorer` command: scan, train, resume, report, export, import, demo, the
analysis commands of `cli_analysis` (project, directions, anomalies) and the generating
commands of `cli_generate` (interpolate, sample, arithmetic). `train` also runs under torchrun,
over several processes (`_train_distributed`)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from latent_explorer import __version__
from latent_explorer.cli.analysis import COMMANDS as ANALYSIS_COMMANDS
from latent_explorer.cli.analysis import add_parsers as add_analysis_parsers
from latent_explorer.cli.generate import COMMANDS as GENERATE_COMMANDS
from latent_explorer.cli.generate import add_parsers as add_generate_parsers
from latent_explorer.cli.progress import print_json
from latent_explorer.errors import UserError


def _add_train_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="vae", choices=["ae", "vae", "beta-vae"])
    p.add_argument("--latent-dim", type=int, default=16, metavar="N")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="default: about 2,500 optimiser steps (10–200 epochs), 150 for demo:scenes")
    p.add_argument("--image-size", type=int, default=None, metavar="N",
                   help="pixels (16–128); default 32 for folders, native for demos")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--beta", type=float, default=None, help="KL weight (default 1; 4 for beta-vae)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None,
                   help="Adam's learning rate (default 1e-3; 3e-3 for folders of over 1,000 images "
                        "at up to 32 px; 4e-3 for demo:scenes)")
    p.add_argument("--lr-schedule", default="auto", choices=["auto", "constant", "decay"],
                   help="decay: hold the learning rate, then anneal it over the last 30%% of the steps "
                        "(auto: decay with the 3e-3 of folders of over 1,000 images at up to 32 px, "
                        "else constant)")
    p.add_argument("--color", default="auto", choices=["auto", "grey", "rgb"])
    p.add_argument("--device", default="auto",
                   help="auto, cpu, cuda, cuda:1, mps (under torchrun: cuda, each process on its own GPU)")
    p.add_argument("--augment", default="auto", choices=["auto", "off", "shift", "flip+shift", "flip+shift+zoom"],
                   help="mirror, shift and zoom into training images (auto: all three for folders, off for the demos)")
    p.add_argument("--weight-decay", type=float, default=0.0, metavar="W", help="AdamW weight decay (default 0)")
    p.add_argument("--loss", default="auto", choices=["auto", "mse", "focus"],
                   help="reconstruction loss: mse or focus (pixels that stand out from their background "
                        "weigh more: small objects, texture); auto: mse, focus for demo:scenes")
    p.add_argument("--arch", default="auto", choices=["auto", "conv", "resnet", "broadcast"],
                   help="network (auto: conv, broadcast for demo:scenes): conv (strided convolutions), "
                        "resnet (GroupNorm + SiLU residual "
                        "blocks, upsample + conv decoder; slower a step) or broadcast (a spatial broadcast "
                        "decoder: an object's place gets its own latent direction; slower still)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for torch (default: every idle core, shared out under torchrun)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latent-explorer", description="See and steer the latent space of image models."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("scan", help="list what in a folder would load and what is skipped, and why")
    p.add_argument("folder")
    p.add_argument("--json", action="store_true")
    p.add_argument("--image-size", type=int, default=32)

    p = sub.add_parser("train", help="train a model on a folder or demo:NAME and save a workspace")
    p.add_argument("source", help="an image folder, demo:digits, demo:sprites, demo:scenes (n= and seed= as in "
                   "demo:scenes?n=3000&seed=1), or vectors .npy/.csv")
    p.add_argument("-o", "--output", required=True, metavar="WORKSPACE")
    p.add_argument("--quiet", action="store_true")
    _add_train_options(p)

    p = sub.add_parser("resume", help="continue training a saved workspace")
    p.add_argument("workspace")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="more epochs (default: finish the plan)")
    p.add_argument("-o", "--output", default=None, metavar="WORKSPACE", help="default: overwrite")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("report", help="the numbers of a workspace")
    p.add_argument("workspace")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="write a workspace's latents for other tools")
    p.add_argument("workspace")
    p.add_argument("--latents", required=True, metavar="FILE", help=".npy (labels/paths beside) or .csv")

    p = sub.add_parser("import", help="explore your own TorchScript decoder (or GAN generator) and encoder")
    p.add_argument("--decoder", required=True, metavar="DEC.pt", help="TorchScript file (torch.jit.save)")
    p.add_argument("--encoder", default=None, metavar="ENC.pt", help="TorchScript encoder (optional)")
    p.add_argument("--source", default=None, help="images to encode (needs --encoder): a folder or demo:NAME")
    p.add_argument("--latent-dim", type=int, default=None, metavar="N", help="default: from the encoder")
    p.add_argument("--samples", type=int, default=2000, metavar="N", help="prior samples when there is no source")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output-range", default="auto", choices=["auto", "0,1", "-1,1"],
                   help="the model's pixel range (auto: detected; tanh generators give -1,1)")
    p.add_argument("-o", "--output", required=True, metavar="WORKSPACE")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("demo", help="train on a built-in demo and print the report")
    p.add_argument("source", nargs="?", default="demo:digits")
    p.add_argument("-o", "--output", default=None, metavar="WORKSPACE")
    _add_train_options(p)
    add_analysis_parsers(sub)
    add_generate_parsers(sub)
    return parser


def _options(args, processes: int = 1):
    """TrainOptions from the command line; with no window to keep responsive, torch gets every
    idle core, shared out among ``processes`` training side by side."""
    from latent_explorer.pipeline.train import TrainOptions
    from latent_explorer.training.device import choose_threads

    return TrainOptions(
        model=args.model, latent_dim=args.latent_dim, image_size=args.image_size,
        epochs=args.epochs, seed=args.seed, beta=args.beta, batch_size=args.batch_size,
        lr=args.lr, color=args.color, device=args.device, augment=args.augment,
        weight_decay=args.weight_decay, loss=args.loss, arch=args.arch, schedule=args.lr_schedule,
        threads=args.threads or max(1, choose_threads(reserve=0) // processes),
    )


def cmd_scan(args) -> int:
    from latent_explorer.cli.progress import drive
    from latent_explorer.data.folder import load_folder
    from latent_explorer.infra.tasks import CancelToken

    if not Path(args.folder).is_dir():
        raise UserError(f"not a folder: {args.folder}")
    cancel = CancelToken()
    ds = drive(load_folder(args.folder, image_size=args.image_size, cancel=cancel), cancel)
    out = {
        "folder": str(Path(args.folder).resolve()),
        "n_images": len(ds),
        "n_skipped": len(ds.skipped),
        "skipped": [s.to_dict() for s in ds.skipped],
        "labels": ds.label_names if ds.labels is not None else [],
        "attributes": list(ds.attributes),
        "categories": {k: v for k, v in ds.category_names.items()},
        "color": ds.source.get("color"),
        "warnings": ds.warnings,
    }
    if args.json:
        print_json(out)
        return 0
    print(f"{out['n_images']} images load, {out['n_skipped']} skipped · colour: {out['color']}")
    if out["labels"]:
        print("labels: " + ", ".join(out["labels"]))
    if out["attributes"] or out["categories"]:
        print("attributes: " + ", ".join(out["attributes"] + list(out["categories"])))
    for s in ds.skipped:
        print(f"  skipped {s.path}: {s.reason}")
    for w in ds.warnings:
        print(f"  warning: {w}")
    return 0


def _check_output(path: str) -> Path:
    out = Path(path)
    if out.suffix != ".lexp":
        out = out.with_name(out.name + ".lexp")
    if not out.parent.is_dir():
        raise UserError(f"cannot save to {out}: the folder {out.parent} does not exist")
    return out


def _train_and_save(task, cancel, output: Path, quiet: bool) -> int:
    from latent_explorer.cli.progress import drive
    from latent_explorer.pipeline.train import summary_line
    from latent_explorer.workspace.session_file import save_workspace

    ws = drive(task, cancel, quiet)
    save_workspace(output, ws)
    print(f"{ws.train_message} · saved {output}", file=sys.stderr)
    print(summary_line(ws.report))
    ok = ("finished", "early-stopped", "cancelled", "no-model", "imported")
    return 0 if ws.train_status in ok else 1


def cmd_train(args) -> int:
    from latent_explorer.pipeline.train import train_source
    from latent_explorer.infra.tasks import CancelToken

    if _torchrun_processes() > 1:
        return _train_distributed(args)
    output = _check_output(args.output)
    cancel = CancelToken()
    return _train_and_save(train_source(args.source, _options(args), cancel), cancel, output, args.quiet)


def _torchrun_processes() -> int:
    """WORLD_SIZE as torchrun sets it; 1 outside torchrun (read without importing torch)."""
    if "WORLD_SIZE" not in os.environ:
        return 1
    from latent_explorer.training.distributed import from_env

    return from_env().world


def _train_distributed(args) -> int:
    """One of torchrun's processes: all train together (DistributedDataParallel, NCCL on CUDA,
    gloo on the CPU); process 0 alone encodes, reports and saves, the others end quietly."""
    from latent_explorer.cli.progress import drive
    from latent_explorer.infra.tasks import CancelToken
    from latent_explorer.pipeline.train import train_source
    from latent_explorer.training.distributed import process_group

    output = _check_output(args.output)
    cancel = CancelToken()
    with process_group(args.device) as ranks:
        task = train_source(args.source, _options(args, ranks.world), cancel, ranks=ranks)
        if ranks.leader:
            return _train_and_save(task, cancel, output, args.quiet)
        drive(task, cancel, quiet=True)
        return 0


def cmd_resume(args) -> int:
    from latent_explorer.cli.progress import drive
    from latent_explorer.data.sources import reload_source
    from latent_explorer.pipeline.train import continue_training
    from latent_explorer.infra.tasks import CancelToken
    from latent_explorer.workspace.session_file import load_workspace

    ws = load_workspace(args.workspace)
    if ws.model_config is None or ws.train_state is None:
        raise UserError("this workspace has no model to train (none, or one imported from TorchScript)")
    cancel = CancelToken()
    dataset = drive(reload_source(ws.dataset.source, cancel), cancel)
    if len(dataset) != len(ws.dataset):
        raise UserError(
            f"the source changed since training ({len(ws.dataset)} images then, {len(dataset)} now)"
        )
    output = _check_output(args.output or args.workspace)
    from latent_explorer.training.device import choose_threads

    task = continue_training(ws, dataset, cancel=cancel, extra_epochs=args.epochs, threads=choose_threads(reserve=0))
    return _train_and_save(task, cancel, output, args.quiet)


def cmd_report(args) -> int:
    from latent_explorer.pipeline.train import summary_line
    from latent_explorer.workspace.session_file import load_workspace

    ws = load_workspace(args.workspace)
    if args.json:
        from latent_explorer.workspace.report import extended_report
        from latent_explorer.pipeline.train import pca_map

        report = dict(ws.report)
        report.update(extended_report(ws, pca_map(ws), int(ws.train_params.get("seed", 0))))
        print_json(report)
    else:
        print(summary_line(ws.report))
        for key in ("attribute_r2", "attribute_r2_knn"):
            if ws.report.get(key):
                print(f"{key}: " + ", ".join(f"{k} {v:.3f}" for k, v in ws.report[key].items() if v is not None))
    return 0


def cmd_export(args) -> int:
    from latent_explorer.data.embeddings import save_embeddings
    from latent_explorer.workspace.session_file import load_workspace

    ws = load_workspace(args.workspace)
    if ws.latents is None:
        raise UserError("this workspace has no latents yet")
    target = Path(args.latents)
    if target.suffix.lower() not in (".npy", ".csv"):
        raise UserError(f"export to .npy or .csv, not '{target.suffix or target.name}'")
    save_embeddings(
        target, ws.latents.mean, ws.dataset.label_list(), ws.dataset.paths, ws.dataset.attributes
    )
    print(f"wrote {len(ws.latents.mean)} latents of width {ws.latents.mean.shape[1]} to {target}")
    return 0


def cmd_import(args) -> int:
    from latent_explorer.pipeline.torchscript import import_torchscript
    from latent_explorer.infra.tasks import CancelToken, Cancelled

    output = _check_output(args.output)
    cancel = CancelToken()
    task = import_torchscript(
        args.decoder, args.encoder, args.source, args.latent_dim, args.samples, args.seed,
        args.output_range, cancel,
    )
    try:
        return _train_and_save(task, cancel, output, args.quiet)
    except Cancelled:
        raise UserError("import cancelled: nothing saved") from None


def cmd_demo(args) -> int:
    from latent_explorer.pipeline.train import train_source
    from latent_explorer.infra.tasks import CancelToken

    cancel = CancelToken()
    output = _check_output(args.output) if args.output else None
    if output is None:
        from latent_explorer.cli.progress import drive
        from latent_explorer.pipeline.train import summary_line

        ws = drive(train_source(args.source, _options(args), cancel), cancel)
        print(summary_line(ws.report))
        print_json({k: v for k, v in ws.report.items() if k != "skipped"})
        return 0
    return _train_and_save(train_source(args.source, _options(args), cancel), cancel, output, False)


COMMANDS = {
    "scan": cmd_scan, "train": cmd_train, "resume": cmd_resume,
    "report": cmd_report, "export": cmd_export, "demo": cmd_demo, "import": cmd_import,
    **ANALYSIS_COMMANDS,
    **GENERATE_COMMANDS,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command != "train" and _torchrun_processes() > 1:
            raise UserError(f"only `train` runs over several processes; run `{args.command}` without torchrun")
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"latent-explorer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("latent-explorer: aborted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"latent-explorer: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
