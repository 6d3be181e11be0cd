# AI Image Studio — one image for both the web server and the worker.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
COPY imagestudio ./imagestudio
RUN node scripts/build-assets.mjs

FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var PORT=8000
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/imagestudio/web/static/dist ./imagestudio/web/static/dist
RUN python manage.py collectstatic --noinput && useradd --create-home studio && mkdir -p var && chown -R studio var
USER studio
EXPOSE 8000
# The web process; the worker runs the same image with `python manage.py worker`.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py seed && gunicorn imagestudio.wsgi --bind 0.0.0.0:${PORT} --workers 3 --access-logfile -"]
