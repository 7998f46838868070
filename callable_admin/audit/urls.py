from django.urls import path

from callable_admin.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("export.csv", views.audit_csv, name="export"),
]
