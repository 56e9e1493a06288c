from django.urls import path

from paperwire.profiles import views

app_name = "profiles"
urlpatterns = [
    path("settings", views.settings_page, name="settings"),
    path("u/<str:username>", views.profile, name="profile"),
    path("orgs", views.org_list, name="organizations"),
    path("orgs/<slug:name>", views.detail, name="organization"),
]
