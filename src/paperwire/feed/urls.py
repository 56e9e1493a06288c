from django.urls import path

from paperwire.feed import views

app_name = "feed"
urlpatterns = [
    path("", views.latest_day, name="latest"),
    path("date/<str:day>", views.day_page, name="day"),
]
