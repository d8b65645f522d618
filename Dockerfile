# The powermap API for a team deployment (see docker-compose.yml and the README's
# "Team deployment (Neo4j)"). Configuration comes from the environment: POWERMAP_STORE,
# NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; POWERMAP_DEMO=1 loads the demo data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POWERMAP_DB=/data/powermap.db \
    POWERMAP_API_DB=/data/powermap.api.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY importers ./importers
COPY api ./api
COPY viz ./viz
COPY powermap ./powermap
COPY docker/entrypoint.sh /usr/local/bin/powermap-entrypoint
# the demo workbook ships inside the package (powermap/data/demo.xlsx)
RUN pip install -e ".[neo4j]" \
    && useradd --system --uid 10001 --home-dir /app powermap \
    && mkdir -p /data && chown powermap /data \
    && chmod 0755 /usr/local/bin/powermap-entrypoint

USER powermap
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["powermap-entrypoint"]
CMD ["powermap", "serve", "--host", "0.0.0.0", "--port", "8000"]
