from django.urls import path

from paperwire.accounts import claim_views, org_views

app_name = "orgs"
urlpatterns = [
    path("orgs", org_views.org_list, name="list"),
    path("orgs/new", org_views.create, name="create"),
    path("orgs/<slug:name>", org_views.detail, name="detail"),
    path("orgs/<slug:name>/logo", org_views.logo, name="logo"),
    path("orgs/<slug:name>/members", org_views.add_member, name="add_member"),
    path(
        "orgs/<slug:name>/members/<str:username>/remove",
        org_views.remove_member,
        name="remove_member",
    ),
    path("orgs/<slug:name>/members/<str:username>/role", org_views.set_role, name="set_role"),
    # Authorship claims live with organizations: both are about who a member is.
    path("papers/<arxiv:arxiv_id>/claim", claim_views.claim_author, name="claim_author"),
    path(
        "papers/<arxiv:arxiv_id>/claim/<id:claim_id>/withdraw",
        claim_views.withdraw_claim,
        name="claim_withdraw",
    ),
]
