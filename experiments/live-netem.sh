#!/usr/bin/env bash
# A live run under real network conditions: P `plexus node` processes and the observer, each in its
# own Linux network namespace, joined by veth pairs on a bridge, with delay and loss in the kernel's
# packet path on every namespace's way out; then the simulator on the same config with the same
# latency, and the two accuracy curves side by side.
#
#   sudo experiments/live-netem.sh [--delay MS] [--loss PCT] [--processes P] [--scale MS] [--nfqueue] [--sync] [--out DIR]
#
# The conditions: `tc netem delay MS loss PCT` where the kernel has sch_netem; else (--nfqueue forces
# it) iptables rules in each namespace's OUTPUT chain: `-m statistic --mode random --probability
# PCT/100 -j DROP` for the loss, then `-j NFQUEUE` to tools/nfdelay (compiled here with gcc into
# build/nfdelay; Debian: apt-get install iptables libnetfilter-queue-dev), which holds each packet
# MS ms, for the delay. Where neither works, the script says so and falls back to the senders' own
# emulation (plexus node --emulate-network): emulation in the application, not the kernel.
#
# Default: asynchronous gossip learning, 8 peers waking twice a unit on a cycle whose every edge
# joins two processes (so every message crosses the network, as every message has the latency in
# the simulator), one virtual time unit = --scale ms of wall clock (default 400; delay 400 ms is
# latency 1). The mapping: time.latency = delay / scale; time.drop = 0, because the simulator's drop
# loses whole messages while the kernel loses packets, which TCP sends again: the live run loses no
# message (its summary's messagesDropped), it delays some by a retransmission (>= 200 ms). So the
# simulator runs twice: with drop 0 (the messages the live run lost) and with drop = the packet loss.
# With the emulation fallback the senders do drop messages: there time.drop = loss / 100.
# --sync: synchronous dpsgd instead, whose live metrics equal the simulator's whatever the network
# (the conditions only slow it down). Needs root, iproute2 and a built dist/ (npm run build).
set -euo pipefail

DELAY=400 LOSS=5 P=2 SCALE=400 MODE=async OUT= FORCE_NFQUEUE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --delay) DELAY=$2; shift 2 ;;
    --loss) LOSS=$2; shift 2 ;;
    --processes) P=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --nfqueue) FORCE_NFQUEUE=1; shift ;;
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
PEERS=8
[ "$MODE" = sync ] && PEERS=16
[ $((PEERS % P)) = 0 ] || { echo "live-netem: --processes $P must divide the $PEERS peers" >&2; exit 2; }

ID=$$
NET="10.212.$((ID % 250))"
BR="plx${ID}br"
OUT=${OUT:-$(mktemp -d /tmp/plexus-live-netem-XXXXXX)}
mkdir -p "$OUT"
PIDS=()
DELAYS=()
cleanup() {
  for pid in "${PIDS[@]:-}" "${DELAYS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  # a namespace lives on while a process is in it: the root side of each veth pair goes explicitly
  for k in $(seq 0 "$P"); do ip netns del "plx${ID}n$k" 2>/dev/null || true; ip link del "plx${ID}h$k" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  ip netns del "plx${ID}probe" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

NFDELAY="$ROOT/build/nfdelay/nfdelay"
# nfdelay in namespace $1 holding its queue-0 packets $DELAY ms, once it says it is bound; its pid in DELAYS
start_nfdelay() {
  local out="$OUT/nfdelay-$1.out"
  ip netns exec "$1" nice -n -10 "$NFDELAY" 0 "$DELAY" >"$out" 2>"$OUT/nfdelay-$1.err" &
  DELAYS+=($!)
  for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && return 0; sleep 0.05; done
  echo "live-netem: nfdelay did not bind an NFQUEUE queue: $(cat "$OUT/nfdelay-$1.err")" >&2
  return 1
}

# how to delay and drop packets here: try netem, then iptables + nfdelay, on a throwaway namespace
ip netns add "plx${ID}probe"
ip link add "plx${ID}pa" type veth peer name "plx${ID}pb"
ip link set "plx${ID}pb" netns "plx${ID}probe"
HOW=emulate
if [ "$FORCE_NFQUEUE" = 0 ] && err=$(ip netns exec "plx${ID}probe" tc qdisc add dev "plx${ID}pb" root netem delay 1ms 2>&1); then
  HOW=netem
else
  [ "$FORCE_NFQUEUE" = 1 ] || echo "live-netem: tc netem is missing here ($err): the kernel has no sch_netem; trying iptables and NFQUEUE" >&2
  IPT=
  for bin in iptables iptables-legacy; do
    if ip netns exec "plx${ID}probe" "$bin" -A OUTPUT -m statistic --mode random --probability 0.01 -j DROP 2>/dev/null \
      && ip netns exec "plx${ID}probe" "$bin" -A OUTPUT -j NFQUEUE --queue-num 0 2>/dev/null; then IPT=$bin; break; fi
  done
  if [ -z "$IPT" ]; then
    echo "live-netem: no iptables with the statistic match and the NFQUEUE target (apt-get install iptables)" >&2
  elif [ ! -x "$NFDELAY" ] || [ "$ROOT/tools/nfdelay/nfdelay.c" -nt "$NFDELAY" ]; then
    mkdir -p "$(dirname "$NFDELAY")"
    if gcc -O2 -Wall -o "$NFDELAY.$ID" "$ROOT/tools/nfdelay/nfdelay.c" -lnetfilter_queue -lnfnetlink; then
      mv "$NFDELAY.$ID" "$NFDELAY"
    else
      echo "live-netem: cannot compile tools/nfdelay (needs gcc and apt-get install libnetfilter-queue-dev)" >&2
    fi
  fi
  if [ -n "$IPT" ] && [ -x "$NFDELAY" ] && start_nfdelay "plx${ID}probe"; then
    HOW=nfqueue
    kill "${DELAYS[-1]}"
  fi
fi
ip netns del "plx${ID}probe"

EMULATE=()
if [ "$HOW" = emulate ]; then
  if [ "$MODE" = sync ]; then
    echo "live-netem: running the synchronous run across namespaces without delay or loss" >&2
  else
    echo "live-netem: the senders emulate the delay and loss instead (--emulate-network; not the kernel)" >&2
    EMULATE=(--emulate-network)
  fi
fi

# namespaces 0..P-1 the processes, P the observer; a bridge in the root namespace joins them
ip link add "$BR" type bridge
ip link set "$BR" up
for k in $(seq 0 "$P"); do
  ns="plx${ID}n$k" dev="plx${ID}v$k"
  ip netns add "$ns"
  ip link add "plx${ID}h$k" type veth peer name "$dev"
  ip link set "plx${ID}h$k" master "$BR" up
  ip link set "$dev" netns "$ns"
  ip netns exec "$ns" ip addr add "$NET.$((k + 1))/24" dev "$dev"
  ip netns exec "$ns" ip link set "$dev" up
  ip netns exec "$ns" ip link set lo up
  case "$HOW" in
    netem) ip netns exec "$ns" tc qdisc add dev "$dev" root netem delay "${DELAY}ms" loss "${LOSS}%" ;;
    nfqueue)
      ip netns exec "$ns" "$IPT" -A OUTPUT -o "$dev" -m statistic --mode random --probability "$(node -e "console.log($LOSS / 100)")" -j DROP
      start_nfdelay "$ns" # bound before the rule queues anything: with no program on a queue the kernel drops its packets
      ip netns exec "$ns" "$IPT" -A OUTPUT -o "$dev" -j NFQUEUE --queue-num 0 ;;
  esac
done

CFG="$OUT/config.yaml"
LATENCY=$(node -e "console.log($DELAY / $SCALE)")
DROP=$([ "$HOW" = emulate ] && node -e "console.log($LOSS / 100)" || echo 0)
if [ "$MODE" = sync ]; then
  cat >"$CFG" <<EOF2
name: live-netem-sync
seed: 5
peers: $PEERS
rounds: 20
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.5, batchSize: 16 }
eval: { every: 2, testExamples: 500 }
EOF2
  LIVE_FLAGS=()
else
  # a cycle through the processes' slices in turn (0, 4, 1, 5, ... for 2 processes): every edge crosses
  node -e '
const [n, p] = process.argv.slice(1).map(Number), size = n / p;
const order = Array.from({ length: size }, (_, i) => Array.from({ length: p }, (_, q) => q * size + i)).flat();
console.log(order.map((a, i) => `${a} ${order[(i + 1) % n]}`).join("\n"));
' "$PEERS" "$P" >"$OUT/cycle.txt"
  cat >"$CFG" <<EOF2
# asynchronous gossip: one virtual time unit = $SCALE ms live; latency = delay / scale, drop = messages lost (0 over TCP)
name: live-netem-gossip
seed: 7
peers: $PEERS
rounds: 20
topology: { kind: file, path: $OUT/cycle.txt }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.5, batchSize: 16 }
protocol: { kind: gossip-learning, variant: push-pull }
time: { mode: async, period: 0.5, latency: $LATENCY, drop: $DROP }
eval: { every: 2, testExamples: 500 }
EOF2
  LIVE_FLAGS=(--time-scale "$SCALE")
fi

BOOT="$OUT/bootstrap.txt"
for k in $(seq 0 "$P"); do echo "/ip4/$NET.$((k + 1))/tcp/4001"; done >"$BOOT"
for k in $(seq 0 $((P - 1))); do
  ip netns exec "plx${ID}n$k" node "$PLEXUS" node "$CFG" --index "$k" --processes "$P" --listen "/ip4/$NET.$((k + 1))/tcp/4001" \
    --bootstrap "$BOOT" "${LIVE_FLAGS[@]}" "${EMULATE[@]}" >"$OUT/node$k.out" 2>"$OUT/node$k.err" &
  PIDS+=($!)
done
case "$HOW" in
  netem) WHAT="tc netem" ;;
  nfqueue) WHAT="$IPT statistic DROP and NFQUEUE to tools/nfdelay" ;;
  *) WHAT="not applied in the kernel" ;;
esac
echo "live-netem: $P processes and the observer in namespaces, delay ${DELAY} ms, loss ${LOSS}% ($WHAT)" >&2
ip netns exec "plx${ID}n$P" node "$PLEXUS" live "$CFG" --processes "$P" --join "$BOOT" --listen "/ip4/$NET.$((P + 1))/tcp/4001" \
  --out "$OUT/live" -q "${LIVE_FLAGS[@]}" "${EMULATE[@]}"
wait "${PIDS[@]}"
PIDS=()

# what the conditions did: packets passed and dropped on the namespaces' way out
if [ "$HOW" != emulate ]; then
  passed=0 dropped=0
  for k in $(seq 0 "$P"); do
    ns="plx${ID}n$k"
    s=0 d=0
    if [ "$HOW" = netem ]; then
      read -r s d < <(ip netns exec "$ns" tc -s qdisc show dev "plx${ID}v$k" | sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt (dropped \([0-9]*\).*/\1 \2/p') || true
    else
      read -r s d < <(ip netns exec "$ns" "$IPT" -L OUTPUT -v -x -n | awk '$3 == "NFQUEUE" { s += $1 } $3 == "DROP" { d += $1 } END { print s + 0, d + 0 }') || true
    fi
    passed=$((passed + s)) dropped=$((dropped + d))
  done
  echo "live-netem: the conditions dropped $dropped of $((passed + dropped)) packets" >&2
fi

node "$PLEXUS" run "$CFG" --out "$OUT/sim" --workers 0 -q
if [ "$MODE" = async ] && [ "$HOW" != emulate ]; then
  # the simulator again with drop = the packet loss: what a message-loss reading of it would predict
  sed "s/drop: 0 }/drop: $(node -e "console.log($LOSS / 100)") }/" "$CFG" >"$OUT/config-drop.yaml"
  node "$PLEXUS" run "$OUT/config-drop.yaml" --out "$OUT/sim-drop" --workers 0 -q
fi

# the curves: accuracy by virtual time (gossip) or round (dpsgd)
node -e '
const fs = require("fs");
const read = (d) => fs.existsSync(d) ? fs.readFileSync(d + "/metrics.jsonl", "utf8").trim().split("\n").map(JSON.parse).filter((m) => m.meanAccuracy !== undefined) : [];
const [live, sim, drop] = ["live", "sim", "sim-drop"].map((d) => read(process.argv[1] + "/" + d));
const summary = JSON.parse(fs.readFileSync(process.argv[1] + "/live/summary.json", "utf8"));
console.log("time  live acc  simulator acc" + (drop.length ? "  simulator, drop = loss" : ""));
live.forEach((m, i) => console.log(String(m.virtualTime ?? m.round).padStart(4), m.meanAccuracy.toFixed(3).padStart(9), (sim[i]?.meanAccuracy ?? NaN).toFixed(3).padStart(14), drop.length ? (drop[i]?.meanAccuracy ?? NaN).toFixed(3).padStart(24) : ""));
const mean = (r) => r.reduce((a, m) => a + m.meanAccuracy, 0) / Math.max(1, r.length);
console.log("mean  " + mean(live).toFixed(3).padStart(8), mean(sim).toFixed(3).padStart(14), drop.length ? mean(drop).toFixed(3).padStart(24) : "");
if (summary.messagesSent !== undefined) console.log(`live messages: ${summary.messagesSent} sent, ${summary.messagesDropped} dropped`);
' "$OUT"
echo "live-netem: run directories $OUT/live and $OUT/sim" >&2
