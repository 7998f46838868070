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

# Publishing a draft (issue 10): review, publish, conflicts, import/export, revisions
from flows.views import publish as publishing  # noqa: E402

urlpatterns += [
    path("edit/review/", publishing.review, name="review"),
    path("edit/publish/", publishing.publish_view, name="publish"),
    path("edit/resolve/", publishing.resolve, name="resolve"),
    path("edit/progress/", publishing.progress, name="progress"),
    path("edit/import/", publishing.import_view, name="import"),
    path("edit/export.json", publishing.export_draft, name="export_draft"),
    path("revisions/", publishing.revisions, name="revisions"),
    path("revisions/<int:number>/", publishing.revision_view, name="revision"),
    path("revisions/<int:number>/restore/", publishing.restore, name="restore"),
]
