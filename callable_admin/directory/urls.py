from django.urls import path

from callable_admin.directory import views

app_name = "directory"
urlpatterns = [path("refresh/", views.refresh_now, name="refresh")]
