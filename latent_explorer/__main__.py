import sys

from latent_explorer.cli.main import main

sys.exit(main())
