# Image of the jules-action Docker action (action.yml: runs.using docker, image Dockerfile).
# The runner builds it at the start of each job; keep it small and its layers cacheable.
#
# Python 3.11 on Debian bookworm: the Python version the package is tested with (pyproject's
# target-version) on a fixed Debian release. Patch releases of the tag bring security fixes;
# pin a digest (python:3.11-slim-bookworm@sha256:...) once the image is published to a registry.
FROM python:3.11-slim-bookworm

# Unbuffered output, so log lines and ::workflow commands:: reach the runner as they happen;
# no .pyc writes at run time (the workspace is mounted and the container is thrown away).
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Pinned runtime dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The package itself, installed into site-packages so imports never depend on the working
# directory (the runner starts the container with --workdir /github/workspace). The source
# is removed afterwards; pip check proves requirements.txt covers every dependency.
COPY pyproject.toml README.md /tmp/src/
COPY jules_action /tmp/src/jules_action
RUN pip install --no-cache-dir --no-deps /tmp/src \
    && rm -rf /tmp/src \
    && pip check \
    && python -c "import jules_action.cli"

COPY entrypoint.py /app/entrypoint.py

# No USER instruction: GitHub runs Docker actions as the image's default user and documents
# that it must be root. The workspace (/github/workspace) and the file-command files behind
# GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are bind-mounted from the runner, owned by the
# runner's own account; a non-root user in the container could not write the outputs.
# https://docs.github.com/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions#user
ENTRYPOINT ["python", "/app/entrypoint.py"]
