# Image of the jules-action Docker action. Releases publish it to GHCR and the released
# action.yml runs it by digest (docs/RELEASING.md); on main, action.yml says `image: Dockerfile`
# so CI and `uses: ./` run the image built from the working tree.
#
# Base: python:3.11-slim-bookworm, Python 3.11 (pyproject's target version) on a fixed Debian
# release, pinned by the digest of its multi-platform index (amd64 and arm64 alike). The tag
# stays for readers and for Dependabot, which moves tag and digest together; the digest is
# what gets pulled. This one is Python 3.11.16 on the Debian snapshot of 2026-08-24, as
# recorded for that tag by docker-library/repo-info (repos/python/remote/3.11-slim-bookworm.md).
FROM python:3.11-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b

# Unbuffered output, so log lines and ::workflow commands:: reach the runner as they happen;
# no .pyc writes at run time (the workspace is mounted and the container is thrown away).
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_NO_CACHE_DIR=1

# Pinned runtime dependencies first: this layer is rebuilt only when requirements.txt changes.
# --require-hashes: every download must match a hash in requirements.txt. --no-deps: nothing
# outside the file is installed (it leaves out cryptography on purpose; see
# scripts/pin_requirements.py). --only-binary: wheels only, so no build step runs unpinned code.
# The file stays in the image as the record of what is installed.
COPY requirements.txt /app/requirements.txt
RUN pip install --require-hashes --no-deps --only-binary=:all: --requirement /app/requirements.txt

# The package itself, installed into site-packages so imports never depend on the working
# directory (the runner starts the container with --workdir /github/workspace). It is built
# with the base image's own setuptools (--no-build-isolation --no-index: no download at all).
# Only jules_action is copied: the simulator, the GitHub stand-in and the demo
# (jules_action_dev) and the tests never reach the image. scripts/image_check.py then proves
# it: pip check (save the intended exclusions), every runtime module imports, nothing from
# development is importable.
COPY pyproject.toml README.md /tmp/src/
COPY jules_action /tmp/src/jules_action
COPY scripts/image_check.py /tmp/image_check.py
RUN pip install --no-deps --no-build-isolation --no-index /tmp/src \
    && python /tmp/image_check.py /app/requirements.txt \
    && rm -rf /tmp/src /tmp/image_check.py

COPY entrypoint.py /app/entrypoint.py

# No USER instruction: GitHub runs Docker actions as the image's default user and documents
# that it must be root. The workspace (/github/workspace) and the file-command files behind
# GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are bind-mounted from the runner, owned by the
# runner's own account; a non-root user in the container could not write the outputs.
# https://docs.github.com/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions#user
ENTRYPOINT ["python", "/app/entrypoint.py"]
