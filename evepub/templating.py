"""The sandboxed Jinja environment in which user-changeable templates are rendered."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evepub.cache import cache_folder
from evepub.errors import EvepubError, SourceError, yaml_syntax_error

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_SECONDS = 30.0  # a template that renders longer than this is taken to loop forever


@contextlib.contextmanager
def time_limit(name: str) -> Iterator[None]:
    """Stop a template that runs away (EVEPUB_TEMPLATE_SECONDS); only the main thread can set the alarm."""
    seconds = float(os.environ.get("EVEPUB_TEMPLATE_SECONDS", DEFAULT_SECONDS))
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise EvepubError(f"{name}: template error: still rendering after {seconds:g} s; does it loop forever?")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_ENVIRONMENTS: dict[tuple[Path, Callable[[str], str] | None], jinja2.Environment] = {}


def raised_in_template(error: BaseException) -> str | None:
    """The file name of the innermost template whose code raised an error, or None when no template code ran."""
    found = None
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = Path(filename).name
        trace = trace.tb_next
    return found


def read_yaml_file(path: Path) -> Any:
    """The data of a YAML file of the template folder; a syntax error is one FILE:LINE:COL problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EvepubError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        raise yaml_syntax_error(error, text, str(path)) from None
    except yaml.YAMLError as error:
        raise SourceError(str(path), 1, 1, f"YAML: {error}") from None


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, kept from build to build; it never fails a build.

    Jinja files each template under its path and checks the template's text, so an edited template is
    compiled again. Every environment here compiles alike (the same options; `finalize` only differs
    in what it escapes, not in how it is called), so they can share one cache.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill the bucket from the cache; an unreadable file leaves it empty, to compile."""
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a compiled template; a full disk or a folder gone read-only means compiling it again next time."""
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates() -> CompiledTemplates | None:
    """The cache of compiled templates in evepub's cache folder, or None when there is none."""
    folder = cache_folder("templates")
    return None if folder is None else CompiledTemplates(str(folder), "%s.jinja")


class Trusted(str):
    """Text that a writer built itself (markup around escaped data); the finaliser lets it through."""


class MissingMacro(EvepubError, AttributeError):
    """A template lacks a macro that a writer calls (hasattr() sees it as missing)."""


class Macros:
    """The macros of one template; a macro it lacks is an error in the user's template, not in evepub."""

    def __init__(self, module: Any, name: str) -> None:
        self._module, self._name = module, name

    def __getattr__(self, macro: str) -> Any:
        try:
            return getattr(self._module, macro)
        except AttributeError:
            raise MissingMacro(f"{self._name}: template error: it defines no macro '{macro}'") from None

    def __getitem__(self, macro: str) -> Any:
        # Jinja looks a name up as an item when attribute access fails: so a template that calls a missing
        # macro gets this error too, rather than one that blames the calling template
        return self.__getattr__(macro)


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, deciding once per type and attribute name whether a template may read it.

    The sandbox's answer depends on nothing else (the attribute's name, the object's type, whether that type
    is a function, a method, a generator, a mutable container), so a build of thousands of items asks it
    once per attribute instead of once per use.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.safe_attributes: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """The sandbox's answer for this type and attribute, asked once."""
        key = (type(obj), attr)
        safe = self.safe_attributes.get(key)
        if safe is None:
            safe = self.safe_attributes[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """An attribute as the sandbox gives it; data (anything not callable) straight from the cached answer, as
        only a callable can be a method the sandbox wraps or refuses on its own account."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if not callable(value) and self.safe_attributes.get((type(obj), attribute)):
            return value
        return super().getattr(obj, attribute)


class Templates:
    """A folder of templates: Jinja files rendered in a sandbox, and assets such as reference.docx."""

    def __init__(self, folder: Path = DEFAULT_TEMPLATES) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise EvepubError(f"template folder {self.folder} does not exist")

    def environment(self, escape: Callable[[str], str] | None = None) -> jinja2.Environment:
        """A sandboxed environment; `escape` is applied to every value a template prints.

        Environments are shared by every Templates of the same folder in a process, so that each template is
        compiled once, not once per use (Jinja recompiles a template whose file has changed since).
        """
        key = (self.folder.resolve(), escape)
        if key not in _ENVIRONMENTS:
            _ENVIRONMENTS[key] = self._new_environment(escape)
        return _ENVIRONMENTS[key]

    def _new_environment(self, escape: Callable[[str], str] | None) -> jinja2.Environment:

        def finalize(value: Any) -> Any:
            if escape is None or isinstance(value, Trusted) or value is None:
                return "" if value is None else value
            return escape(str(value))

        env = Sandbox(
            loader=jinja2.FileSystemLoader(self.folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=finalize,
            bytecode_cache=compiled_templates(),
        )
        return env

    def render(self, name: str, escape: Callable[[str], str] | None = None, **context: Any) -> str:
        """Render one template file with the given context, within a time limit."""
        try:
            with time_limit(name):
                return self.environment(escape).get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.filename or name}:{error.lineno}"
            raise EvepubError(f"{where}: template syntax error: {error.message}") from error
        except jinja2.TemplateError as error:
            raise EvepubError(f"{name}: template error: {error}") from error
        except EvepubError:
            raise
        except Exception as error:  # the sandbox's range limit, runaway recursion, 1 / 0: the template's fault
            if raised_in_template(error) is None:
                raise
            raise EvepubError(f"{name}: template error: {type(error).__name__}: {error}") from error

    def wording(self) -> Any:
        """The macros of wording.j2: headings, labels and status wording shared by every format."""
        return self.macros("wording.j2")

    def macros(self, name: str) -> Any:
        """The macros of one template file, each called like a function that returns text."""
        try:
            return Macros(self.environment().get_template(name).module, name)
        except jinja2.TemplateSyntaxError as error:
            raise EvepubError(
                f"{error.filename or name}:{error.lineno}: template syntax error: {error.message}"
            ) from error
        except jinja2.TemplateError as error:
            raise EvepubError(f"{name}: template error: {error}") from error

    def asset(self, name: str) -> Path:
        """A file in the template folder, refused when the name leads outside it."""
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise EvepubError(f"template asset {name} lies outside the template folder {self.folder}")
        if not path.is_file():
            raise EvepubError(f"template asset {path} does not exist")
        return path
