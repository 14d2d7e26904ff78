"""Run the command line as `python -m evepub`."""

from evepub.cli import console

console()
