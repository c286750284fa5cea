#!/usr/bin/env bash
# On the GPU machine, in an unpacked device bundle (make-device-bundle.sh): every CUDA test,
# the fixtures through verify-reference, and the model bench with and without the recorded
# decode step; a short table at the end, full logs under $OUT (or ./logs).
#   ./device-check.sh [CONTEXTS]     (default 1024,16384,131008)
set -u
cd "$(dirname "$0")"
contexts=${1:-1024,16384,131008}
logs=${OUT:-$PWD}/logs
mkdir -p "$logs"
export LD_LIBRARY_PATH=$PWD/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export QT_QPA_PLATFORM=offscreen LONGVIEW_FIXTURES=$PWD/fixtures
status() { [[ $1 -eq 0 ]] && echo ok || echo "FAILED ($1)"; }
results=()
for t in tst_cuda_ops tst_cuda_session; do
    [[ -x bin/$t ]] || continue
    ./bin/$t >"$logs/$t.txt" 2>&1
    results+=("$t: $(status $?) $(grep -c '  FAIL ' "$logs/$t.txt") failed cases")
done
if [[ -x bin/longview-cli ]]; then
    ./bin/longview-cli verify-reference --device cuda fixtures/models/* >"$logs/verify.txt" 2>&1
    results+=("verify-reference --device cuda: $(status $?) $(tail -1 "$logs/verify.txt")")
fi
if [[ -x bin/bench_cuda_model ]]; then
    for record in 0 1; do
        ./bin/bench_cuda_model --contexts "$contexts" --decode 128 --record $record \
            >"$logs/bench-record$record.txt" 2>&1
        results+=("bench_cuda_model --record $record: $(status $?)")
    done
fi
echo
for r in "${results[@]}"; do echo "$r"; done
for record in 0 1; do
    [[ -f $logs/bench-record$record.txt ]] && echo "--- record $record" &&
        grep -E '^ +[0-9]+ ' "$logs/bench-record$record.txt"
done
