"""The one entry point (``latent-explorer``, ``python main.py``, the frozen app): the window,
the self-test, or the command line.

    latent-explorer                       the desktop window
    latent-explorer PATH                  the window, opening a workspace (.lexp), a folder of
                                          images, an image (its folder), embeddings (.npy/.csv);
                                          when the app already runs, it opens PATH instead
                                          (`gui.single_instance`)
    latent-explorer --demo                the window, training on demo:digits at once
    latent-explorer demo --screenshot F   train the demo, save a picture of the window, quit
    latent-explorer --headless-demo       no window: train on demo:digits and print the report
    latent-explorer selftest              prove the app works here (one JSON line; exit 0 = ok);
                                          --warm-cache then compiles every numba kernel
    latent-explorer SUBCOMMAND …          the command line (scan, train, report, project, …)

Qt is imported only for the window and the self-test: the command line runs without it."""
from __future__ import annotations

import os
import sys

SUBCOMMANDS = ("scan", "train", "resume", "report", "export", "import", "demo", "project", "directions",
               "anomalies", "interpolate", "sample", "arithmetic", "selftest")


def run(argv: list[str]) -> int:
    from latent_explorer.infra.numba_cache import configure_numba_cache

    configure_numba_cache()  # before anything imports numba
    if argv[:1] == ["selftest"]:
        from latent_explorer.gui.selftest import run_selftest

        return run_selftest(warm_cache="--warm-cache" in argv)
    if argv[:1] == ["demo"] and "--screenshot" in argv:
        return run(["--demo"] + argv[1:])
    if argv and not argv[0].startswith("-") and argv[0] not in SUBCOMMANDS:
        if not os.path.exists(argv[0]):
            print(f"latent-explorer: '{argv[0]}' is neither a command ({', '.join(SUBCOMMANDS)}) "
                  "nor a file or folder to open", file=sys.stderr)
            return 2
        from latent_explorer.gui.single_instance import hand_over

        where = hand_over(argv)  # before the window's imports: a hand-over takes a fraction of a second
        if where is not None:
            print(f"Latent Explorer is running: opened in {where}.")
            return 0
        from latent_explorer.gui.app import main as gui_main

        return gui_main(argv)
    if argv and (not argv[0].startswith("-") or argv[0] in ("--version", "-h", "--help")):
        from latent_explorer.cli.main import main as cli_main

        return cli_main(argv)
    if argv and argv[0] == "--headless-demo":
        from latent_explorer.cli.main import main as cli_main

        return cli_main(["demo"] + argv[1:])
    from latent_explorer.gui.app import has_display, main as gui_main

    if argv[:1] == ["--demo"] and "--screenshot" not in argv and not has_display():
        print("latent-explorer: no display found, running the demo in the terminal instead "
              "(use --demo --screenshot FILE.png for a picture of the window)", file=sys.stderr)
        return run(["--headless-demo"] + argv[1:])
    return gui_main(argv)


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
