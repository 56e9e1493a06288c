from django.urls import path

from paperwire.feed import paper_page
from paperwire.papers import claim_views

app_name = "papers"
urlpatterns = [
    # The converter's ids end in a digit, so ".md" is never taken for part of one.
    path("papers/<arxiv_as_written:arxiv_id>.md", paper_page.paper_markdown, name="markdown"),
    path("papers/<arxiv_as_written:arxiv_id>", paper_page.paper_detail, name="detail"),
    path("papers/<arxiv:arxiv_id>/claim", claim_views.claim_author, name="claim_author"),
    path(
        "papers/<arxiv:arxiv_id>/claim/<id:claim_id>/withdraw",
        claim_views.withdraw_claim,
        name="claim_withdraw",
    ),
]
