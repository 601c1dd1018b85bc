"""The accounts' addresses under /accounts/."""

from django.urls import path

from copro.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    path("two-factor/setup/", views.setup, name="setup"),
    path("two-factor/", views.verify, name="verify"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm,
         name="password_reset_confirm"),
    path("unlock/<uidb64>/<token>/", views.unlock_account, name="unlock"),
    path("password-reset/done/", views.password_reset_complete,
         name="password_reset_complete"),
]
