"""Run the command line as `python -m evepub`."""

import sys

from evepub.cli import main

sys.exit(main())
