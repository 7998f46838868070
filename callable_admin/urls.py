from django.urls import include, path, register_converter

from callable_admin import errors, views
from callable_admin.converters import UpstreamIdConverter
from callable_admin.signin import views as signin_views
from flows.views.canvas import device_types_css

register_converter(UpstreamIdConverter, "uid")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", signin_views.sign_in, name="login"),
    path("logout/", signin_views.sign_out, name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("callable_admin.accounts.urls")),
    path("accounts/<uid:account_id>/flow/", include("flows.urls")),
    path("flow/device-types.css", device_types_css, name="device_types_css"),
    path("accounts/<uid:account_id>/calls/", include("callable_admin.calls.urls")),
    path("audit/", include("callable_admin.audit.urls")),
    path("directory/", include("callable_admin.directory.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
