from django.urls import path

from paperwire.orgs import views

app_name = "orgs"
urlpatterns = [
    path("orgs/new", views.create, name="create"),
    path("orgs/<slug:name>/logo", views.logo, name="logo"),
    path("orgs/<slug:name>/members", views.add_member, name="add_member"),
    path(
        "orgs/<slug:name>/members/<str:username>/remove",
        views.remove_member,
        name="remove_member",
    ),
    path("orgs/<slug:name>/members/<str:username>/role", views.set_role, name="set_role"),
]
