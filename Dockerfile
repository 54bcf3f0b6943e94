# The service desk image: web (gunicorn), worker and beat all run from it
# (see docker-compose.yml for the commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group itsm
WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir itsm && touch itsm/__init__.py \
    && pip install . && pip uninstall -y itsm-service-desk && rm -rf itsm build *.egg-info

COPY . .
# Editable: the code, templates and static files are used from /app, where Django's
# BASE_DIR expects them (a plain install would copy only the Python modules).
RUN pip install --no-deps -e . \
    && pybabel -q compile -d locale -D django \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p var/media var/beat \
    && chown -R itsm:itsm var

USER itsm
EXPOSE 8000
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["gunicorn", "itsm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
