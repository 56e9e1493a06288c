from django.urls import path

from paperwire.papers import views

app_name = "papers"
urlpatterns = [
    path("papers/<arxiv:arxiv_id>", views.paper_detail, name="detail"),
]
