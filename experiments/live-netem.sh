#!/usr/bin/env bash
# A live run under real network conditions: P `plexus node` processes and the observer, each in its
# own Linux network namespace, joined by veth pairs on a bridge, with `tc netem` delay and loss on
# every namespace's way out; then the simulator on the same config with the same latency and drop
# (time.latency = delay / time scale, time.drop = loss), and the two accuracy curves side by side.
#
#   sudo experiments/live-netem.sh [--delay MS] [--loss PCT] [--processes P] [--scale MS] [--sync] [--out DIR]
#
# Default: asynchronous gossip learning (16 peers, push-pull, one virtual time unit = --scale ms of
# wall clock). --sync: synchronous dpsgd instead, whose live metrics equal the simulator's whatever
# the network (netem only slows it down). Needs root, iproute2 (ip, tc) and a built dist/ (npm run build).
# Where the kernel has no netem (tc: "Specified qdisc kind is unknown", no sch_netem module) the
# script says so and, for gossip, falls back to the senders' own emulation of the latency and drop
# (plexus node --emulate-network): that is emulation in the application, not netem.
# The gossip mode needs `plexus live` / `plexus node` to run gossip-learning (src/live/async/).
# TCP resends what netem loses: a live run loses no message to netem loss, it delays it (>= 200 ms).
set -euo pipefail

DELAY=50 LOSS=5 P=2 SCALE=100 MODE=async OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --delay) DELAY=$2; shift 2 ;;
    --loss) LOSS=$2; shift 2 ;;
    --processes) P=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --sync) MODE=sync; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "live-netem: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PLEXUS="$ROOT/bin/plexus.js"
[ "$(id -u)" = 0 ] || { echo "live-netem: needs root (ip netns); run it with sudo" >&2; exit 77; }
command -v ip >/dev/null && command -v tc >/dev/null || { echo "live-netem: needs iproute2 (ip and tc)" >&2; exit 77; }
[ -f "$ROOT/dist/src/cli/live-command.js" ] || { echo "live-netem: build first (npm run build)" >&2; exit 77; }

ID=$$
NET="10.214.$((ID % 250))"
BR="plx${ID}br"
OUT=${OUT:-$(mktemp -d /tmp/plexus-live-netem-XXXXXX)}
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for k in $(seq 0 "$P"); do ip netns del "plx${ID}n$k" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  ip netns del "plx${ID}probe" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# does the kernel have netem? try on a throwaway veth in a throwaway namespace
ip netns add "plx${ID}probe"
ip link add "plx${ID}pa" type veth peer name "plx${ID}pb"
ip link set "plx${ID}pb" netns "plx${ID}probe"
NETEM=1
if ! err=$(ip netns exec "plx${ID}probe" tc qdisc add dev "plx${ID}pb" root netem delay 1ms 2>&1); then
  NETEM=0
  echo "live-netem: tc netem is missing here ($err): the kernel has no sch_netem module" >&2
fi
ip netns del "plx${ID}probe"

EMULATE=()
if [ "$NETEM" = 0 ]; then
  if [ "$MODE" = sync ]; then
    echo "live-netem: running the synchronous run across namespaces without delay or loss" >&2
  else
    echo "live-netem: the senders emulate the delay and loss instead (--emulate-network; not netem)" >&2
    EMULATE=(--emulate-network)
  fi
fi

# namespaces 0..P-1 the processes, P the observer; a bridge in the root namespace joins them
ip link add "$BR" type bridge
ip link set "$BR" up
for k in $(seq 0 "$P"); do
  ns="plx${ID}n$k"
  ip netns add "$ns"
  ip link add "plx${ID}h$k" type veth peer name "plx${ID}v$k"
  ip link set "plx${ID}h$k" master "$BR" up
  ip link set "plx${ID}v$k" netns "$ns"
  ip netns exec "$ns" ip addr add "$NET.$((k + 1))/24" dev "plx${ID}v$k"
  ip netns exec "$ns" ip link set "plx${ID}v$k" up
  ip netns exec "$ns" ip link set lo up
  if [ "$NETEM" = 1 ]; then ip netns exec "$ns" tc qdisc add dev "plx${ID}v$k" root netem delay "${DELAY}ms" loss "${LOSS}%"; fi
done

CFG="$OUT/config.yaml"
LATENCY=$(node -e "console.log($DELAY / $SCALE)")
DROP=$(node -e "console.log($LOSS / 100)")
if [ "$MODE" = sync ]; then
  cat >"$CFG" <<EOF
name: live-netem-sync
seed: 5
peers: 16
rounds: 20
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.5, batchSize: 16 }
eval: { every: 2, testExamples: 500 }
EOF
  LIVE_FLAGS=()
else
  cat >"$CFG" <<EOF
# asynchronous gossip: one virtual time unit = $SCALE ms live; the simulator gets netem's delay and loss
name: live-netem-gossip
seed: 7
peers: 16
rounds: 40
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.5, batchSize: 16 }
protocol: { kind: gossip-learning, variant: push-pull }
time: { mode: async, period: 0.25, latency: $LATENCY, drop: $DROP }
eval: { every: 2, testExamples: 500 }
EOF
  LIVE_FLAGS=(--time-scale "$SCALE")
fi

BOOT="$OUT/bootstrap.txt"
for k in $(seq 0 "$P"); do echo "/ip4/$NET.$((k + 1))/tcp/4001"; done >"$BOOT"
for k in $(seq 0 $((P - 1))); do
  ip netns exec "plx${ID}n$k" node "$PLEXUS" node "$CFG" --index "$k" --processes "$P" --listen "/ip4/$NET.$((k + 1))/tcp/4001" \
    --bootstrap "$BOOT" "${LIVE_FLAGS[@]}" "${EMULATE[@]}" >"$OUT/node$k.out" 2>"$OUT/node$k.err" &
  PIDS+=($!)
done
echo "live-netem: $P processes and the observer in namespaces, delay ${DELAY} ms, loss ${LOSS}%$([ "$NETEM" = 1 ] && echo ' (netem)' || echo ' (not applied by netem)')" >&2
ip netns exec "plx${ID}n$P" node "$PLEXUS" live "$CFG" --processes "$P" --join "$BOOT" --listen "/ip4/$NET.$((P + 1))/tcp/4001" \
  --out "$OUT/live" -q "${LIVE_FLAGS[@]}" "${EMULATE[@]}"
wait "${PIDS[@]}"
PIDS=()
node "$PLEXUS" run "$CFG" --out "$OUT/sim" --workers 0 -q

# the two curves: accuracy by virtual time (gossip) or round (dpsgd)
node -e '
const fs = require("fs");
const read = (d) => fs.readFileSync(d + "/metrics.jsonl", "utf8").trim().split("\n").map(JSON.parse).filter((m) => m.meanAccuracy !== undefined);
const [live, sim] = [read(process.argv[1] + "/live"), read(process.argv[1] + "/sim")];
console.log("time  live acc  simulator acc");
live.forEach((m, i) => console.log(String(m.virtualTime ?? m.round).padStart(4), m.meanAccuracy.toFixed(3).padStart(9), (sim[i]?.meanAccuracy ?? NaN).toFixed(3).padStart(14)));
' "$OUT"
echo "live-netem: run directories $OUT/live and $OUT/sim" >&2
