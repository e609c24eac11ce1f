# syntax=docker/dockerfile:1
# distconnect worker image: `docker build -t distconnect .`
#   extra connector/converter packages (pip requirement specifiers, space-separated):
#   docker build --build-arg PLUGINS="my-connector==1.2 other-plugin" -t distconnect:with-plugins .
# Runs as a non-root user (uid 10001) with the `distconnect` command as PID 1 in exec form, so
# SIGTERM from the kubelet reaches the worker directly: it stops its tasks, commits offsets and exits 0.
# No init (tini) is needed: the worker installs its own SIGTERM/SIGINT handlers (which work for
# PID 1) and starts no child processes, so there are no zombies to reap.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/distconnect
WORKDIR /src
COPY pyproject.toml README.md ./
COPY distconnect ./distconnect
RUN /opt/distconnect/bin/pip install .
ARG PLUGINS=""
RUN if [ -n "$PLUGINS" ]; then /opt/distconnect/bin/pip install $PLUGINS; fi \
 && /opt/distconnect/bin/distconnect --version

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="distconnect" \
      org.opencontainers.image.description="Kafka Connect's distributed worker runtime in Python" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 distconnect \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/distconnect --create-home \
      --shell /usr/sbin/nologin distconnect \
 && mkdir -p /etc/distconnect \
 && chown distconnect:distconnect /etc/distconnect
COPY --from=build /opt/distconnect /opt/distconnect
# PYTHONDONTWRITEBYTECODE: the chart runs with a read-only root file system.
ENV PATH=/opt/distconnect/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
WORKDIR /home/distconnect
EXPOSE 8083
ENTRYPOINT ["distconnect"]
CMD ["worker", "/etc/distconnect/worker.properties"]
