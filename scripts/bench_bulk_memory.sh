#!/usr/bin/env bash
# The figures of record for bulk writing, memory scaling and workers (BENCHMARKS.md, "Issue
# 16"), measured in one run through the commands a user runs. Prints a log; takes about a
# quarter of an hour on two cores.
#
#   cargo build --release --example bookstore --example bookstore_vs_copy
#   scripts/bench_bulk_memory.sh [DATABASE_URL]
#
# The Python original's rows need its virtual environment (see scripts/bench_python/README.md);
# they are skipped with a note when it is missing.
set -euo pipefail
URL=${1:-postgres://postgres@127.0.0.1:5432/test}
BIN=target/release/examples
VENV=${ASCETIC_VENV:-/tmp/ascetic-venv}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

for b in bookstore bookstore_vs_copy; do
    [ -x "$BIN/$b" ] || { echo "build first: cargo build --release --example $b" >&2; exit 2; }
done

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"

echo "## bulk alone against plain COPY of the same rows"
"$BIN/bookstore_vs_copy" --books 100000 --runs 2 --database-url "$URL"
"$BIN/bookstore_vs_copy" --books 1000000 --runs 2 --database-url "$URL"
echo "## bulk, cooperating protocol (--shared)"
"$BIN/bookstore_vs_copy" --books 1000000 --runs 1 --database-url "$URL" -- --shared
echo "## bulk alone, 2 workers, against 2 concurrent COPY streams"
"$BIN/bookstore_vs_copy" --books 1000000 --runs 2 --streams 2 --database-url "$URL" -- --workers 2

echo "## in memory: wall time, peak RSS (feeds under $OUT)"
for n in 100000 1000000 10000000; do
    for w in 1 2; do
        [ "$n" = 100000 ] && [ "$w" = 2 ] && continue
        /usr/bin/time -o "$OUT/time" -f "%e s, %M KB" \
            "$BIN/bookstore" --books "$n" --seed 1 --out "$OUT/feeds" --no-progress --workers "$w" \
            2> "$OUT/err" > /dev/null
        echo "books $n workers $w: $(cat "$OUT/time"); $(grep -E 'books/s' "$OUT/err" | tail -1)"
        rm -rf "$OUT/feeds"
    done
done

echo "## 1 -> 2 workers, alternated pairs (this VM's run-to-run spread is +-15%: medians decide)"
# wall seconds of one bookstore run: $1 = workers, the rest = arguments
wall() {
    local w=$1; shift
    local start end
    start=$(date +%s.%N)
    "$BIN/bookstore" --books "$@" --seed 1 --out "$OUT/feeds" --no-progress --workers "$w" \
        > /dev/null 2> "$OUT/err" || { cat "$OUT/err" >&2; return 1; }
    end=$(date +%s.%N)
    rm -rf "$OUT/feeds"
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f\n", b - a}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -a bulk1 bulk2 mem1 mem2
for round in 1 2 3; do
    for w in 1 2; do
        psql "$URL" -qc "DROP SCHEMA IF EXISTS bench_pairs CASCADE" 2> /dev/null || true
        t=$(wall "$w" 1000000 --database-url "$URL" --schema bench_pairs --bulk)
        [ "$w" = 1 ] && bulk1+=("$t") || bulk2+=("$t")
        echo "round $round bulk 10^6 workers $w: $t s"
    done
    for w in 1 2; do
        t=$(wall "$w" 10000000)
        [ "$w" = 1 ] && mem1+=("$t") || mem2+=("$t")
        echo "round $round memory 10^7 workers $w: $t s"
    done
done
psql "$URL" -qc "DROP SCHEMA IF EXISTS bench_pairs CASCADE" 2> /dev/null || true
for kind in bulk mem; do
    one=$(eval median "\${${kind}1[@]}")
    two=$(eval median "\${${kind}2[@]}")
    echo "$kind: median 1 worker $one s, 2 workers $two s: $(awk -v a="$one" -v b="$two" 'BEGIN {printf "%.2f", a / b}')x"
done

echo "## against the Python original (alternated, same session)"
if [ -x "$VENV/bin/python" ]; then
    for round in 1 2; do
        py=$("$VENV/bin/python" scripts/bench_python/bookstore.py --books 20000 --mode memory)
        ours=$("$BIN/bookstore" --books 20000 --seed 7 --out "$OUT/x" --no-progress 2>&1 | grep -E 'books/s')
        echo "round $round memory: python $py"
        echo "round $round memory: ours $ours"
        py=$("$VENV/bin/python" scripts/bench_python/bookstore.py --books 5000 --mode postgres \
            --database-url "$URL")
        schema="bench_pa_$round"
        ours=$("$BIN/bookstore" --books 5000 --seed 7 --out "$OUT/x" --no-progress \
            --database-url "$URL" --schema "$schema" 2>&1 | grep -E 'books/s')
        echo "round $round postgres: python $py"
        echo "round $round postgres: ours (per aggregate) $ours"
        psql "$URL" -qc "DROP SCHEMA $schema CASCADE" 2>/dev/null || true
    done
else
    echo "skipped: no virtual environment at $VENV"
fi
