"""gunicorn reads this file from the working directory (the project root, /app in the
image) whichever command starts it: docker-compose, the Dockerfile, bench/run.py.
A `--worker-class` on the command line overrides the worker chosen here, and so does
`--threads` above 1 (gunicorn then runs its threaded worker)."""

from itsm import serving

worker_class = "itsm.serving.CollectingSyncWorker"


def post_worker_init(worker):
    serving.prepare_worker(worker)
