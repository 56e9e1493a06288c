from django.urls import path

from paperwire.accounts import token_views, views

app_name = "accounts"
urlpatterns = [
    path("accounts/signup", views.signup, name="signup"),
    path("accounts/signup/done", views.signup_done, name="signup_done"),
    path("accounts/verify/resend", views.resend_verification, name="resend_verification"),
    path("accounts/verify/<str:token>", views.verify_email, name="verify_email"),
    path("accounts/login", views.login_view, name="login"),
    path("accounts/logout", views.logout_view, name="logout"),
    path("accounts/password/reset", views.password_reset, name="password_reset"),
    path("accounts/password/reset/sent", views.password_reset_done, name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("settings/tokens", token_views.create_token, name="create_token"),
    path("settings/tokens/<id:token_id>/revoke", token_views.revoke_token, name="revoke_token"),
]
