from django.urls import path

from flows.views import canvas as views
from flows.views import editor
from flows.views import publish as publishing

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
    # the rest of a big drawing, by the digest of what it was drawn from (flows/drawings.py)
    path("drawing/<slug:content>/", views.drawing_rest, name="drawing_rest"),
]

# the editor: an admin's draft (design.md, "Flow editor")
urlpatterns += [
    path("edit/", editor.editor, name="edit"),
    path("edit/devices/new/", editor.device_new, name="edit_device_new"),
    path("edit/devices/<uid:device_id>/", editor.device, name="edit_device"),
    path("edit/devices/<uid:device_id>/delete/", editor.device_delete, name="edit_device_delete"),
    path("edit/devices/<uid:device_id>/move/", editor.device_move, name="edit_device_move"),
    path(
        "edit/devices/<uid:device_id>/duplicate/",
        editor.device_duplicate,
        name="edit_device_duplicate",
    ),
    path("edit/devices/<uid:device_id>/hangup/", editor.device_hangup, name="edit_device_hangup"),
    path("edit/connect/", editor.connect, name="edit_connect"),
    path("edit/arrange/", editor.arrange, name="edit_arrange"),
    path("edit/undo/", editor.undo, name="edit_undo"),
    path("edit/redo/", editor.redo, name="edit_redo"),
    path("edit/discard/", editor.discard, name="edit_discard"),
    path("edit/route/", editor.route_number, name="edit_route"),
]

# publishing a draft: review, publish, conflicts, import/export, revisions
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
