"""Building the pipeline's parts from settings: the one place they are wired together."""

from __future__ import annotations

from pathlib import Path

from ..backends.base import Backend, Chooser, SaysWhyNoVerdict, Timed, Timings
from ..review.cache import ResultCache
from ..config import Settings, options_from
from ..errors import InputError
from ..backends.modelfiles.hf import fetch as fetch_hf
from ..backends.modelfiles.hf import is_hf
from ..backends.modelfiles.registry import cache_dir, lookup, resolve
from ..review.pipeline import ReviewOptions
from ..prompt import Templates
from ..diff.sources import DiffSource
from ..diff.sources.local import GitRange, PatchFile, Stdin


def make_cache(settings: Settings) -> ResultCache | None:
    if not settings.cache:
        return None
    if settings.result_cache:  # its own place (the Action's: a path that actions/cache keeps)
        return ResultCache(Path(settings.result_cache).expanduser())
    return ResultCache(cache_root(settings) / "results.sqlite3")


def cache_root(settings: Settings) -> Path:
    return Path(settings.cache_dir) if settings.cache_dir else cache_dir()


def make_templates(settings: Settings) -> Templates:
    return Templates(Path(settings.templates).expanduser() if settings.templates else None)


class LazyBackend:
    """A backend made on first use: the model file is looked up (and a registry model assembled)
    only when a chunk needs it, so an empty diff, a diff of binary files only, or input that is
    not a diff, never depend on the model being there."""

    def __init__(self, name: str, concurrent: bool, make):
        self.name, self.concurrent, self._make, self._backend = name, concurrent, make, None

    def _get(self) -> Backend:
        if self._backend is None:
            self._backend = self._make()
        return self._backend

    def identity(self) -> str:
        return self._get().identity()

    def prepare(self, context_tokens: int) -> None:
        self._get().prepare(context_tokens)

    def complete(self, messages, schema, max_tokens):
        return self._get().complete(messages, schema, max_tokens)

    def choose(self, messages, options):  # a Chooser when the backend it makes is one (all are)
        inner = self._get()
        if not isinstance(inner, Chooser):
            raise TypeError(f"{self.name} cannot choose")
        return inner.choose(messages, options)

    def timings(self) -> Timings | None:
        inner = self._get()
        return inner.timings() if isinstance(inner, Timed) else None

    def choose_unavailable(self) -> str:
        inner = self._get()
        return inner.choose_unavailable() if isinstance(inner, SaysWhyNoVerdict) else ""

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


def model_file(name: str, cache: ResultCache | None, progress=None) -> tuple[Path, str | None]:
    """A GGUF named by path, registry name or ``hf:`` reference, fetched or assembled if need be,
    and its identity for the result cache (its sha256 where known or cached; None otherwise)."""
    if is_hf(name):  # the hub's sha256 of the file, checked after its download
        model = fetch_hf(name, progress)
        path, identity = model.path, model.sha256 or None
    else:
        path, spec = resolve(name, progress)
        identity = spec.sha256 if spec is not None else None
    if identity is None and cache is not None:
        identity = cache.file_sha256(path)
    return path, identity


def model_label(name: str) -> str:
    spec = lookup(name)
    return spec.name if spec else name if is_hf(name) else Path(name).expanduser().name


def kv_dir(settings: Settings, cache: ResultCache | None) -> str | None:
    """Warm starts beside the results; with a result cache of its own (the Action's, which
    actions/cache keeps), still under the cache directory: they are too big to upload."""
    return str(cache_root(settings) / "kv") if cache is not None else None


def llama_backend(settings: Settings, cache: ResultCache | None, verbose: bool, progress=None) -> tuple[Backend, str]:
    """In-process llama-cpp-python, loaded on first use; the model file's hash is its identity."""

    def load() -> Backend:
        from ..backends.llama import LlamaBackend, LlamaOptions

        path, identity = model_file(settings.model, cache, progress)
        options = options_from(LlamaOptions, settings, verbose=verbose, kv_dir=kv_dir(settings, cache))
        return LlamaBackend(path, options, identity=identity)

    return LazyBackend("llama", False, load), model_label(settings.model)


def llama_server_backend(settings: Settings, cache: ResultCache | None, verbose: bool,
                         progress=None) -> tuple[Backend, str]:
    """A llama-server this tool starts for the model (and the draft model) on first use, and
    stops when the review closes the backend."""

    def load() -> Backend:
        from ..backends.llama_server import LlamaServerBackend, LlamaServerOptions

        path, identity = model_file(settings.model, cache, progress)
        draft = str(model_file(settings.draft_model, None, progress)[0]) if settings.draft_model else None
        options = options_from(LlamaServerOptions, settings, verbose=verbose, draft_model=draft,
                               kv_dir=kv_dir(settings, cache))
        return LlamaServerBackend(path, options, identity=identity)

    label = model_label(settings.model) + (f" + draft {model_label(settings.draft_model)}" if settings.draft_model else "")
    return LazyBackend("llama-server", settings.jobs > 1, load), f"{label} @ llama-server"


def openai_backend(settings: Settings, cache: ResultCache | None, verbose: bool, progress=None) -> tuple[Backend, str]:
    """An OpenAI-compatible server; its own default model unless one is configured."""
    from ..backends.openai import OpenAIBackend, OpenAIOptions

    assert settings.base_url
    model = settings.model if settings.origins.get("model") != "default" else ""
    options = options_from(OpenAIOptions, settings, model=model)  # think: the server's reasoning budget
    return OpenAIBackend(options), f"{model or 'server default'} @ {settings.base_url}"


# the backends by name (the `backend` setting; config.CHOICES lists the same names)
BACKENDS = {"llama": llama_backend, "openai": openai_backend, "llama-server": llama_server_backend}


def make_backend(settings: Settings, cache: ResultCache | None, verbose: bool, progress=None) -> tuple[Backend, str]:
    """The model backend named by the settings, and a label for the report."""
    return BACKENDS[settings.backend](settings, cache, verbose, progress)


def review_options(settings: Settings) -> ReviewOptions:
    return options_from(ReviewOptions, settings)


def make_local_source(diff: str | None, git: str | None, cwd: Path) -> DiffSource:
    if diff is not None and git is not None:
        raise InputError("give either --diff or --git, not both")
    if diff == "-":
        return Stdin()
    if diff is not None:
        return PatchFile(Path(diff))
    if git is not None:
        return GitRange(git, cwd)
    raise InputError("nothing to review: give --diff PATH, --diff - (stdin), --git RANGE or a pull request (owner/repo#N)")
