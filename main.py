"""Start Latent Explorer from the source tree: ``python main.py [--demo | selftest | SUBCOMMAND …]``
(see `latent_explorer.launcher` for every form)."""
import sys

from latent_explorer.launcher import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
