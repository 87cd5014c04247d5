"""One root for every error meant for people: ``qualcode.errors.QualcodeError``.

The faces catch ``QualcodeError`` to show one line and exit 1 (the command line) or a one-line
notice (the workbench); an error meant for people outside it would reach them as a traceback, or
be reported as a bug. This walks every module of the package and every exception class defined
in it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import qualcode
from qualcode.errors import QualcodeError

# Exceptions that never reach a person: each with the reason.
INTERNAL: dict[str, str] = {}


def exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(qualcode.__path__, "qualcode."):
        if info.name.startswith("qualcode.db.migrations.") or info.name.endswith(".__main__"):
            continue  # loaded by Alembic, or runs the command line when imported
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_error_meant_for_people_derives_from_qualcode_error():
    classes = exception_classes()
    assert "qualcode.errors.CodebookError" in classes and "qualcode.nlp.NoTrainedPipeline" in classes
    outside = sorted(
        name for name, cls in classes.items() if not issubclass(cls, QualcodeError) and name not in INTERNAL
    )
    assert outside == [], "errors meant for people must derive from QualcodeError (or be listed in INTERNAL with why)"


def test_the_internal_list_names_classes_that_exist():
    assert set(INTERNAL) <= set(exception_classes())
