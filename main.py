"""Start Latent Explorer.

Until the desktop window lands, ``main.py --demo`` runs the demo pipeline (train on
``demo:digits``, encode, report) in the terminal and prints the report."""
import sys

from latent_explorer.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    if not argv or argv[0] == "--demo":
        argv = ["demo"] + argv[1:]
    sys.exit(main(argv))
