from django.urls import path

from callable_admin.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.log, name="log"),
    path("new/", views.new, name="new"),
    path("new/preview/", views.preview, name="preview"),
]
