#!/usr/bin/env bash
# File stream service: plays a video file in real time, in a loop, into the frame queue of
# a remote cluster through its frame-queue NodePort.
set -euo pipefail

# shellcheck source=lib/remote-producer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/remote-producer.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") -v file [-t type] [-s stream] [-q host] [-p port] [-u user]
                  [-k password-file] [-c ca-file] [-f fps] [-w max-width] [-o] [-m metrics-port]

  -v file       video file to play (any format ffmpeg reads)
  -t type       inference type: people, car, face, object, ... (default people)
  -s stream     stream name, unique in the cluster (default fss-<host>)
  -q host       frame-queue host: a cluster node (default 127.0.0.1)
  -p port       frame-queue port: the NodePort (default 31003)
$REDIS_OPTIONS_HELP
  -f fps        frames per second to send (default: the file's rate)
  -w width      scale frames wider than this down (default: no scaling)
  -o            play once and exit instead of looping
  -m port       port of this producer's /metrics (default 8001, 0: any free port)
  -h            this help
USAGE
}

file='' type=people stream='' host=127.0.0.1 port=31003 fps='' width='' loop=1 metrics=8001
while getopts ':v:t:s:q:p:a:u:k:c:f:w:m:oh' option; do
  case "$option" in
    v) file="$OPTARG" ;;
    t) type="$OPTARG" ;;
    s) stream="$OPTARG" ;;
    q) host="$OPTARG" ;;
    p) port="$OPTARG" ;;
    f) fps="$OPTARG" ;;
    w) width="$OPTARG" ;;
    o) loop=0 ;;
    m) metrics="$OPTARG" ;;
    h) usage; exit 0 ;;
    u | k | c | a) redis_option "$option" "$OPTARG" ;;
    :) echo "error: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "error: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done

if [[ -z "$file" ]]; then
  echo "error: -v <video file> is required" >&2
  usage >&2
  exit 2
fi

args=(--source "$file" --type "$type" --name "${stream:-fss-$(hostname -s)}" --metrics-port "$metrics")
[[ -n "$fps" ]] && args+=(--fps "$fps")
[[ -n "$width" ]] && args+=(--max-width "$width")
((loop)) && args+=(--loop)

run_producer "$host" "$port" "${args[@]}"
