#!/bin/sh
# Every container of the image (web, worker, beat) refuses to start on an unsafe
# configuration: Django's deployment checks and ours (itsm.checks), which refuse the
# development SECRET_KEY among others. Warnings are printed; errors stop the start.
set -e
python manage.py check --deploy --fail-level ERROR
exec "$@"
