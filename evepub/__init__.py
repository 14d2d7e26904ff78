"""evepub: publish the EVE-OS feature roadmap from one YAML source as Markdown, Word, PDF and Excel."""

__version__ = "0.1.0"

from evepub.build import build
from evepub.readers.text import read_text
from evepub.source import dumps, load, loads

__all__ = ["__version__", "build", "dumps", "load", "loads", "read_text"]
