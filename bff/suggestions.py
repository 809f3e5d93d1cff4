"""Production BFFs hide schema hints: "Did you mean ...?" is stripped from every error message
(:mod:`servicekit.suggestions`, the router's rule too), so validation errors stop naming fields
the caller did not ask about. Development keeps them. The schemas are module-level, so the mode
is read per request from the context's runtime settings."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from servicekit.suggestions import strip_suggestion

__all__ = ["HideSuggestionsInProduction"]


class HideSuggestionsInProduction(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        runtime = getattr(self.execution_context.context, "runtime", None)
        if runtime is None or runtime.settings.is_development:
            return
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            error.message = strip_suggestion(error.message)
