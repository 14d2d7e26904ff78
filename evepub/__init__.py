"""evepub: publish the EVE-OS feature roadmap from one YAML source as Markdown, Word, PDF and Excel."""

from __future__ import annotations

import importlib  # and not typing: the moments before launcher.py takes Ctrl-C over are kept short

__version__ = "0.1.0"

# The public functions, imported on first use so that `evepub --version` or `validate` loads no more than it needs
_PUBLIC = {
    "build": "evepub.build",
    "read_text": "evepub.importer",
    "dumps": "evepub.source",
    "load": "evepub.source",
    "loads": "evepub.source",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> object:
    """The public function `name`, from the module that defines it."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'evepub' has no attribute '{name}'")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
