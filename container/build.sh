#!/usr/bin/env bash
# Builds the platform's container images (gateway, worker, producer) from the repository
# root and pushes them to a registry, named <registry>/ei-<image>:<tag> as
# tools/gen-k8s-yaml.sh expects.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The release: the default tag, the one the manifests and tools/gen-k8s-yaml.sh use.
release="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json")"

usage() {
  cat <<USAGE
Usage: $(basename "$0") -r registry [-t tag] [-i image]... [-n] [-b builder] [-a build-arg]...

  -r registry   registry and path prefix, e.g. localhost:5000 or ghcr.io/acme (required)
  -t tag        image tag (default: $release, the release in package.json)
  -i image      build only this image: gateway, worker or producer (repeatable; default all)
  -n            build only, do not push
  -b builder    docker or podman (default: docker, else podman if docker is missing)
  -a arg        extra --build-arg, e.g. NODE_IMAGE=node:20-bookworm-slim (repeatable)
  -h            this help

Example:
  container/build.sh -r localhost:5000 -t 0.1.0
  tools/gen-k8s-yaml.sh -r localhost:5000 -t 0.1.0
USAGE
}

registry='' tag="$release" push=1 builder='' images=() build_args=()
while getopts ':r:t:i:nb:a:h' option; do
  case "$option" in
    r) registry="${OPTARG%/}" ;;
    t) tag="$OPTARG" ;;
    i) images+=("$OPTARG") ;;
    n) push=0 ;;
    b) builder="$OPTARG" ;;
    a) build_args+=(--build-arg "$OPTARG") ;;
    h) usage; exit 0 ;;
    :) echo "error: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "error: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if (($# > 0)); then echo "error: unexpected argument '$1'" >&2; usage >&2; exit 2; fi
if [[ -z "$registry" ]]; then echo "error: -r registry is required" >&2; usage >&2; exit 2; fi
if [[ ! "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "error: -t $tag is not a valid image tag" >&2; exit 2
fi
((${#images[@]} > 0)) || images=(gateway worker producer)
for image in "${images[@]}"; do
  case "$image" in
    gateway | worker | producer) ;;
    *) echo "error: -i $image: expected gateway, worker or producer" >&2; exit 2 ;;
  esac
done

if [[ -z "$builder" ]]; then
  if command -v docker >/dev/null 2>&1; then builder=docker
  elif command -v podman >/dev/null 2>&1; then builder=podman
  else echo "error: neither docker nor podman found; install one or pass -b" >&2; exit 1
  fi
fi
command -v "$builder" >/dev/null 2>&1 || { echo "error: $builder not found" >&2; exit 1; }

# The Dockerfiles use cache mounts (BuildKit); docker enables it by default since 23.0.
export DOCKER_BUILDKIT=1

for image in "${images[@]}"; do
  name="${registry}/ei-${image}:${tag}"
  echo "==> building $name"
  "$builder" build "${build_args[@]}" -f "$root/container/${image}.Dockerfile" -t "$name" "$root"
  if ((push)); then
    echo "==> pushing $name"
    "$builder" push "$name"
  fi
done
echo "done: ${images[*]} as ${registry}/ei-<image>:${tag}"
