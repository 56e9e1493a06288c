from django.urls import path

from paperwire.papers import views

app_name = "papers"
urlpatterns = [
    # The converter's ids end in a digit, so ".md" is never taken for part of one.
    path("papers/<arxiv:arxiv_id>.md", views.paper_markdown, name="markdown"),
    path("papers/<arxiv:arxiv_id>", views.paper_detail, name="detail"),
]
