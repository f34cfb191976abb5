#!/usr/bin/env bash
# Proves README.md's quick start: runs its first command, word for word, in a fresh clone
# of this repository, with a pnpm 10.x other than the one package.json pins (the newest
# the registry serves, or the one before it when the pin is the newest), installed by that
# command itself into a temporary npm prefix. Passes when the platform it starts lists the
# default streams as live and a result reaches /api/results; then stops it with Ctrl-C.
#
# Run by .ci/run (as root, where `sudo` may be absent: the command must cope). Needs the
# npm registry and Debian's package lists. Leaves nothing behind but the pnpm store cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t ei-quickstart-XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "quickstart: $*"; }

# The first command of the README's first ```sh block.
command="$(awk '/^```sh$/ { inside = 1; next } inside { print; exit }' "$repo/README.md")"
[ -n "$command" ] || { say "no \`\`\`sh block in README.md"; exit 1; }
case "$command" in
  *"npm install -g pnpm@10 "*) ;;
  *) say "README's command no longer installs pnpm with 'npm install -g pnpm@10': update this script"; exit 1 ;;
esac

pinned="$(node -p "require('$repo/package.json').packageManager.replace(/^pnpm@/, '')")"
# The registry lists versions in publication order, not by number: sort them.
versions_of_10="$(cd "$work" && npm view 'pnpm@10' version --json | node -e '
  const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const key = (s) => s.split(".").map((n) => n.padStart(6, "0")).join(".");
  const list = (Array.isArray(v) ? v : [v]).filter((x) => /^\d+\.\d+\.\d+$/.test(x));
  console.log(list.sort((a, b) => key(a).localeCompare(key(b))).join(" "));')"
read -r -a versions <<<"$versions_of_10"
want="${versions[-1]}"
if [ "$want" = "$pinned" ]; then
  want="${versions[-2]}"
  command="${command/npm install -g pnpm@10 /npm install -g pnpm@$want }"
fi
say "pinned pnpm $pinned; the command will install pnpm $want"

git clone --quiet "$repo" "$work/ei"
port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
gateway_port="$(port)"
redis_port="$(port)"

# npm's global prefix in the temporary folder, first on the PATH: `npm install -g` puts
# pnpm there, as it would put it in /usr on a fresh machine. REDIS_URL names a free port,
# so `pnpm start` starts its private redis-server there, not beside a Redis already on 6379.
say "running in $work/ei: $command"
(
  cd "$work/ei"
  export NPM_CONFIG_PREFIX="$work/npm-global" PATH="$work/npm-global/bin:$PATH"
  export REDIS_URL="redis://127.0.0.1:$redis_port" EI_GATEWAY_PORT="$gateway_port"
  exec setsid bash -c "$command" </dev/null >"$work/output.log" 2>&1
) &
pid=$!

base="http://127.0.0.1:$gateway_port"
deadline=$((SECONDS + 900))
until grep -q 'Dashboard:' "$work/output.log" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    tail -40 "$work/output.log"; say "FAILED: the platform did not start"; exit 1
  fi
  sleep 2
done
used="$(grep -o 'using pnpm v[0-9.]*' "$work/output.log" | head -1 | sed 's/using pnpm v//')"
say "pnpm install ran with pnpm $used"
if [ "$used" = "$pinned" ] || [ "$used" != "$want" ]; then
  say "FAILED: expected pnpm $want (not the pinned $pinned) to run the install"; exit 1
fi

check() {
  node -e '
    const [base] = process.argv.slice(1);
    const get = (p) => fetch(base + p).then((r) => r.json());
    Promise.all([get("/api/streams"), get("/api/results?limit=1")]).then(([streams, results]) => {
      const live = streams.streams.filter((s) => s.state === "live").map((s) => s.id);
      const got = results.results.length;
      console.log(`live streams: ${live.sort().join(", ") || "none"}; results: ${got}`);
      process.exit(["faces", "street-cars", "street-people"].every((id) => live.includes(id)) && got > 0 ? 0 : 1);
    }, () => process.exit(1));' "$base"
}
until check; do
  if [ $SECONDS -gt $deadline ]; then tail -40 "$work/output.log"; say "FAILED: no live streams or results"; exit 1; fi
  sleep 2
done

kill -INT -- "-$pid"
wait "$pid" || true
pid=""
grep -q 'stopping every process' "$work/output.log" || { tail -20 "$work/output.log"; say "FAILED: Ctrl-C did not stop it"; exit 1; }
say "passed: README's first command installed and started the platform with pnpm $used (pinned $pinned)"
