# Shared by run-css.sh and run-fss.sh: builds the Redis URL from -q/-p, passes the
# password through the environment (never on a command line that `ps` shows) and runs
# the built `ei produce`.

EI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# run_producer HOST PORT ARGS... : replaces the shell with `ei produce`, so SIGINT/SIGTERM
# reach it directly and it removes its stream from the registry on the way out.
run_producer() {
  local host="$1" port="$2"
  shift 2
  if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "error: queue port must be 1..65535, got '$port'" >&2
    exit 2
  fi
  if [[ -n "${REDIS_PASSWORD:-}" ]]; then
    export REDIS_PASSWORD
  else
    unset REDIS_PASSWORD
    echo "warning: no password (-a or REDIS_PASSWORD); the cluster's frame-queue NodePort requires one" >&2
  fi
  local node="${NODE:-node}"
  # --single-threaded-gc: the services' Node flags (SERVICE_NODE_FLAGS in @ei/core).
  exec "$node" --single-threaded-gc "$EI_ROOT/services/cli/bin/ei.js" produce --redis "redis://${host}:${port}" "$@"
}
