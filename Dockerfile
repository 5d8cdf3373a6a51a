# syntax=docker/dockerfile:1
# bokbro: one image for the API (`bokbro serve`), the workers (`bokbro worker`) and the one-shot
# `bokbro migrate`. See docker-compose.yml for the scale-out set-up (api, worker, postgres, redis).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# An unprivileged user owns nothing but the runtime data directory; the code stays root-owned.
RUN groupadd --system --gid 10001 bokbro \
 && useradd --system --uid 10001 --gid bokbro --home-dir /app --no-create-home --shell /usr/sbin/nologin bokbro

WORKDIR /app

# Dependencies first, in their own layer, so that a code change does not reinstall them: install the
# project once with empty packages (pulls every dependency), then drop the stub.
COPY pyproject.toml ./
RUN mkdir -p backend worker \
 && touch backend/__init__.py worker/__init__.py \
 && pip install . \
 && pip uninstall -y bokbro \
 && rm -rf backend worker build ./*.egg-info

COPY backend/ backend/
COPY worker/ worker/
COPY frontend-static/ frontend-static/

# The app looks for the admin UI next to its package (backend/api/app.py: STATIC_DIR is
# <package parent>/frontend-static); after a non-editable install that parent is site-packages, so
# link it there. ./.bokbro is the writable default --data-dir of `bokbro demo`.
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info \
 && ln -s /app/frontend-static "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/frontend-static" \
 && mkdir -p /app/.bokbro \
 && chown bokbro:bokbro /app/.bokbro \
 && bokbro --help > /dev/null

USER bokbro:bokbro

EXPOSE 8000

CMD ["bokbro", "serve", "--host", "0.0.0.0", "--port", "8000"]
