from django.urls import path

from paperwire.discussion import views

# Under /comments, not /papers/<id>/…: old-style arXiv ids contain a slash, and the
# paper page's pattern takes everything after /papers/.
app_name = "discussion"
urlpatterns = [
    path("comments/on/<arxiv:arxiv_id>", views.post_comment, name="post"),
    path("comments/<id:pk>/reply", views.reply, name="reply"),
    path("comments/<id:pk>/edit", views.edit, name="edit"),
    path("comments/<id:pk>/delete", views.delete, name="delete"),
]
