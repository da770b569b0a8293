"""``python -m latent_explorer``: the same entry point as ``latent-explorer`` (see launcher)."""
import sys

from latent_explorer.launcher import main

sys.exit(main())
