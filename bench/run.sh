#!/usr/bin/env bash
# Delivery benchmark: crier beside the Node + BullMQ + Redis peer, in the same run, on the
# same sink (the peer's sink.js), interleaved per repeat so both see the same machine noise.
#
# Env: N=100000 REPEAT=3 C=64 (crier's requests in flight; the peer runs with its own
#      default C=50) SINK_PORT=18080 PEER_DIR=<the peer baseline's folder>
#      (default: ../shared/baselines/bullmq beside the repository)
# Output: per-run lines, then medians and ratios; raw rows in bench/out/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

N="${N:-100000}"
REPEAT="${REPEAT:-3}"
C="${C:-64}"
SINK_PORT="${SINK_PORT:-18080}"
PEER_DIR="${PEER_DIR:-$root/../shared/baselines/bullmq}"
out="$root/bench/out"
mkdir -p "$out"

scripts/setup
for tool in node npm redis-server; do
  command -v "$tool" >/dev/null || {
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get install -y -qq nodejs npm redis-server >/dev/null
    break
  }
done
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target crier-delivery
bench_bin="$root/build/release/bench/crier-delivery"

# The peer runs from a copy, so its npm install never writes into the shared folder.
peer="$out/peer"
if [ ! -d "$peer/node_modules/bullmq" ]; then
  rm -rf "$peer"; mkdir -p "$peer"
  cp "$PEER_DIR"/{package.json,package-lock.json,sink.js,broadcast.js,run.sh} "$peer"/
  # The lock file may lack optional platform packages that npm ci insists on; install then.
  (cd "$peer" && { npm ci --silent --no-audit --no-fund 2>/dev/null || npm install --silent --no-audit --no-fund; })
fi

tick=$(getconf CLK_TCK)
cpu_s() { awk -v t="$tick" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }

results="$out/results.jsonl"
: >"$results"
echo "== delivery benchmark: N=$N repeats=$REPEAT crier C=$C, $(nproc) cores, $(date -u +%FT%TZ)"
for run in $(seq 1 "$REPEAT"); do
  echo "-- run $run/$REPEAT: crier"
  SINK_PORT=$SINK_PORT node "$peer/sink.js" >"$out/sink.log" 2>&1 &
  sink=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$SINK_PORT/stats" >/dev/null 2>&1 && break; sleep 0.1
  done
  "$bench_bin" --target "http://127.0.0.1:$SINK_PORT" --contacts "$N" --concurrency "$C" \
    --db "$out/bench.sqlite" | tee "$out/crier-$run.log"
  sink_cpu=$(cpu_s "$sink")
  kill -TERM "$sink"; wait "$sink" 2>/dev/null || true
  line=$(grep '^RESULT ' "$out/crier-$run.log" | sed 's/^RESULT //')
  node -e 'const r=JSON.parse(process.argv[1]); r.system="crier"; r.run=+process.argv[2];
    r.sink_cpu_s=+process.argv[3];
    r.cpu_s_per_1k_delivered=+((r.crier_cpu_s+r.sink_cpu_s)/r.delivered*1000).toFixed(3);
    console.log(JSON.stringify(r))' "$line" "$run" "$sink_cpu" >>"$results"

  echo "-- run $run/$REPEAT: peer (Node + BullMQ + Redis)"
  (cd "$peer" && N=$N REPEAT=1 SINK_PORT=$SINK_PORT OUT_DIR="$out/peer-out" ./run.sh) \
    | tee "$out/peer-$run.log" | grep -E 'delivery|MEDIAN' || true
  pline=$(grep '^MEDIAN ' "$out/peer-$run.log" | sed 's/^MEDIAN //')
  node -e 'const r=JSON.parse(process.argv[1]); r.system="peer"; r.run=+process.argv[2];
    console.log(JSON.stringify(r))' "$pline" "$run" >>"$results"
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const med = (sys, k) => { const v = rows.filter(r => r.system === sys).map(r => r[k]).sort((a, b) => a - b);
    const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
  const c = { plan: med("crier", "plan_per_s"), deliver: med("crier", "delivery_per_s"),
              cpu: med("crier", "cpu_s_per_1k_delivered"), rss: med("crier", "peak_rss_mb"),
              anon: med("crier", "peak_anon_mb") };
  const p = { enqueue: med("peer", "enqueue_per_s"), deliver: med("peer", "delivery_per_s"),
              cpu: med("peer", "cpu_s_per_1k_delivered"), rss: med("peer", "node_peak_rss_mb") };
  console.log("== medians of " + rows.filter(r => r.system === "crier").length + " runs");
  console.log(`crier planning       ${Math.round(c.plan)} recipients/s   (peer enqueue ${Math.round(p.enqueue)}/s)`);
  console.log(`crier delivery       ${Math.round(c.deliver)} msg/s   peer ${Math.round(p.deliver)} msg/s   ratio ${(c.deliver / p.deliver).toFixed(2)}x`);
  console.log(`cpu s per 1k msgs    crier+sink ${c.cpu}   peer (node+redis+sink) ${p.cpu}   ratio ${(p.cpu / c.cpu).toFixed(2)}x less`);
  console.log(`peak memory          crier ${c.anon} MB private (${c.rss} MB RSS with mapped db pages)   peer node ${p.rss} MB (+ redis)`);
' "$results" | tee "$out/summary.txt"
