from django.urls import path  # noqa: F401

app_name = "help_requests"

urlpatterns: list = []
