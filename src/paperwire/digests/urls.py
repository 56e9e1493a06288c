from django.urls import path

from paperwire.digests import views

app_name = "digests"
urlpatterns = [
    path("digest/subscribe", views.subscribe, name="subscribe"),
    path("digest/subscribe/me", views.subscribe_member, name="subscribe_member"),
    path("digest/confirm/<str:token>", views.confirm, name="confirm"),
    path("digest/manage/<str:token>", views.manage, name="manage"),
    path("digest/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("digest/preview", views.preview, name="preview"),
]
