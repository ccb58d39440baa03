# zorgroute planner service: the API (FastAPI + uvicorn) with its worker processes.
#
#   docker build -t zorgroute-api .
#   docker run -p 8000:8000 -v zorgroute:/var/lib/zorgroute zorgroute-api
#   docker run --rm -v zorgroute:/var/lib/zorgroute zorgroute-api \
#       python -m zorgroute_api keys add --role coordinator --name "pool planner"
#
# SQLite in the volume by default; for PostgreSQL set
# ZORGROUTE_API_DATABASE_URL=postgresql+psycopg://user:password@host/db. Other settings:
# docs/api.md. One container per database: a starting server re-queues the jobs it finds
# running, so two servers on one database would re-run each other's jobs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY data ./data
COPY api ./api
# the `osm` extra downloads road networks for regions other than the bundled demo region
RUN pip install '.[api,osm]' && rm -rf /app/src /app/api /app/data

RUN useradd --create-home --uid 10001 zorgroute \
    && mkdir -p /var/lib/zorgroute/cache \
    && chown -R zorgroute /var/lib/zorgroute
USER zorgroute

ENV ZORGROUTE_API_DATABASE_URL=sqlite:////var/lib/zorgroute/api.db \
    ZORGROUTE_CACHE_DIR=/var/lib/zorgroute/cache \
    ZORGROUTE_API_WORKERS=2
VOLUME /var/lib/zorgroute
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"

CMD ["python", "-m", "zorgroute_api", "serve", "--host", "0.0.0.0", "--port", "8000"]
