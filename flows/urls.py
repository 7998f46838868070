from django.urls import path

from flows.views import canvas as views

app_name = "flows"
urlpatterns = [
    path("", views.canvas, name="canvas"),
    path("outline/", views.outline_view, name="outline"),
    path("trace/", views.trace_view, name="trace"),
    path("device/<uid:device_id>/", views.inspector, name="inspector"),
    # any upstream id, spaces and all, as ?id= (a path segment takes only plain ids)
    path("device/", views.inspector, name="inspector_by_id"),
    path("export.json", views.export_json, name="export_json"),
    path("export.svg", views.export_svg, name="export_svg"),
]
