"""The Celery application.

With REDIS_URL set the broker is Redis; without it, Celery's filesystem transport
under var/ lets `make run` start a real worker and beat with nothing else installed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

app = Celery("itsm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
