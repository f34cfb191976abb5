#!/usr/bin/env bash
# Camera stream service: pushes a local camera (V4L2) or an IP camera into the frame
# queue of a remote cluster through its frame-queue NodePort.
set -euo pipefail

# shellcheck source=lib/remote-producer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/remote-producer.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [-v camera] [-t type] [-s stream] [-q host] [-p port] [-u user]
                  [-k password-file] [-c ca-file] [-f fps] [-w max-width] [-m metrics-port]

  -v camera     camera index N (/dev/videoN), or an rtsp:// or http(s):// MJPEG URL (default 0)
  -t type       inference type: people, car, face, object, ... (default people)
  -s stream     stream name, unique in the cluster (default css-<host>-<camera index>)
  -q host       frame-queue host: a cluster node (default 127.0.0.1)
  -p port       frame-queue port: the NodePort (default 31003)
$REDIS_OPTIONS_HELP
  -f fps        frames per second to send (default: the camera's rate)
  -w width      scale frames wider than this down (default: no scaling)
  -m port       port of this producer's /metrics (default 8001, 0: any free port)
  -h            this help

The camera is retried for ever when it stops or cannot be reached. Ctrl-C stops it and
removes the stream from the cluster's registry.
USAGE
}

camera=0 type=people stream='' host=127.0.0.1 port=31003 fps='' width='' metrics=8001
while getopts ':v:t:s:q:p:a:u:k:c:f:w:m:h' option; do
  case "$option" in
    v) camera="$OPTARG" ;;
    t) type="$OPTARG" ;;
    s) stream="$OPTARG" ;;
    q) host="$OPTARG" ;;
    p) port="$OPTARG" ;;
    f) fps="$OPTARG" ;;
    w) width="$OPTARG" ;;
    m) metrics="$OPTARG" ;;
    h) usage; exit 0 ;;
    u | k | c | a) redis_option "$option" "$OPTARG" ;;
    :) echo "error: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "error: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done

if [[ "$camera" =~ ^[0-9]+$ ]]; then
  source="/dev/video${camera}"
  stream="${stream:-css-$(hostname -s)-${camera}}"
else
  source="$camera"
  stream="${stream:-css-$(hostname -s)}"
fi

args=(--source "$source" --type "$type" --name "$stream" --metrics-port "$metrics")
[[ -n "$fps" ]] && args+=(--fps "$fps")
[[ -n "$width" ]] && args+=(--max-width "$width")

run_producer "$host" "$port" "${args[@]}"
