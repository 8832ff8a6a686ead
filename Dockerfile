# One image for the three Wirewatch services (ingest, process, deliver).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY wirewatch ./wirewatch
COPY ingest ./ingest
COPY processors ./processors
COPY alerts ./alerts
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin wirewatch \
 && mkdir -p /var/lib/wirewatch && chown wirewatch /var/lib/wirewatch
COPY config ./config
USER wirewatch
ENV WIREWATCH_DATA_DIR=/var/lib/wirewatch WIREWATCH_METRICS_HOST=0.0.0.0
ENTRYPOINT ["wirewatch"]
CMD ["--help"]
