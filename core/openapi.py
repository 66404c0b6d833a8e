"""The API's schema class (kept apart from ``core.api``, which DRF's settings import)."""

from typing import Any

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, also documenting the body of a DELETE whose view sets ``delete_takes_body``."""

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE" or not getattr(self.view, "delete_takes_body", False):
            return super()._get_request_body(direction)
        self.method = "POST"  # the base class documents bodies of POST, PUT and PATCH only
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
