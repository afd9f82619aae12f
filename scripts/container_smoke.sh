#!/usr/bin/env bash
# Build the action image and run it once, end to end, without any container registry.
#
# Usage: bash scripts/container_smoke.sh        (from anywhere; needs root, apt and podman)
#        SMOKE_BUILD_ONLY=1 bash scripts/container_smoke.sh   (stop after the build)
#        SMOKE_ENGINE=docker bash scripts/container_smoke.sh  (a Docker engine that can pull the
#                                                              real base image, e.g. in Actions)
#
# Stages (each prints its duration):
#   1. tools      podman + runc + debootstrap, installed with apt-get when missing
#   2. base       a stand-in for the Dockerfile's FROM image, made with debootstrap from the
#                 Debian mirror configured in apt's sources (Debian's python3 of the same
#                 release), tagged with the FROM tag so podman never tries to pull. Cached:
#                 in podman's storage and as a tarball under /var/tmp, keyed by suite, mirror
#                 and CA bundle, so a second run skips it. The Dockerfile pins its base by
#                 digest, which no local image can have, so podman builds from a copy of the
#                 Dockerfile whose FROM keeps the tag and drops the digest (the only change).
#   3. build      podman build --isolation=chroot (the default OCI runtime cannot do cgroups
#                 on hybrid hosts); the host network, so pip reaches the package index. The
#                 build itself runs scripts/image_check.py (pip check, imports, no dev code).
#   4. image      the image's size and what it adds over its base.
#   5. run        scripts/container_e2e.py, twice: the container against the Jules simulator
#                 and the GitHub stand-in on the host (--network=host) with the real
#                 issues.labeled payload, asserting outcome=pr-opened and a pr-url in
#                 GITHUB_OUTPUT; then an idle reconcile (nothing open), asserting one GitHub
#                 request and no Jules request, with its timings.
#
# The stand-in base proves the Dockerfile's steps, the entrypoint and the env/input/output
# wiring; it is not byte-for-byte the upstream python image (SMOKE_ENGINE=docker, as in the
# repository's CI workflow, builds on the real, digest-pinned base).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ENGINE="${SMOKE_ENGINE:-podman}"
IMAGE="${SMOKE_IMAGE:-localhost/jules-action:smoke}"
CACHE_DIR="${SMOKE_CACHE_DIR:-/var/tmp/jules-action-standin}"
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
# Workarounds measured for podman on a cgroup v1/hybrid host with low hard rlimits.
PODMAN_RUN_OPTS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

T_START=$SECONDS
STAGE_NAME=""
STAGE_START=0
stage() {
  if [[ -n "$STAGE_NAME" ]]; then
    printf '=== smoke: %-6s done in %ss\n' "$STAGE_NAME" "$((SECONDS - STAGE_START))"
  fi
  STAGE_NAME="$1"
  STAGE_START=$SECONDS
  [[ -n "$1" ]] && printf '=== smoke: %s\n' "$1"
  return 0
}
REPORTED=""
WORK_DIR=""
fail() {
  printf 'FAILED: container smoke, stage %s: %s\n' "${STAGE_NAME:-setup}" "$*" >&2
  REPORTED=1
  exit 1
}
on_exit() {
  local rc=$?
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
  if ((rc != 0)) && [[ -z "$REPORTED" ]]; then
    printf 'FAILED: container smoke, stage %s (exit %s)\n' "${STAGE_NAME:-setup}" "$rc" >&2
  fi
}
trap on_exit EXIT

# The Dockerfile's base image without its digest, fully qualified the way podman resolves a
# Docker Hub short name.
from_image() {
  local ref
  ref="$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)"
  [[ -n "$ref" ]] || fail "no FROM line in Dockerfile"
  ref="${ref%%@*}"
  case "$ref" in
    */*/*) ;;                                   # registry/namespace/name
    */*) ref="docker.io/$ref" ;;                # namespace/name on Docker Hub
    *) ref="docker.io/library/$ref" ;;          # official image
  esac
  printf '%s\n' "$ref"
}

# The Debian mirror configured in apt's sources (deb822 .sources files or one-line lists).
debian_mirror() {
  local suite="$1" file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; ok = 0; deb = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { n = split(substr($i, 8), s, /[ \t]+/); for (j = 1; j <= n; j++) if (s[j] == suite) ok = 1 }
          if ($i ~ /^Types:/ && $i ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
        }
        if (ok && deb && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$file"
  done | head -n 1 | grep . && return 0
  awk -v suite="$suite" '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == suite) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 | grep . && return 0
  return 1
}

# The CA bundle pip is configured with (a TLS-intercepting proxy's CA lives there), if any.
pip_ca_bundle() {
  local cert="${PIP_CERT:-}"
  if [[ -z "$cert" ]]; then
    cert="$("$PYTHON" -m pip config get global.cert 2>/dev/null || true)"
  fi
  if [[ -z "$cert" ]]; then cert="${REQUESTS_CA_BUNDLE:-${SSL_CERT_FILE:-}}"; fi
  if [[ -n "$cert" && -f "$cert" ]]; then printf '%s\n' "$cert"; fi
}

install_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ((${#missing[@]})); then
    ((EUID == 0)) || fail "needs root to install ${missing[*]} with apt-get"
    echo "installing ${missing[*]} with apt-get"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  podman --version
}

make_standin_base() {
  local from="$1" suite mirror ca key tarball rootfs
  suite="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)"
  case "$from" in *-bookworm) suite=bookworm ;; *-trixie) suite=trixie ;; *-bullseye) suite=bullseye ;; esac
  mirror="$(debian_mirror "$suite")" || fail "no Debian mirror for $suite found in apt's sources"
  ca="$(pip_ca_bundle)"
  key="$(printf '%s|%s|%s|%s' "$from" "$suite" "$mirror" "$( [[ -n "$ca" ]] && sha256sum <"$ca" )" | sha256sum | cut -c1-16)"
  tarball="$CACHE_DIR/rootfs-$suite-$key.tar"

  if [[ "$(podman image inspect --format '{{ index .Labels "jules-action.standin-key" }}' "$from" 2>/dev/null || true)" == "$key" ]]; then
    echo "stand-in base $from is in podman's storage (key $key)"
    return 0
  fi
  if [[ ! -s "$tarball" ]]; then
    echo "debootstrap $suite from $mirror (first run only; cached in $CACHE_DIR)"
    mkdir -p "$CACHE_DIR"
    rootfs="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
    debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
      "$suite" "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE_DIR/debootstrap.log"; fail "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"; }
    # Behave like the python image: pip may install system-wide; "python" exists.
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    ln -sf python3 "$rootfs/usr/bin/python"
    if [[ -n "$ca" ]]; then
      echo "adding pip's CA bundle ($ca) to the stand-in base"
      cp "$ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*.tar' ! -name "$(basename "$tarball")" -delete
  else
    echo "using cached rootfs $tarball"
  fi
  podman import --change 'CMD ["python3"]' --change "LABEL jules-action.standin-key=$key" \
    "$tarball" "$from" >/dev/null
  echo "imported stand-in base as $from"
}

stage tools
if [[ "$ENGINE" == podman ]]; then
  install_tools
else
  command -v "$ENGINE" >/dev/null || fail "$ENGINE is not installed"
fi

FROM_IMAGE="$(from_image)"
if [[ "$ENGINE" == podman ]]; then
  stage base
  make_standin_base "$FROM_IMAGE"
fi

stage build
if [[ "$ENGINE" == podman ]]; then
  # The same Dockerfile with the FROM digest dropped, so the stand-in (tagged, no digest) is used.
  WORK_DIR="$(mktemp -d)"
  sed -E '0,/^FROM /s/^(FROM [^@ ]+)@sha256:[0-9a-f]{64}/\1/' Dockerfile >"$WORK_DIR/Dockerfile"
  diff Dockerfile "$WORK_DIR/Dockerfile" || true
  podman build --isolation=chroot --pull=never -t "$IMAGE" -f "$WORK_DIR/Dockerfile" .
else
  "$ENGINE" build -t "$IMAGE" -f Dockerfile .
fi

stage image
image_bytes() { "$ENGINE" image inspect --format '{{.Size}}' "$1"; }
SIZE="$(image_bytes "$IMAGE")"
BASE_SIZE="$(image_bytes "$FROM_IMAGE" 2>/dev/null || true)"  # unknown when pulled by digest only
if [[ -n "$BASE_SIZE" ]]; then
  printf 'image %s: %s MB, of which %s MB over its base %s (stand-in base: %s MB)\n' "$IMAGE" \
    "$((SIZE / 1000000))" "$(((SIZE - BASE_SIZE) / 1000000))" "$FROM_IMAGE" "$((BASE_SIZE / 1000000))"
else
  printf 'image %s: %s MB\n' "$IMAGE" "$((SIZE / 1000000))"
fi

stage run
if [[ -n "${SMOKE_BUILD_ONLY:-}" ]]; then
  echo "SMOKE_BUILD_ONLY is set: not running the container"
else
  if [[ "$ENGINE" == podman ]]; then export SMOKE_RUN_OPTS="${SMOKE_RUN_OPTS:-$PODMAN_RUN_OPTS}"; fi
  "$PYTHON" scripts/container_e2e.py --engine "$ENGINE" --image "$IMAGE"
  "$PYTHON" scripts/container_e2e.py --engine "$ENGINE" --image "$IMAGE" --scenario idle-reconcile
fi

stage ""
printf '=== smoke: total %ss\n' "$((SECONDS - T_START))"
