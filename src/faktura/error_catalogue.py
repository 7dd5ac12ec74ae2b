"""The catalogue of the API's error codes, made from the error types themselves.

Every stable code is a class beside its domain (`<domain>/errors.py`, `kit/errors.py`); its docstring is
its meaning. `python -m faktura.error_catalogue > docs/api/errors.md` writes the catalogue, and a test
fails when the file and the types disagree, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import faktura
from faktura.kit.errors import FakturaError

_INTRO = """# Error codes

Generated from the error types (`python -m faktura.error_catalogue > docs/api/errors.md`); do not edit by
hand. Every error answer has the shape `{"error": {"code", "message", "details"}}`
([native API, errors](native.md)); `code` is one of these, stable across releases. Each operation's
OpenAPI entry (`/docs`) lists the codes it can answer with. Field-level codes inside `details` of a
`validation_error` are listed in each resource's guide.
"""


def error_types() -> list[type[FakturaError]]:
    """Every error type with a code of its own defined in an `errors` module of the package: the API's
    (the command line's own refusals live beside their commands)."""
    for module in pkgutil.walk_packages(faktura.__path__, "faktura."):
        if module.name.endswith(".errors"):
            importlib.import_module(module.name)
    found: list[type[FakturaError]] = []
    pending: list[type[FakturaError]] = [FakturaError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not FakturaError and "code" in vars(cls) and cls.__module__.endswith(".errors"):
            found.append(cls)
    return sorted(found, key=lambda t: (_area(t), t.status, t.code))


def render() -> str:
    lines = [_INTRO]
    area = None
    for error in error_types():
        if _area(error) != area:
            area = _area(error)
            lines += ["", f"## {area}", "", "| status | code | meaning |", "|---:|---|---|"]
        meaning = " ".join(inspect.cleandoc(error.__doc__ or "").split()).replace("|", "\\|")
        lines.append(f"| {error.status} | `{error.code}` | {meaning} |")
    return "\n".join(lines) + "\n"


def _area(error: type[FakturaError]) -> str:
    """The domain a type belongs to: `faktura.invoices.errors` -> `invoices`; kit's are `common`."""
    package = error.__module__.split(".")[1]
    return "common" if package == "kit" else package


if __name__ == "__main__":
    print(render(), end="")
