"""gunicorn reads this file from the working directory (the project root, /app in the
image) whichever command starts it: docker-compose, the Dockerfile, bench/run.py.
A `--worker-class` on the command line overrides the worker chosen here."""

from itsm import serving

worker_class = "itsm.serving.CollectingSyncWorker"


def post_worker_init(worker):
    serving.prepare_worker()
