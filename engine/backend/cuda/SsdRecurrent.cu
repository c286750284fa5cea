// Mamba2 SSD, the recurrent form: the state is carried token by token. Used for decode
// (T == 1, its own kernel) and short prefills; long prefills take the chunked form
// (SsdChunked.cu).
//
// Block = one head and PT head-dim rows; 4 threads share one row p, each owning every 4th
// state column n (interleaved, so that a warp's shared-memory reads hit distinct banks).
// B, C, x and dt for TT tokens are staged in shared memory, then each thread runs the
// recurrence over them: s = s * exp(dt A) + dt x B; y = C . s + D x.

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/DeviceMath.cuh"
#include "backend/cuda/Kernels.h"
#include "backend/cuda/Launch.cuh"

#include <algorithm>

namespace lv::cuda {
namespace {

constexpr int PT = 32;           // head-dim rows per block
constexpr int kThreads = PT * 4; // 4 threads per row

template <int NPT> __global__ void ssdRecurrentKernel(SsdArgs a, int TT) {
    waitForPrevious();
    extern __shared__ float smem[];
    const int N = int(a.N), P = int(a.P);
    float* Bs = smem;          // [TT, N]
    float* Cs = Bs + TT * N;   // [TT, N]
    float* xs = Cs + TT * N;   // [TT, PT]
    float* dts = xs + TT * PT; // [TT]
    float* dAs = dts + TT;     // [TT]

    const int h = blockIdx.x;
    const int p0 = blockIdx.y * PT;
    const int q = threadIdx.x & 3;
    const int pl = threadIdx.x >> 2;
    const int p = p0 + pl;
    const bool active = p < P;
    const int g = int(h / (a.H / a.G));

    float st[NPT];
    float* stateRow = a.state + (std::int64_t(h) * P + (active ? p : 0)) * N;
#pragma unroll
    for (int i = 0; i < NPT; ++i) {
        const int n = q + 4 * i;
        st[i] = (active && n < N) ? stateRow[n] : 0.0f;
    }
    const float Ah = a.A[h], Dh = a.D[h], bias = a.dtBias[h];

    for (std::int64_t t0 = 0; t0 < a.T; t0 += TT) {
        const int nt = int(std::min<std::int64_t>(TT, a.T - t0));
        __syncthreads(); // the previous tile is fully consumed
        for (int i = threadIdx.x; i < nt * N; i += blockDim.x) {
            const int tt = i / N, n = i - tt * N;
            Bs[i] = a.bF32()[(t0 + tt) * a.ldb + std::int64_t(g) * N + n];
            Cs[i] = a.cF32()[(t0 + tt) * a.ldc + std::int64_t(g) * N + n];
        }
        for (int i = threadIdx.x; i < nt * PT; i += blockDim.x) {
            const int tt = i / PT, pp = i - tt * PT;
            xs[i] =
                p0 + pp < P ? a.xF32()[(t0 + tt) * a.ldx + std::int64_t(h) * P + p0 + pp] : 0.0f;
        }
        for (int i = threadIdx.x; i < nt; i += blockDim.x) {
            float d = softplusf(a.dtAt(t0 + i, h) + bias);
            d = fminf(fmaxf(d, a.dtMin), a.dtMax);
            dts[i] = d;
            dAs[i] = expf(d * Ah);
        }
        __syncthreads();
        for (int tt = 0; tt < nt; ++tt) {
            const float dA = dAs[tt];
            const float xv = xs[tt * PT + pl];
            const float dx = dts[tt] * xv;
            float acc = 0.0f;
#pragma unroll
            for (int i = 0; i < NPT; ++i) {
                const int n = q + 4 * i;
                if (n < N) {
                    st[i] = st[i] * dA + dx * Bs[tt * N + n];
                    acc += Cs[tt * N + n] * st[i];
                }
            }
            acc += __shfl_xor_sync(0xffffffffu, acc, 1);
            acc += __shfl_xor_sync(0xffffffffu, acc, 2);
            if (q == 0 && active)
                a.storeY((t0 + tt) * a.ldy + std::int64_t(h) * P + p, acc + Dh * xv);
        }
    }
    if (active) {
#pragma unroll
        for (int i = 0; i < NPT; ++i) {
            const int n = q + 4 * i;
            if (n < N) stateRow[n] = st[i];
        }
    }
}

// One token (decode), memory-bound on the state (1.5 MB a layer at Granite's 48 x 64 x 128):
// one warp per state row, its lanes across the row's N columns (n = lane + 32 j, so every
// load and store is a whole 128-byte line), four rows per warp with all their loads issued
// before the arithmetic; B and C of the head's group in registers. The general kernel above
// reads rows in 16-byte pieces from 8 rows at once and keeps few loads in flight.
constexpr int kStepRows = 4;  // state rows per warp
constexpr int kStepWarps = 4; // warps per block

template <int NPL> // state columns per lane: N = 32 * NPL
__global__ void __launch_bounds__(kStepWarps * 32) ssdStepKernel(SsdArgs a) {
    const int h = blockIdx.x;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int P = int(a.P), N = int(a.N);
    const int p0 = (int(blockIdx.y) * kStepWarps + warp) * kStepRows;
    if (p0 >= P) return; // no block-wide synchronisation below
    const int g = int(h / (a.H / a.G));
    // The state and the head's constants are requested before the wait: launched as a
    // dependent, this kernel starts once the kernel before the previous one has completed,
    // and only this layer's step, a token ago, wrote the state (x, dt, B and C are the step's).
    float* st = a.state + (std::int64_t(h) * P + p0) * N;
    float s[kStepRows][NPL];
#pragma unroll
    for (int r = 0; r < kStepRows; ++r) {
        const bool in = p0 + r < P;
#pragma unroll
        for (int j = 0; j < NPL; ++j)
            s[r][j] = in ? st[std::int64_t(r) * N + lane + 32 * j] : 0.0f;
    }
    const float Ah = a.A[h], Dh = a.D[h], bias = a.dtBias[h];
    waitForPrevious();
    // The step's dt, B, C and x are all requested before dt's softplus: ncu (H100) found the
    // reads of B, C and x waiting a second L2 round trip after the one for dt.
    const float dtRaw = a.dtAt(0, h);
    float b[NPL], c[NPL];
#pragma unroll
    for (int j = 0; j < NPL; ++j) {
        b[j] = a.bF32()[std::int64_t(g) * N + lane + 32 * j];
        c[j] = a.cF32()[std::int64_t(g) * N + lane + 32 * j];
    }
    float xv[kStepRows];
#pragma unroll
    for (int r = 0; r < kStepRows; ++r)
        xv[r] = a.xF32()[std::int64_t(h) * P + std::min(p0 + r, P - 1)]; // past P: unused
    float d = softplusf(dtRaw + bias);
    d = fminf(fmaxf(d, a.dtMin), a.dtMax);
    const float dA = expf(d * Ah);
#pragma unroll
    for (int r = 0; r < kStepRows; ++r) {
        if (p0 + r >= P) break; // uniform across the warp
        const float dx = d * xv[r];
        float acc = 0.0f;
#pragma unroll
        for (int j = 0; j < NPL; ++j) {
            s[r][j] = s[r][j] * dA + dx * b[j];
            acc += c[j] * s[r][j];
            st[std::int64_t(r) * N + lane + 32 * j] = s[r][j];
        }
        acc = warpSum(acc);
        if (lane == 0) a.storeY(std::int64_t(h) * P + p0 + r, acc + Dh * xv[r]);
    }
}

template <int NPL> void launchStep(const SsdArgs& a, cudaStream_t s) {
    const dim3 grid(unsigned(a.H), ceilDiv(a.P, kStepWarps * kStepRows));
    launchKernel(ssdStepKernel<NPL>, grid, kStepWarps * 32, 0, s, "ssdStep", a);
}

template <int NPT> void launchFor(const SsdArgs& a, cudaStream_t s) {
    const int N = int(a.N);
    const int TT = std::max(1, std::min(32, 4096 / N));
    const std::size_t smem = sizeof(float) * (std::size_t(2 * TT * N) + TT * PT + 2 * TT);
    const dim3 grid(unsigned(a.H), ceilDiv(a.P, PT));
    launchKernel(ssdRecurrentKernel<NPT>, grid, kThreads, smem, s, "ssdRecurrent", a, TT);
}

} // namespace

void launchSsdRecurrent(const SsdArgs& a, cudaStream_t s) {
    if (a.H == 0 || a.P == 0) return;
    if (a.T == 1 && a.N % 32 == 0 && a.N <= 256) {
        switch (a.N / 32) {
        case 1:
            return launchStep<1>(a, s);
        case 2:
            return launchStep<2>(a, s);
        case 4:
            return launchStep<4>(a, s);
        case 8:
            return launchStep<8>(a, s);
        default:
            break; // 96, 160, ...: the general kernel
        }
    }
    if (a.N <= 16)
        launchFor<4>(a, s);
    else if (a.N <= 32)
        launchFor<8>(a, s);
    else if (a.N <= 64)
        launchFor<16>(a, s);
    else if (a.N <= 128)
        launchFor<32>(a, s);
    else
        launchFor<64>(a, s);
}

} // namespace lv::cuda
