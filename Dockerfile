# One image for every Attaché service; the command picks the service (see deploy/compose.yaml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    ATTACHE_EMBEDDED=0 ATTACHE_DATA_DIR=/var/lib/attache ATTACHE_LOG_FORMAT=json \
    ATTACHE_HEALTH_PORT=8080 ATTACHE_SAMPLE_FEEDS_PORT=0
# /health and /metrics listen on 127.0.0.1 (the default): the HEALTHCHECK below reaches them, nothing
# outside the container does. deploy/compose.yaml opens them to the compose network and the host's loopback.
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY services ./services
COPY schemas ./schemas
COPY deploy ./deploy
# Editable install: services read schemas/ and deploy/ next to the package, as in a checkout.
RUN pip install -c requirements.lock -e . && useradd --system --uid 10001 attache \
    && mkdir -p /var/lib/attache && chown attache /var/lib/attache
USER attache
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)"
ENTRYPOINT ["attache"]
CMD ["--help"]
