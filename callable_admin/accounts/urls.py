from django.urls import path

from callable_admin.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("<uid:account_id>/", views.overview, name="overview"),
    path("<uid:account_id>/ddis/", views.ddis, name="ddis"),
    path("<uid:account_id>/address/", views.address, name="address"),
    path("<uid:account_id>/trunks/", views.trunks, name="trunks"),
    path("<uid:account_id>/trunks/new/", views.trunk_new, name="trunk_new"),
    path("<uid:account_id>/trunks/<uid:trunk_id>/", views.trunk, name="trunk"),
    path("<uid:account_id>/trunks/<uid:trunk_id>/delete/", views.trunk_delete, name="trunk_delete"),
    path("<uid:account_id>/hooks/", views.hooks, name="hooks"),
    path("<uid:account_id>/hooks/new/", views.hook_new, name="hook_new"),
    path("<uid:account_id>/hooks/<uid:hook_id>/", views.hook, name="hook"),
    path("<uid:account_id>/hooks/<uid:hook_id>/delete/", views.hook_delete, name="hook_delete"),
]
