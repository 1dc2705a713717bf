"""Imports nbgrader's start-up pays for and the course's commands never use, deferred.

`python -m course` calls `defer_imports()` before it loads nbgrader, so that the grade
command starts grading in under a second instead of two and a half (measured with
`python -X importtime`). Only that process and the grading workers it forks see the
stand-ins; kernels, zygotes and plain `nbgrader` commands are fresh interpreters.
"""
import importlib
import importlib.machinery
import importlib.util
import sys
import types

# What nbgrader imports at start-up only for what these commands never do in-process, with
# the functions taken from each by name (`from module import function`): each is imported
# when first used instead (see defer_imports). Together about 1.5 s of a 2.5 s start.
DEFERRED_IMPORTS = {
    # jsonschema (imported by nbformat) checks the "iri" format with it, and it compiles a
    # Lark grammar as it is imported (about 1 s). No schema here uses that format:
    # nbformat's and nbgrader's schemas are draft 4, and get no format checker.
    "rfc3987_syntax": ("is_valid_syntax",),
    # nbgrader.utils imports it for unzip(), used only by `nbgrader zip_collect` (which
    # `grade --from-lms` runs as its own nbgrader command); it imports setuptools, and so
    # pkg_resources, which reads every installed distribution's metadata (0.2-0.4 s).
    "setuptools.archive_util": ("unpack_archive", "unpack_tarfile", "unpack_zipfile"),
}


def _installed(name: str) -> bool:
    """Is module `name` importable? Without importing it or its parent package."""
    parent, _, leaf = name.rpartition(".")
    if not parent:
        return importlib.util.find_spec(name) is not None
    parent_spec = importlib.util.find_spec(parent)
    return bool(parent_spec and parent_spec.submodule_search_locations
                and importlib.machinery.PathFinder.find_spec(
                    leaf, parent_spec.submodule_search_locations))


def defer_imports(modules: dict = DEFERRED_IMPORTS) -> None:
    """Put in sys.modules, for each of `modules` not yet imported, a stand-in that imports
    the real module the first time it is used, and hands over to it: its listed functions
    call the real ones, any other attribute is the real module's. So results are the same,
    and a module never used is never imported. Only this process and the grading workers
    it forks see the stand-ins; kernels and zygotes are fresh interpreters."""
    for name, functions in modules.items():
        if name not in sys.modules and _installed(name):
            sys.modules[name] = _stand_in(name, functions)


def _stand_in(name: str, functions) -> types.ModuleType:
    stand_in = types.ModuleType(name, f"stand-in: imports {name} when first used")

    def real():
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def handing_over(function):
        def call(*args, **kwargs):
            return getattr(real(), function)(*args, **kwargs)
        call.__name__ = call.__qualname__ = function
        return call

    def __getattr__(attribute: str):
        if attribute.startswith("__"):  # the import system asking (e.g. __path__): not a use
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    for function in functions:
        setattr(stand_in, function, handing_over(function))
    stand_in.__getattr__ = __getattr__
    return stand_in
