"""The service desk project package and its shared ticket core (app label "itsm")."""

from .celery import app as celery_app

__all__ = ("celery_app",)
