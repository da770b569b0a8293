"""Start Latent Explorer.

    python main.py                      the desktop window
    python main.py --demo               the window, training on demo:digits at once
    python main.py --demo --screenshot FILE.png   train, save a picture of the window, quit
    python main.py --headless-demo      no window: train on demo:digits and print the report
    python main.py SUBCOMMAND …         the command line (scan, train, report, …)

Without a display (a server, CI), ``--demo`` falls back to the headless demo."""
import sys


def run(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-"):
        from latent_explorer.cli import main as cli_main

        return cli_main(argv)
    if argv and argv[0] == "--headless-demo":
        from latent_explorer.cli import main as cli_main

        return cli_main(["demo"] + argv[1:])
    from latent_explorer.gui.app import has_display, main as gui_main

    if argv[:1] == ["--demo"] and "--screenshot" not in argv and not has_display():
        print("main.py: no display found, running the demo in the terminal instead "
              "(use --demo --screenshot FILE.png for a picture of the window)", file=sys.stderr)
        return run(["--headless-demo"] + argv[1:])
    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
