from django.urls import path

from paperwire.collections import views

app_name = "collections"
urlpatterns = [
    path("collections", views.mine, name="mine"),
    path("collections/new", views.create, name="create"),
    path("u/<str:username>/collections/<slug:slug>", views.detail, name="detail"),
    path("u/<str:username>/collections/<slug:slug>/edit", views.edit, name="edit"),
    path("u/<str:username>/collections/<slug:slug>/delete", views.delete, name="delete"),
    path("u/<str:username>/collections/<slug:slug>/remove", views.remove_paper, name="remove"),
    path("u/<str:username>/collections/<slug:slug>/note", views.set_note, name="note"),
    # The paper page's Save menu: toggle the paper in one collection, or start a new one.
    path("papers/<arxiv:arxiv_id>/save", views.toggle, name="toggle"),
    path("papers/<arxiv:arxiv_id>/save/new", views.save_to_new, name="save_to_new"),
]
