"""GE's Data Docs page views, their Jinja templates compiled once per deployment (issue #28).

GE's site builder makes a new Jinja environment for each section of the site and for its index, and Jinja compiles a
template again in every new environment: rendering one publication's pages compiled about 50 templates, 0.2 of the
0.6 s the Data Docs took at size M, in every run. These views are GE's own (``DefaultJinjaPageView``,
``DefaultJinjaIndexPageView``) with Jinja's own bytecode cache (``FileSystemBytecodeCache``) in a folder beside the
site (``expectations.docs.template_cache``): a run loads the compiled templates instead. Jinja checks each entry
against the template's source and its own and Python's versions, so an upgrade of GE, Jinja or Python compiles
again. Named in the site's configuration (``view``), so GE imports this module: it imports GE at module level."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket

from runtime.files import atomic_write


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's cache, as a speed-up only: a compiled template it cannot keep (a folder another account made, a
    name taken by a file) is used from memory, as without the cache, and the pages are rendered all the same."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        """As Jinja's (a temporary file renamed into place), with the mode of every file under ``data/`` (Jinja's
        own leaves 0600, which the pipeline's group could not read)."""
        path = Path(self.directory) / (self.pattern % (bucket.key,))
        with suppress(OSError):  # not kept: the next rendering compiles this template again
            atomic_write(path, lambda tmp: tmp.write_bytes(bucket.bytecode_to_string()))


def _cache(directory: str) -> FileSystemBytecodeCache | None:
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError:  # the name is taken by a file, or the parent may not be written: no cache
        return None
    return _TemplateCache(directory, "%s.jinja")


class _CompiledTemplates:
    """GE's view, its Jinja environment given the cache in ``template_cache`` (a folder's path, from the site's
    configuration); mixed in before GE's view class, whose ``__init__`` it calls."""

    env: Environment

    def __init__(
        self, template_cache: str, custom_styles_directory: str | None = None, custom_views_directory: str | None = None
    ) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)  # type: ignore[call-arg]  # GE's view
        self.env.bytecode_cache = _cache(template_cache)


class CompiledPageView(_CompiledTemplates, DefaultJinjaPageView):
    """``DefaultJinjaPageView`` whose templates are compiled once into ``template_cache``."""


class CompiledIndexPageView(_CompiledTemplates, DefaultJinjaIndexPageView):
    """``DefaultJinjaIndexPageView`` whose templates are compiled once into ``template_cache``."""
