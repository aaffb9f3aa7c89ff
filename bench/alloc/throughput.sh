#!/usr/bin/env bash
# Does `stackdepot alloc` keep up with a target allocating about 1 GB/s? Starts the test target's allocation workload
# (StackDepot.Cli.Tests.Target alloc rounds=N rates: ~240 KB per round, 4,200 rounds a second is ~1 GB/s, one
# allocating thread), measures its allocation rate for SECONDS without a session, then runs `stackdepot alloc` for
# SECONDS under /usr/bin/time, and prints: samples and lost events (from the report), the CLI's CPU time and peak
# RSS, and the target's allocation rate and CPU time without and with the session (its slowdown: at a paced rate the
# target spends more CPU for the same bytes; unpaced, e.g. 100000 rounds a second, it allocates fewer bytes).
# Usage: bench/alloc/throughput.sh [ROUNDS_PER_SECOND] [SECONDS]   (defaults 4200 and 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-4200}
seconds=${2:-10}
dotnet build StackDepot.Cli.Tests.Target -c Release -v q -nologo >/dev/null
dotnet build StackDepot.Cli -c Release -v q -nologo >/dev/null
target=StackDepot.Cli.Tests.Target/bin/Release/net10.0/StackDepot.Cli.Tests.Target.dll
cli=StackDepot.Cli/bin/Release/net10.0/StackDepot.Cli.dll

work=$(mktemp -d)
cleanup() { [ -n "${tpid:-}" ] && kill "$tpid" 2>/dev/null; [ -n "${hold:-}" ] && kill "$hold" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkfifo "$work/in"
sleep 100000 > "$work/in" & hold=$!               # keeps the target's stdin open
dotnet "$target" alloc "rounds=$rounds" rates < "$work/in" > "$work/target.out" & tpid=$!
until grep -q '^READY' "$work/target.out" 2>/dev/null; do sleep 0.2; done
pid=$(awk '/^READY/ {print $2}' "$work/target.out")

rates() { grep -c '^RATE' "$work/target.out" || true; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }   # the target's user + system CPU, in clock ticks
hz=$(getconf CLK_TCK)
sleep 2                                           # warm-up (tiering)
n0=$(rates); c0=$(ticks); sleep "$seconds"; n1=$(rates); c1=$(ticks)
/usr/bin/time -f '%U %S %M' -o "$work/time" dotnet "$cli" alloc --pid "$pid" --duration "${seconds}s" -f json -o "$work/report.json" -q
n2=$(rates); c2=$(ticks)

mean() { grep '^RATE' "$work/target.out" | sed -n "$(( $1 + 1 )),$2p" | awk '{s += $2; n++} END {if (n) printf "%.0f", s / n / 1e6; else print "?"}'; }
read -r user sys rss < "$work/time"
samples=$(grep -o '"samples": *"[^"]*"' "$work/report.json" | head -1 | sed 's/.*: *"//; s/"$//')
echo "| target rate, CPU without session | with session | samples (events lost) | stackdepot CPU | stackdepot peak RSS |"
echo "|---:|---:|---|---:|---:|"
printf '| %s MB/s, %.1f s | %s MB/s, %.1f s | %s | %.1f s user + %.1f s sys | %.0f MB |\n' \
  "$(mean "$n0" "$n1")" "$(echo "($c1 - $c0) / $hz" | bc -l)" "$(mean "$n1" "$n2")" "$(echo "($c2 - $c1) / $hz" | bc -l)" \
  "$samples" "$user" "$sys" "$(echo "$rss / 1024" | bc -l)"
