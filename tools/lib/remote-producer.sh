# Shared by run-css.sh and run-fss.sh: the Redis options they both take (-u -k -c, and -a
# refused), the Redis URL from -q/-p, the credentials passed through the environment (never
# on a command line that `ps` shows) and the built `ei produce`.

EI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

REDIS_OPTIONS_HELP="  -u user       Redis user (default: \$REDIS_USERNAME, else producer)
  -k file       file holding the Redis password (default: \$REDIS_PASSWORD_FILE); or give the
                password in \$REDIS_PASSWORD. Never on the command line: \`ps\` shows it to all
  -c file       CA certificate (PEM) of the frame queue's TLS: connects with rediss://
                (default: \$REDIS_TLS_CA_FILE; \$REDIS_TLS_SERVERNAME if the certificate
                does not name the host)"

# redis_option LETTER VALUE: handles -u -k -c -a; returns 1 for any other letter.
redis_option() {
  case "$1" in
    u) REDIS_USERNAME="$2" ;;
    k) REDIS_PASSWORD_FILE="$2" ;;
    c) REDIS_TLS_CA_FILE="$2" ;;
    a)
      echo "error: -a is no longer accepted: a password on the command line is visible to every user (ps); use -k <file> or REDIS_PASSWORD" >&2
      exit 2
      ;;
    *) return 1 ;;
  esac
}

# run_producer HOST PORT ARGS... : replaces the shell with `ei produce`, so SIGINT/SIGTERM
# reach it directly and it removes its stream from the registry on the way out.
run_producer() {
  local host="$1" port="$2" scheme=redis
  shift 2
  if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "error: queue port must be 1..65535, got '$port'" >&2
    exit 2
  fi
  export REDIS_USERNAME="${REDIS_USERNAME:-producer}"
  if [[ -n "${REDIS_PASSWORD_FILE:-}" ]]; then
    if [[ ! -r "$REDIS_PASSWORD_FILE" ]]; then
      echo "error: cannot read the password file '$REDIS_PASSWORD_FILE' (-k)" >&2
      exit 2
    fi
    export REDIS_PASSWORD_FILE
    unset REDIS_PASSWORD
  elif [[ -n "${REDIS_PASSWORD:-}" ]]; then
    export REDIS_PASSWORD
  else
    unset REDIS_PASSWORD REDIS_PASSWORD_FILE
    echo "warning: no password (-k file or REDIS_PASSWORD); the cluster's frame-queue NodePort requires one" >&2
  fi
  if [[ -n "${REDIS_TLS_CA_FILE:-}" ]]; then
    export REDIS_TLS_CA_FILE
    scheme=rediss
  fi
  local node="${NODE:-node}"
  # --single-threaded-gc: the services' Node flags (SERVICE_NODE_FLAGS in @ei/core).
  exec "$node" --single-threaded-gc "$EI_ROOT/services/cli/bin/ei.js" produce --redis "${scheme}://${host}:${port}" "$@"
}
