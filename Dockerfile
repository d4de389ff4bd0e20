# Regie web and worker image (same image, different command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REGIE_VAR_DIR=/var/lib/regie

WORKDIR /app
COPY requirements/lock.txt requirements/lock.txt
RUN pip install -r requirements/lock.txt

COPY . .
RUN useradd --system --create-home regie \
    && mkdir -p /var/lib/regie \
    && chown -R regie /var/lib/regie \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

USER regie
EXPOSE 8000
CMD ["gunicorn", "regie_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
