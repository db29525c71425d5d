"""Interactive API docs (Swagger UI from drf-spectacular-sidecar's static files).

The Content-Security-Policy allows no inline scripts or styles, so this is drf-spectacular's
split view (the init script is a separate request) with a template whose head has no <style>.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "Factcheck API"
