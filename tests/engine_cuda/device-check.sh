#!/usr/bin/env bash
# On the GPU machine, in an unpacked device bundle (make-device-bundle.sh): every CUDA test,
# the fixtures through verify-reference, and the model bench with and without the recorded
# decode step; a short table at the end, full logs under $OUT (or ./logs).
#   ./device-check.sh [CONTEXTS] [PARTS]  (default 1024,16384,131008; PARTS a comma list of
#                                           tests, bench, quick, record, attention, timeline,
#                                           stalls, moe, or all, the
#                                           default = tests,bench: two calls fit the tool's
#                                           10-minute limit where one might not)
# timeline: every kernel of an 8192-token prefill and of a decode step timed by ncu
# (graph nodes one by one), summarized by kernel-times.py; not part of all.
# stalls: each decode product's kernel alone under ncu (time, HBM throughput, and where its
# warps wait: the warp-state and scheduler sections); not part of all.
# moe: Granite 4.0-H Tiny's prefill and its expert kernels under ncu (a 4096-token chunk),
# the defaults against each MoE switch still open; not part of all.
# quick: the CLI bench with the defaults and with each switch (one process each, about 25 s
# at 1K, 16K and 128K; then the decode products streamed from memory by the op bench);
# attention: the attention op bench, warp-specialized against cp.async wgmma and mma.sync; neither
# is part of all.
set -u
cd "$(dirname "$0")"
contexts=${1:-1024,16384,131008}
part=${2:-all}
want() { [[ ",$part," == *",$1,"* ]] || { [[ $part == all ]] && [[ $1 == tests || $1 == bench ]]; }; }
logs=${OUT:-$PWD}/logs
mkdir -p "$logs"
export LD_LIBRARY_PATH=$PWD/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export QT_QPA_PLATFORM=offscreen LONGVIEW_FIXTURES=$PWD/fixtures
status() { [[ $1 -eq 0 ]] && echo ok || { [[ $1 -eq 124 ]] && echo "TIMED OUT"; } || echo "FAILED ($1)"; }
# A hung kernel must not take the whole device call with it: every program gets a limit.
limit() { timeout -k 5 "$@"; }
# Nsight Compute, wherever the image has it (stalls, timeline).
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
results=()
for t in tst_cuda_ops tst_cuda_session; do
    [[ -x bin/$t ]] && want tests || continue
    limit 300 ./bin/$t >"$logs/$t.txt" 2>&1
    results+=("$t: $(status $?) $(grep -c '  FAIL ' "$logs/$t.txt") failed cases")
done
if [[ -x bin/tst_cuda_session ]] && want tests; then
    # The decode step without its fusions (the residual norm as its own kernel, the conv
    # too), the bf16 prefill's conv in its register form and CB in 64 x 64 tiles, and the
    # MoE's earlier wgmma tiles after the one-block grouping.
    LONGVIEW_CUDA_FOLD_NORM=0 LONGVIEW_CUDA_CONV_EPILOGUE=0 LONGVIEW_CUDA_CONV_STAGED=0 \
        LONGVIEW_CUDA_SSD_CB=64 LONGVIEW_CUDA_MOE=wgmma LONGVIEW_CUDA_MOE_GROUP=block limit 200 \
        ./bin/tst_cuda_session >"$logs/tst_cuda_session-unfused.txt" 2>&1
    results+=("tst_cuda_session, unfused decode, register conv, 64 x 64 CB, earlier MoE: $(status $?)")
    # The forms a GPU with 99 KB of shared memory a block and no sm_90a kernels chooses (RTX
    # 30, 40, 50: compute capability 8.6, 8.9, 12.0): the compact bf16 scan, the CUDA-core
    # decode attention, the direct MoE, the mma.sync flash attention.
    LONGVIEW_CUDA_SMEM_LIMIT=101376 LONGVIEW_CUDA_FA=mma LONGVIEW_CUDA_MOE=mma limit 200 \
        ./bin/tst_cuda_session \
        >"$logs/tst_cuda_session-99k.txt" 2>&1
    results+=("tst_cuda_session, 99 KB of shared memory: $(status $?)")
    # The MoE tiles' other forms: the slots' rows as bf16 pairs, the expert's rows gathered by
    # cp.async.
    LONGVIEW_CUDA_MOE_STORE=pairs LONGVIEW_CUDA_MOE_LOAD=cp.async limit 100 \
        ./bin/tst_cuda_session moeModelMatchesCpu >"$logs/tst_cuda_session-moe-copies.txt" 2>&1
    results+=("tst_cuda_session moeModelMatchesCpu, MoE pairs and cp.async: $(status $?)")
fi
if [[ -x bin/longview-cli ]] && want tests; then
    limit 120 ./bin/longview-cli verify-reference --device cuda fixtures/models/* >"$logs/verify.txt" 2>&1
    results+=("verify-reference --device cuda: $(status $?) $(tail -1 "$logs/verify.txt")")
    # Every measured-and-replaced form at once: the paths a user can still switch back to.
    LONGVIEW_CUDA_FOLD_NORM=0 LONGVIEW_CUDA_CONV_EPILOGUE=0 LONGVIEW_CUDA_FA=mma \
        LONGVIEW_CUDA_SSD_SCAN=registers LONGVIEW_CUDA_GATEUP_BF16=0 LONGVIEW_CUDA_MOE=wgmma \
        LONGVIEW_CUDA_MOE_GROUP=block limit 120 \
        ./bin/longview-cli verify-reference --device cuda fixtures/models/* >"$logs/verify-old.txt" 2>&1
    results+=("verify-reference, earlier forms: $(status $?) $(tail -1 "$logs/verify-old.txt")")
    LONGVIEW_CUDA_GEMV=registers limit 120 ./bin/longview-cli verify-reference --device cuda \
        fixtures/models/* >"$logs/verify-gemv-registers.txt" 2>&1
    results+=("verify-reference, register GEMV: $(status $?) $(tail -1 "$logs/verify-gemv-registers.txt")")
    LONGVIEW_CUDA_FA=wgmma limit 120 ./bin/longview-cli verify-reference --device cuda \
        fixtures/models/* >"$logs/verify-fa-wgmma.txt" 2>&1
    results+=("verify-reference, cp.async wgmma attention: $(status $?) $(tail -1 "$logs/verify-fa-wgmma.txt")")
fi
# Variants: the defaults with and without the recorded decode, then one backend choice
# changed at a time (the f32 KV cache of v1-v13; prefill chunks of 2048, as measured
# before, and 16384 around the default 8192).
variants=("record0|--record 0|" "record1|--record 1|" "kv-f32|--record 1|LONGVIEW_CUDA_KV=f32"
          "chunk2048|--record 1|LONGVIEW_CUDA_CHUNK=2048"
          "chunk16384|--record 1|LONGVIEW_CUDA_CHUNK=16384"
          "fa-mma|--record 1|LONGVIEW_CUDA_FA=mma"
          "fa-mma1|--record 1|LONGVIEW_CUDA_FA=mma1"
          "fa-warps4|--record 1|LONGVIEW_CUDA_FA_WARPS=4"
          "gemm-tune|--record 1|LONGVIEW_CUDA_GEMM_TUNE=1"
          "pdl-off|--record 1|LONGVIEW_CUDA_PDL=0"
          "gemv-block|--record 1|LONGVIEW_CUDA_GEMV=block"
          "gemv-registers|--record 1|LONGVIEW_CUDA_GEMV=registers"
          "fold-off|--record 1|LONGVIEW_CUDA_FOLD_NORM=0"
          "ssd-registers|--record 1|LONGVIEW_CUDA_SSD_SCAN=registers"
          "ssd-tf32|--record 1|LONGVIEW_CUDA_SSD_SCAN=tf32"
          "ssd-mma|--record 1|LONGVIEW_CUDA_SSD_SCAN=mma"
          "ssd-states-mma|--record 1|LONGVIEW_CUDA_SSD_STATES=mma"
          "conv-epilogue-off|--record 1|LONGVIEW_CUDA_CONV_EPILOGUE=0"
          "conv-registers|--record 1|LONGVIEW_CUDA_CONV_STAGED=0"
          "ssd-cb64|--record 1|LONGVIEW_CUDA_SSD_CB=64"
          "gateup-f32|--record 1|LONGVIEW_CUDA_GATEUP_BF16=0")
if [[ -x bin/bench_cuda_model ]] && want bench; then
    for v in "${variants[@]}"; do
        IFS='|' read -r name args envs <<<"$v"
        # 63 timed steps after the recording one: 131008 + 64 positions fill the 128K context.
        env $envs timeout -k 5 120 ./bin/bench_cuda_model --contexts "$contexts" --decode 63 $args \
            >"$logs/bench-$name.txt" 2>&1
        results+=("bench_cuda_model $name: $(status $?)")
    done
fi
if [[ -x bin/longview-cli ]] && want bench; then
    ./bin/longview-cli bench --synthetic granite-4.0-h-1b --device cuda \
        --contexts "$contexts" --decode-tokens 63 >"$logs/cli-bench.txt" 2>&1
    results+=("longview-cli bench --device cuda: $(status $?)")
fi
if [[ -x bin/longview-cli ]] && want bench; then
    # Where a 16K prefill and its decode steps spend their time, op by op.
    ./bin/longview-cli bench --synthetic granite-4.0-h-1b --device cuda --contexts 16384 \
        --decode-tokens 16 --profile >"$logs/cli-profile.txt" 2>&1
    results+=("longview-cli bench --profile: $(status $?)")
fi
if [[ -x bin/bench_cuda_ops ]] && want bench; then
    ./bin/bench_cuda_ops >"$logs/bench-ops.txt" 2>&1
    results+=("bench_cuda_ops: $(status $?)")
    LONGVIEW_CUDA_FA=mma ./bin/bench_cuda_ops attention >"$logs/bench-ops-fa-mma.txt" 2>&1
    results+=("bench_cuda_ops attention, mma.sync: $(status $?)")
fi
if want quick; then
    # (each replaced form was measured against the default it replaced as an opt-in; here the
    # forms still open, and all replaced ones at once)
    for v in "defaults|" "gemv-registers|LONGVIEW_CUDA_GEMV=registers" \
        "fa-wgmma|LONGVIEW_CUDA_FA=wgmma" \
        "earlier-forms|LONGVIEW_CUDA_FOLD_NORM=0 LONGVIEW_CUDA_CONV_EPILOGUE=0 LONGVIEW_CUDA_SSD_SCAN=registers LONGVIEW_CUDA_GATEUP_BF16=0 LONGVIEW_CUDA_FA=mma LONGVIEW_CUDA_SSD_CB=64 LONGVIEW_CUDA_CONV_STAGED=0"; do
        IFS='|' read -r name envs <<<"$v"
        env $envs timeout -k 5 90 ./bin/longview-cli bench --synthetic granite-4.0-h-1b --device cuda \
            --contexts "$contexts" --decode-tokens 63 >"$logs/quick-$name.txt" 2>&1
        results+=("quick $name: $(status $?)")
        echo "--- $name"
        grep -E '^ +[0-9]+ ' "$logs/quick-$name.txt"
    done
fi
if want quick && [[ -x bin/bench_cuda_ops ]]; then
    # Decode products on weights that do not stay in L2, back to back: a product's own
    # streaming, apart from its boundaries with the step's other kernels.
    timeout -k 5 60 ./bin/bench_cuda_ops "gemv stream" >"$logs/ops-gemv-stream.txt" 2>&1
    results+=("bench_cuda_ops gemv stream: $(status $?)")
    echo "--- gemv stream" && grep -E '^gemv stream' "$logs/ops-gemv-stream.txt"
fi
if want record && [[ -x bin/longview-cli ]]; then # the figures docs/PERFORMANCE.md records
    limit 240 ./bin/longview-cli bench --synthetic granite-4.0-h-1b --device cuda \
        --contexts "$contexts" --decode-tokens 63 --repeat 3 >"$logs/record.txt" 2>&1
    results+=("longview-cli bench --repeat 3: $(status $?)")
    cat "$logs/record.txt"
fi
if want moe && [[ -x bin/longview-cli ]]; then
    # Best of three at 16K and 128K, then the MoE kernels' times (ncu, the 4096-token chunk's
    # layers after the first few), for each form.
    for v in "moe-defaults|" "moe-pairs|LONGVIEW_CUDA_MOE_STORE=pairs" \
        "moe-cp.async|LONGVIEW_CUDA_MOE_LOAD=cp.async" \
        "moe-cp.async-pairs|LONGVIEW_CUDA_MOE_LOAD=cp.async LONGVIEW_CUDA_MOE_STORE=pairs"; do
        IFS='|' read -r name envs <<<"$v"
        env $envs timeout -k 5 90 ./bin/longview-cli bench --synthetic granite-4.0-h-tiny \
            --device cuda --contexts 16384,131008 --decode-tokens 1 --repeat 3 \
            >"$logs/$name.txt" 2>&1
        results+=("tiny bench $name: $(status $?)")
        echo "--- $name" && grep -E '^ +[0-9]+ ' "$logs/$name.txt"
        env $envs timeout -k 5 120 "$ncu" -k regex:"moeTile|moeCombine|moeGroup" -s 20 -c 20 \
            --metrics gpu__time_duration.sum --csv ./bin/longview-cli bench \
            --synthetic granite-4.0-h-tiny --device cuda --contexts 4096 --decode-tokens 1 \
            >"$logs/ncu-$name.csv" 2>&1
        results+=("ncu $name: $(status $?)")
        python3 ./kernel-times.py --per-kernel "$logs/ncu-$name.csv" 2>&1 | head -8
    done
    # Where the default tiles' warps wait (the first gate-up and down kernels after the first
    # few layers): ncu's warp-stall samples by reason, opcode and instruction.
    limit 240 "$ncu" --set full --import-source no -k regex:moeTile -s 20 -c 2 -f \
        -o "$logs/moe-tiles" ./bin/longview-cli bench --synthetic granite-4.0-h-tiny \
        --device cuda --contexts 4096 --decode-tokens 1 >"$logs/moe-tiles-run.txt" 2>&1 &&
        "$ncu" -i "$logs/moe-tiles.ncu-rep" --page source --csv --print-source sass \
            >"$logs/moe-tiles-sass.csv" 2>&1
    results+=("ncu moe tiles' stall samples: $(status $?)")
    python3 ./stall-samples.py "$logs/moe-tiles-sass.csv" 8 2>&1 | head -40
fi
if want attention && [[ -x bin/bench_cuda_ops ]]; then # attention alone, wgmma and mma.sync
    for v in "fa-default|" "fa-wgmma|LONGVIEW_CUDA_FA=wgmma" "fa-mma|LONGVIEW_CUDA_FA=mma"; do
        IFS='|' read -r name envs <<<"$v"
        env $envs timeout -k 5 90 ./bin/bench_cuda_ops attention >"$logs/ops-$name.txt" 2>&1
        results+=("bench_cuda_ops attention $name: $(status $?)")
        echo "--- $name" && grep -E '^attention' "$logs/ops-$name.txt"
    done
fi
if want stalls && [[ -x bin/bench_cuda_ops ]]; then
    for f in in_proj out_proj mlp_in mlp_out; do
        # two kernels of the 40 (after four), each alone with its caches flushed
        limit 120 "$ncu" --clock-control none -k regex:gemv -s 4 -c 2 \
            --section SpeedOfLight --section WarpStateStats --section SchedulerStats \
            --section LaunchStats --section Occupancy \
            ./bin/bench_cuda_ops "x40 $f" >"$logs/stalls-$f.txt" 2>&1
        results+=("ncu stalls $f: $(status $?)")
        echo "--- $f" && grep -E 'Duration|DRAM Throughput|Stall|Warp Cycles Per Issued|Issued Warp|Grid Size|Registers|Achieved Occupancy' \
            "$logs/stalls-$f.txt" | head -24
    done
fi
if want timeline; then
    "$ncu" --clock-control none --graph-profiling node \
        --metrics gpu__time_duration.sum,dram__bytes_read.sum --csv --log-file "$logs/ncu.csv" \
        ./bin/longview-cli bench --synthetic granite-4.0-h-1b --device cuda --contexts 8192 \
        --decode-tokens 2 --repeat 1 >"$logs/timeline-bench.txt" 2>&1
    results+=("ncu timeline: $(status $?)")
    python3 ./kernel-times.py "$logs/ncu.csv" >"$logs/timeline.txt" 2>&1
    cat "$logs/timeline.txt"
fi
echo
for r in "${results[@]}"; do echo "$r"; done
# The first failures by name, so that the table alone says what broke.
grep -h -E '^FAIL!|^   Loc:' "$logs"/tst_cuda_*.txt 2>/dev/null | head -12
grep -h -E 'FAIL' "$logs"/verify*.txt 2>/dev/null | head -6
for v in "${variants[@]}"; do
    name=${v%%|*}
    [[ -f $logs/bench-$name.txt ]] && echo "--- $name" && grep -E '^ +[0-9]+ ' "$logs/bench-$name.txt"
done
[[ -f $logs/cli-bench.txt ]] && echo "--- longview-cli bench" && grep -E '^ +[0-9]+ ' "$logs/cli-bench.txt"
for f in bench-ops bench-ops-fa-mma; do
    [[ -f $logs/$f.txt ]] && echo "--- $f: attention" && grep -E '^attention' "$logs/$f.txt"
done
[[ -f $logs/cli-profile.txt ]] && echo "--- profile, 16K prefill (top ops)" &&
    grep -E '^prefill ' "$logs/cli-profile.txt" | head -12
true
