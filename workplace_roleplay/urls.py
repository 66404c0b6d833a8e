"""Project URLs: pages per app, the versioned API, admin, health."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView, TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api import no_such_endpoint
from core.health import healthz, readyz
from core.metrics import metrics_view
from core.security import allow_inline_styles

admin.site.site_header = _("Workplace Roleplay administration")
admin.site.site_title = _("Workplace Roleplay administration")
admin.site.index_title = _("Administration")

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("conversations.api.urls")),
    path("", include("scenarios.api.urls")),
    path("", include("watch.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("assignments.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", allow_inline_styles(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    re_path(r"", no_such_endpoint),  # last: any other address under /api/v1/ is a JSON 404
]


class FaviconView(RedirectView):
    """Browsers that ask for /favicon.ico get the site's icon."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path("chat/", include("conversations.urls")),
    path("scenarios/", include("scenarios.urls")),
    path("watch/", include("watch.urls")),
    path("progress/", include("analytics.urls")),
    path("assignments/", include("assignments.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "core.api.not_found"
handler500 = "core.errors.server_error"
