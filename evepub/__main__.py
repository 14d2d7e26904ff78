"""Run the command line as `python -m evepub`."""

from evepub.launcher import console

console()
