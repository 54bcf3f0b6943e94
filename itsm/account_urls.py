"""Placeholder until the UI lands."""

urlpatterns: list = []
