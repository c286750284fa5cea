#include "backend/cuda/CudaBackend.h"
#include "backend/cuda/Switches.h"

#include "backend/cuda/CudaCheck.h"
#include "backend/cuda/Kernels.h"
#include "core/Error.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lv {

std::unique_ptr<Backend> makeCudaBackend(int deviceIndex) {
    return std::make_unique<cuda::CudaBackend>(deviceIndex);
}

namespace cuda {
namespace {

constexpr std::size_t kGemmWorkspaceBytes = 32u << 20; // what cuBLASLt asks for on Hopper
constexpr std::size_t kConversionPieceBytes = 64u << 20;
constexpr std::int64_t kRecurrentMaxTokens = 32; // ssdScan: longer runs take the chunked form

[[noreturn]] void bad(const char* op, const std::string& what) {
    throw EngineError(std::string("cuda ") + op + ": " + what);
}

void requireDType(const Tensor& t, DType want, const char* op, const char* name) {
    if (t.dtype != want)
        bad(op, std::string(name) + " must be " + std::string(dtypeName(want)) + ", got " +
                    std::string(dtypeName(t.dtype)));
}

void requireWeightDType(const Tensor& t, const char* op, const char* name) {
    if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
        bad(op, std::string(name) + " must be f32, bf16 or f16, got " +
                    std::string(dtypeName(t.dtype)));
}

void requireRank(const Tensor& t, int rank, const char* op, const char* name) {
    if (t.rank != rank)
        bad(op, std::string(name) + " must have rank " + std::to_string(rank) + ", got " +
                    t.shapeString());
}

void requireContiguous(const Tensor& t, const char* op, const char* name) {
    if (!t.isContiguous())
        bad(op, std::string(name) + " " + t.shapeString() + " must be contiguous");
}

void requireShape(const Tensor& t, std::initializer_list<std::int64_t> dims, const char* op,
                  const char* name) {
    bool ok = t.rank == int(dims.size());
    int i = 0;
    for (auto d : dims)
        ok = ok && t.shape[i++] == d;
    if (!ok) {
        std::string want = "[";
        i = 0;
        for (auto d : dims)
            want += (i++ ? ", " : "") + std::to_string(d);
        bad(op, std::string(name) + " must be " + want + "], got " + t.shapeString());
    }
}

// [rows, last dim] where every dimension before the last collapses to one uniform stride.
bool lastDimView(const Tensor& t, Rows& r) {
    r.data = t.as<float>();
    if (t.rank == 0) {
        r.rows = r.cols = r.ld = 1;
        return true;
    }
    const int last = t.rank - 1;
    r.cols = t.shape[last];
    if (t.shape[last] > 1 && t.stride[last] != 1) return false;
    r.rows = 1;
    r.ld = r.cols;
    int inner = -1; // the next dimension inside k that is not of size 1
    for (int k = last - 1; k >= 0; --k) {
        if (t.shape[k] == 1) continue;
        if (inner < 0)
            r.ld = t.stride[k];
        else if (t.stride[k] != t.stride[inner] * t.shape[inner])
            return false;
        inner = k;
        r.rows *= t.shape[k];
    }
    return true;
}

// [shape[0], everything else] with the inner dimensions contiguous and any token stride.
bool tokenView(const Tensor& t, Rows& r) {
    if (t.rank < 2) return lastDimView(t, r);
    std::int64_t s = 1;
    for (int k = t.rank - 1; k >= 1; --k) {
        if (t.shape[k] > 1 && t.stride[k] != s) return false;
        s *= t.shape[k];
    }
    r = {t.as<float>(), t.shape[0], s, t.shape[0] > 1 ? t.stride[0] : s};
    return true;
}

// How an op walks a tensor: rows of its last dimension (norms, products' activations), or
// one row a token with everything after the token dimension contiguous (SSD, attention).
enum class Split { LastDim, Tokens };

Rows viewRows(const Tensor& t, DType dtype, Split split, const char* op, const char* name) {
    requireDType(t, dtype, op, name);
    Rows r{};
    if (split == Split::LastDim ? !lastDimView(t, r) : !tokenView(t, r))
        bad(op,
            std::string(name) + " " + t.shapeString() +
                (split == Split::LastDim
                     ? ": rows of the last dimension must have one stride and contiguous elements"
                     : ": everything but the token dimension must be contiguous"));
    return r;
}

Rows lastDimRows(const Tensor& t, const char* op, const char* name) {
    return viewRows(t, DType::F32, Split::LastDim, op, name);
}

Rows tokenRows(const Tensor& t, const char* op, const char* name) {
    return viewRows(t, DType::F32, Split::Tokens, op, name);
}

// Rows of an activation a GPU's prefill may keep in bf16 (by the last dimension: in_proj's
// output, mamba2ProjectionDType, and the conv's, ssdInputDType; by tokens: the SSD's x, B, C
// and y, ssdOutputDType), else f32. The view's data pointer is typed f32; a bf16 tensor's
// callers pass t.data.
Rows f32OrBf16Rows(const Tensor& t, Split split, const char* op, const char* name) {
    return viewRows(t, t.dtype == DType::BF16 ? DType::BF16 : DType::F32, split, op, name);
}

// One [rows, cols] split for several tensors of one shape: by the last dimension when all of
// them allow it, else (elementwise ops only, not norms: lastDimOnly) by the token dimension.
template <std::size_t N>
std::array<Rows, N> elementRows(const std::array<const Tensor*, N>& ts,
                                const std::array<const char*, N>& names, const char* op,
                                bool lastDimOnly = false) {
    std::array<Rows, N> r{};
    for (std::size_t i = 0; i < N; ++i) {
        requireDType(*ts[i], DType::F32, op, names[i]);
        if (ts[i]->rank != ts[0]->rank || ts[i]->shape != ts[0]->shape)
            bad(op, std::string(names[i]) + " " + ts[i]->shapeString() + " must match " + names[0] +
                        " " + ts[0]->shapeString());
    }
    bool ok = true;
    for (std::size_t i = 0; i < N; ++i)
        ok = ok && lastDimView(*ts[i], r[i]);
    if (ok) return r;
    ok = !lastDimOnly;
    for (std::size_t i = 0; ok && i < N; ++i)
        ok = tokenView(*ts[i], r[i]);
    if (ok) return r;
    bad(op,
        std::string(names[0]) + " " + ts[0]->shapeString() + ": a layout this op cannot stride");
}

// An op's output rows, f32 or (a 16-bit linear's input) bf16 / f16, of the shape of `like`.
OutRows outRowsLike(const Tensor& t, const Tensor& like, const char* op, const char* name) {
    if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
        bad(op, std::string(name) + " must be f32, bf16 or f16, got " +
                    std::string(dtypeName(t.dtype)));
    if (t.rank != like.rank || t.shape != like.shape)
        bad(op, std::string(name) + " " + t.shapeString() + " must match " + like.shapeString());
    Rows r{};
    if (!lastDimView(t, r))
        bad(op, std::string(name) + " " + t.shapeString() +
                    ": rows of the last dimension must have one stride and contiguous elements");
    return {t.data, r.rows, r.cols, r.ld, int(t.dtype)};
}

OutRows asOut(const Rows& r) {
    return {r.data, r.rows, r.cols, r.ld, int(DType::F32)};
}

// The checked weight side of a product of x (rows xr) into out.
struct ProductArgs {
    std::int64_t N, K, ldw;
    const float* bias;
    Rows out;
};
ProductArgs productArgs(const char* op, const Tensor& x, const Rows& xr, const Tensor& weight,
                        const Tensor* bias, const Tensor& out);

Weight weightOf(const Tensor& t) {
    return {t.data, int(t.dtype)};
}

const float* optionalBias(const Tensor* bias, std::int64_t n, const char* op) {
    if (!bias || !bias->data) return nullptr;
    requireDType(*bias, DType::F32, op, "bias");
    if (bias->numel() != n)
        bad(op, "bias " + bias->shapeString() + " must have " + std::to_string(n) + " elements");
    requireContiguous(*bias, op, "bias");
    return bias->as<float>();
}

ProductArgs productArgs(const char* op, const Tensor& x, const Rows& xr, const Tensor& weight,
                        const Tensor* bias, const Tensor& out) {
    requireWeightDType(weight, op, "weight");
    requireRank(weight, 2, op, "weight");
    if (weight.shape[1] > 1 && weight.stride[1] != 1) bad(op, "weight rows must be contiguous");
    const std::int64_t N = weight.shape[0], K = weight.shape[1];
    if (xr.cols != K)
        bad(op, "x " + x.shapeString() + " does not match weight " + weight.shapeString());
    const Rows o = lastDimRows(out, op, "out");
    if (o.rows != xr.rows || o.cols != N)
        bad(op, "out " + out.shapeString() + " must be [" + std::to_string(xr.rows) + ", " +
                    std::to_string(N) + "]");
    return {N, K, weight.shape[0] > 1 ? weight.stride[0] : K, optionalBias(bias, N, op), o};
}

// A norm's weight: f32/bf16/f16, packed, one value per column.
void requireNormWeight(const Tensor& w, std::int64_t cols, const char* op, const char* name) {
    requireWeightDType(w, op, name);
    requireContiguous(w, op, name);
    if (w.numel() != cols)
        bad(op, std::string(name) + " " + w.shapeString() + " must have " + std::to_string(cols) +
                    " elements");
}

void requireRotaryDim(std::int64_t rotaryDim, std::int64_t headDim, const char* op) {
    if (rotaryDim < 0 || rotaryDim > headDim || rotaryDim % 2 != 0)
        bad(op, "rotaryDim " + std::to_string(rotaryDim) + " must be even and at most " +
                    std::to_string(headDim));
}

void requireGroupSize(std::int64_t groupSize, std::int64_t cols, const char* op) {
    if (groupSize <= 0 || cols % groupSize != 0)
        bad(op, "groupSize " + std::to_string(groupSize) + " must divide " + std::to_string(cols));
}

bool isDevicePointer(const void* p) {
    cudaPointerAttributes attr{};
    if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
        cudaGetLastError(); // clear: an unknown pointer is host memory
        return false;
    }
    return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged;
}

} // namespace

// ---- construction, memory --------------------------------------------------------------

CudaBackend::CudaBackend(int deviceIndex) : device_(deviceIndex) {
    int count = 0;
    const cudaError_t st = cudaGetDeviceCount(&count);
    if (st != cudaSuccess) throwCudaError(st, "no usable CUDA driver");
    if (deviceIndex < 0 || deviceIndex >= count)
        throw DeviceError("CUDA device " + std::to_string(deviceIndex) + " does not exist (" +
                          std::to_string(count) + " found)");
    check(cudaSetDevice(device_), "cudaSetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, device_), "cudaGetDeviceProperties");
    if (prop.major < 8)
        throw DeviceError(std::string("CUDA device ") + prop.name + " is sm_" +
                          std::to_string(prop.major * 10 + prop.minor) +
                          "; Longview needs sm_80 or newer");
    name_ = "cuda:" + std::to_string(device_) + " " + prop.name + " (sm_" +
            std::to_string(prop.major * 10 + prop.minor) + ")";

    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    cudaMemPoolProps props{};
    props.allocType = cudaMemAllocationTypePinned;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = device_;
    check(cudaMemPoolCreate(&pool_, &props), "cudaMemPoolCreate");
    // Keep freed memory in the pool: scratch is taken and given back many times per forward.
    std::uint64_t threshold = std::numeric_limits<std::uint64_t>::max();
    check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &threshold),
          "pool release threshold");
    gemm_ = std::make_unique<LtGemm>();
    workspaceBytes_ = kGemmWorkspaceBytes;
    workspace_ = allocate(workspaceBytes_);
    positionDev_ = static_cast<std::int64_t*>(allocate(sizeof(std::int64_t)));
    check(cudaMallocHost(reinterpret_cast<void**>(&positionHost_), sizeof(std::int64_t)),
          "cudaMallocHost");
    check(cudaEventCreateWithFlags(&positionCopied_, cudaEventDisableTiming), "cudaEventCreate");
    check(cudaMallocHost(reinterpret_cast<void**>(&queuedHost_), kQueuedCopies * kQueuedBytes),
          "cudaMallocHost");
    for (auto& e : queuedDone_)
        check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
}

CudaBackend::~CudaBackend() {
    cudaSetDevice(device_);
    if (stream_) cudaStreamSynchronize(stream_);
    gemm_.reset();
    if (workspace_) cudaFreeAsync(workspace_, stream_);
    if (positionDev_) cudaFreeAsync(positionDev_, stream_);
    if (stream_) {
        cudaStreamSynchronize(stream_);
        cudaStreamDestroy(stream_);
    }
    if (pool_) cudaMemPoolDestroy(pool_);
    if (positionHost_) cudaFreeHost(positionHost_);
    if (positionCopied_) cudaEventDestroy(positionCopied_);
    if (queuedHost_) cudaFreeHost(queuedHost_);
    for (auto& e : queuedDone_)
        if (e) cudaEventDestroy(e);
}

void CudaBackend::makeCurrent() const {
    check(cudaSetDevice(device_), "cudaSetDevice");
}

void CudaBackend::refuseWhileRecording(const char* what) const {
    // Inside a capture these would either fail it or become part of every replay.
    if (recording_) bad("recordStep", std::string(what) + " cannot be part of a recorded step");
}

void* CudaBackend::allocate(std::size_t bytes) {
    refuseWhileRecording("allocate");
    return poolAllocate(bytes);
}

void* CudaBackend::poolAllocate(std::size_t bytes) {
    makeCurrent();
    void* p = nullptr;
    const cudaError_t st =
        cudaMallocFromPoolAsync(&p, std::max<std::size_t>(bytes, 1), pool_, stream_);
    if (st != cudaSuccess) {
        cudaGetLastError();
        std::size_t freeB = 0, totalB = 0;
        cudaMemGetInfo(&freeB, &totalB);
        throw DeviceError("CUDA out of memory: asked for " + std::to_string(bytes >> 20) +
                          " MiB, " + std::to_string(freeB >> 20) + " MiB of " +
                          std::to_string(totalB >> 20) + " MiB free");
    }
    return p;
}

void CudaBackend::release(void* ptr) {
    if (!ptr) return;
    if (recording_) { // from a destructor, maybe unwinding: free it once the capture ends
        releasedWhileRecording_.push_back(ptr);
        return;
    }
    makeCurrent();
    check(cudaFreeAsync(ptr, stream_), "cudaFreeAsync");
}

CudaBackend::Scratch::Scratch(CudaBackend& b, std::size_t bytes)
    : backend_(b), ptr_(b.poolAllocate(bytes)) {} // while recording: a graph-owned allocation

CudaBackend::Scratch::~Scratch() {
    cudaFreeAsync(ptr_, backend_.stream_);
}

void CudaBackend::upload(void* dst, const void* src, std::size_t bytes) {
    refuseWhileRecording("upload");
    makeCurrent();
    // From pageable memory the call returns once src is staged, so the caller may reuse it.
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "upload");
}

void CudaBackend::download(void* dst, const void* src, std::size_t bytes) {
    refuseWhileRecording("download");
    makeCurrent();
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "download (synchronize)");
}

std::uint64_t CudaBackend::queueDownload(void* dst, const void* src, std::size_t bytes) {
    refuseWhileRecording("queueDownload");
    if (bytes > kQueuedBytes)
        bad("queueDownload",
            std::to_string(bytes) + " bytes, at most " + std::to_string(kQueuedBytes));
    const std::lock_guard lock(queuedMutex_);
    const std::uint64_t ticket = nextTicket_;
    QueuedCopy& q = queued_[ticket % kQueuedCopies];
    makeCurrent();
    // A copy never collected (its caller gave up, e.g. on an exception) is dropped, once it
    // has landed: the slot is not written while a transfer into it may still run.
    if (q.waiting)
        check(cudaEventSynchronize(queuedDone_[ticket % kQueuedCopies]), "queueDownload");
    std::uint8_t* slot = queuedHost_ + (ticket % kQueuedCopies) * kQueuedBytes;
    check(cudaMemcpyAsync(slot, src, bytes, cudaMemcpyDeviceToHost, stream_), "queueDownload");
    check(cudaEventRecord(queuedDone_[ticket % kQueuedCopies], stream_), "queueDownload");
    q = {dst, bytes, true};
    ++nextTicket_;
    return ticket;
}

void CudaBackend::collectDownload(std::uint64_t ticket) {
    const std::lock_guard lock(queuedMutex_);
    QueuedCopy& q = queued_[ticket % kQueuedCopies];
    if (ticket >= nextTicket_ || nextTicket_ - ticket > kQueuedCopies || !q.waiting)
        bad("collectDownload", "ticket " + std::to_string(ticket) + " is not waiting");
    makeCurrent();
    check(cudaEventSynchronize(queuedDone_[ticket % kQueuedCopies]), "collectDownload");
    std::memcpy(q.dst, queuedHost_ + (ticket % kQueuedCopies) * kQueuedBytes, q.bytes);
    q.waiting = false;
}

void CudaBackend::copy(void* dst, const void* src, std::size_t bytes) {
    makeCurrent();
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_), "copy");
}

void CudaBackend::fill(void* dst, float value, std::int64_t count) {
    makeCurrent();
    launchFill(static_cast<float*>(dst), value, count, stream_);
}

void CudaBackend::synchronize() {
    refuseWhileRecording("synchronize");
    makeCurrent();
    check(cudaStreamSynchronize(stream_), "synchronize");
}

// ---- recorded steps -----------------------------------------------------------------------

DevicePos CudaBackend::positionArg(std::int64_t pos0) const {
    return recording_ ? DevicePos{positionDev_, pos0 - recordedPos0_} : DevicePos{nullptr, pos0};
}

namespace {

class CudaGraphStep final : public Backend::RecordedStep {
public:
    explicit CudaGraphStep(cudaGraphExec_t exec) : exec_(exec) {}
    ~CudaGraphStep() override { cudaGraphExecDestroy(exec_); }
    cudaGraphExec_t exec() const { return exec_; }

private:
    cudaGraphExec_t exec_;
};

} // namespace

std::unique_ptr<Backend::RecordedStep>
CudaBackend::recordStep(std::int64_t pos0, const std::function<void()>& ops, std::string& whyNot) {
    if (recording_) bad("recordStep", "already recording");
    makeCurrent();
    // Thread-local mode: other threads may keep using CUDA while this one captures.
    check(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "begin capture");
    recording_ = true;
    recordedPos0_ = pos0;
    std::string failure;
    try {
        ops();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    recording_ = false;
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(stream_, &graph);
    cudaGetLastError(); // a failed capture leaves its error behind; the stream itself is fine
    if (failure.empty() && ended != cudaSuccess)
        failure = std::string("stream capture: ") + cudaGetErrorString(ended);
    cudaGraphExec_t exec = nullptr;
    if (failure.empty()) {
        const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
        if (made != cudaSuccess) {
            cudaGetLastError();
            failure = std::string("graph instantiation: ") + cudaGetErrorString(made);
            exec = nullptr;
        }
    }
    if (graph) cudaGraphDestroy(graph);
    for (void* p : std::exchange(releasedWhileRecording_, {}))
        release(p);
    if (!exec) {
        whyNot = failure;
        return nullptr;
    }
    return std::make_unique<CudaGraphStep>(exec);
}

void CudaBackend::replayStep(RecordedStep& step, std::int64_t pos0) {
    auto* graph = dynamic_cast<CudaGraphStep*>(&step);
    if (!graph) throw std::logic_error("replayStep: a step recorded by another backend");
    refuseWhileRecording("replayStep");
    makeCurrent();
    // The pinned word may be rewritten only once the previous copy has read it.
    check(cudaEventSynchronize(positionCopied_), "replay (position)");
    *positionHost_ = pos0;
    check(cudaMemcpyAsync(positionDev_, positionHost_, sizeof(std::int64_t), cudaMemcpyHostToDevice,
                          stream_),
          "replay (position)");
    check(cudaEventRecord(positionCopied_, stream_), "replay (position)");
    check(cudaGraphLaunch(graph->exec(), stream_), "replay (graph launch)");
}

MemoryStats CudaBackend::memoryStats() const {
    makeCurrent();
    MemoryStats s;
    std::uint64_t used = 0, high = 0;
    cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &used);
    cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &high);
    s.inUseBytes = used;
    s.peakBytes = high;
    cudaMemGetInfo(&s.deviceFreeBytes, &s.deviceTotalBytes);
    return s;
}

void CudaBackend::resetPeak() {
    makeCurrent();
    std::uint64_t zero = 0;
    check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &zero), "reset peak");
}

Tensor CudaBackend::prepareWeight(const Tensor& host) {
    const char* op = "prepareWeight";
    requireWeightDType(host, op, "weight");
    // The host view may be a row slice of a checkpoint tensor: inner dimensions contiguous,
    // any stride between rows.
    Rows layout{};
    if (!tokenView(host, layout))
        bad(op, "weight " + host.shapeString() + " must have contiguous rows");
    makeCurrent();
    const bool matrix =
        host.rank >= 2 && host.shape[host.rank - 1] >= 64 && host.shape[host.rank - 2] >= 64;
    // Matrices keep the checkpoint's precision (bf16 and f16 stay 16-bit; f32 runs on the
    // TF32 tensor cores); vectors become f32.
    const DType target = matrix ? host.dtype : DType::F32;

    Tensor t = Tensor::contiguous(nullptr, target, {}, DeviceKind::Cuda);
    t.rank = host.rank;
    t.shape = host.shape;
    std::int64_t stride = 1;
    for (int k = t.rank - 1; k >= 0; --k) {
        t.stride[k] = stride;
        stride *= t.shape[k];
    }
    const std::int64_t n = host.numel();
    t.data = allocate(std::size_t(std::max<std::int64_t>(n, 1)) * dtypeSize(target));
    if (n == 0) return t;
    const std::size_t srcSize = dtypeSize(host.dtype), dstSize = dtypeSize(target);
    const std::size_t rowBytes = std::size_t(layout.cols) * srcSize;
    const std::size_t pitch = std::size_t(layout.ld) * srcSize;
    if (target == host.dtype) {
        check(cudaMemcpy2DAsync(t.data, rowBytes, host.data, pitch, rowBytes,
                                std::size_t(layout.rows), cudaMemcpyHostToDevice, stream_),
              "weight upload");
        return t;
    }
    // Convert on the device, a block of rows at a time, so that staging stays small.
    const std::int64_t rowsPerPiece = std::max<std::int64_t>(
        1, std::int64_t(kConversionPieceBytes / std::max<std::size_t>(rowBytes, 1)));
    const std::int64_t piece = std::min(rowsPerPiece, layout.rows);
    Scratch staging(*this, std::size_t(piece) * rowBytes);
    for (std::int64_t r = 0; r < layout.rows; r += piece) {
        const std::int64_t m = std::min(piece, layout.rows - r);
        check(cudaMemcpy2DAsync(staging.as<void>(), rowBytes,
                                static_cast<const char*>(host.data) + std::size_t(r) * pitch, pitch,
                                rowBytes, std::size_t(m), cudaMemcpyHostToDevice, stream_),
              "weight upload");
        launchConvert(staging.as<void>(), int(host.dtype),
                      static_cast<char*>(t.data) + std::size_t(r * layout.cols) * dstSize,
                      int(target), m * layout.cols, stream_);
    }
    // Kernels read weights before they wait for the kernel ahead of them (launched as
    // programmatic dependents: the GEMV's first loads, the norms' weights), so a weight a
    // kernel wrote must be complete before the next kernel starts. Loading happens once.
    check(cudaStreamSynchronize(stream_), "weight conversion");
    return t;
}

void CudaBackend::releaseWeight(const Tensor& prepared) {
    if (prepared.data) release(prepared.data);
}

// ---- ops ---------------------------------------------------------------------------------

void CudaBackend::embedding(const Tensor& ids, const Tensor& table, float scale, Tensor& out) {
    const char* op = "embedding";
    requireDType(ids, DType::I32, op, "ids");
    requireRank(ids, 1, op, "ids");
    requireContiguous(ids, op, "ids");
    requireWeightDType(table, op, "table");
    requireRank(table, 2, op, "table");
    if (table.stride[1] != 1) bad(op, "table rows must be contiguous");
    Rows o = lastDimRows(out, op, "out");
    const std::int64_t T = ids.shape[0];
    if (o.rows != T || o.cols != table.shape[1])
        bad(op, "out " + out.shapeString() + " must be [" + std::to_string(T) + ", " +
                    std::to_string(table.shape[1]) + "]");
    makeCurrent();
    const std::int64_t vocab = table.shape[0];
    if (T == 0) return;
    if (isDevicePointer(ids.data)) {
        launchEmbedding(ids.as<std::int32_t>(), weightOf(table), vocab, table.stride[0], scale, o,
                        stream_);
        return;
    }
    const auto* hostIds = ids.as<std::int32_t>();
    for (std::int64_t t = 0; t < T; ++t)
        if (hostIds[t] < 0 || hostIds[t] >= vocab)
            bad(op, "token id " + std::to_string(hostIds[t]) + " at position " + std::to_string(t) +
                        " is outside the vocabulary of " + std::to_string(vocab));
    Scratch dev(*this, std::size_t(T) * sizeof(std::int32_t));
    upload(dev.as<void>(), hostIds, std::size_t(T) * sizeof(std::int32_t));
    launchEmbedding(dev.as<std::int32_t>(), weightOf(table), vocab, table.stride[0], scale, o,
                    stream_);
}

void CudaBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias, float scale,
                         Tensor& out, ProductOut mode) {
    const char* op = "linear";
    const bool add = mode == ProductOut::Add;
    requireWeightDType(weight, op, "weight");
    // x in the weight's 16-bit type: written so by its producer, taken without conversion.
    const bool halfX = x.dtype != DType::F32;
    if (halfX && x.dtype != weight.dtype)
        bad(op, "x is " + std::string(dtypeName(x.dtype)) + ", the weight " +
                    std::string(dtypeName(weight.dtype)) + " (16-bit x must be the weight's type)");
    Rows xr{};
    if (!lastDimView(x, xr))
        bad(op, "x " + x.shapeString() +
                    ": rows of the last dimension must have one stride and contiguous elements");
    if (out.dtype == DType::BF16 || out.dtype == DType::F16) { // see swigluInputDType
        if (add)
            bad(op, "an added product needs an f32 out, not " + std::string(dtypeName(out.dtype)) +
                        " " + out.shapeString());
        return linearToHalf(x, xr, weight, bias, scale, out);
    }
    const ProductArgs p = productArgs(op, x, xr, weight, bias, out);
    const std::int64_t N = p.N, K = p.K;
    const Rows o = p.out;
    const float* b = p.bias;
    makeCurrent();
    if (xr.rows == 0 || N == 0) return;
    if (K == 0) {
        if (!add)
            for (std::int64_t r = 0; r < o.rows; ++r)
                launchFill(o.data + r * o.ld, 0.0f, N, stream_);
        if (b) launchAddBias(o, b, scale, stream_);
        return;
    }
    const std::int64_t ldw = p.ldw;
    std::optional<Scratch> widened; // a few 16-bit rows for the GEMV, which reads f32
    if (halfX && xr.rows <= kGemvMaxRows) {
        widened.emplace(*this, std::size_t(xr.rows * K) * 4);
        for (std::int64_t r = 0; r < xr.rows; ++r)
            launchConvert(static_cast<const std::uint16_t*>(x.data) + r * xr.ld, int(x.dtype),
                          widened->as<float>() + r * K, int(DType::F32), K, stream_);
        xr = {widened->as<float>(), xr.rows, K, K};
    }
    if ((!halfX || widened) && gemvApplies(xr, weight.data, ldw, int(weight.dtype))) {
        // Decode: a memory-bound product with no conversion pass and no scratch. (Decode
        // folds its residual add into the next product instead, so an added GEMV is rare:
        // into scratch, then added.)
        if (!add) {
            launchGemv(xr, weight.data, ldw, int(weight.dtype), b, scale, o, stream_);
            return;
        }
        Scratch product(*this, std::size_t(o.rows * N) * 4);
        const Rows p{product.as<float>(), o.rows, N, N};
        launchGemv(xr, weight.data, ldw, int(weight.dtype), b, scale, p, stream_);
        launchAddScaled(o, p, 1.0f, o, stream_);
        return;
    }
    GemmOperands g{};
    g.out = o.data;
    g.ldo = o.ld;
    g.beta = add ? 1.0f : 0.0f;
    g.bias = scale == 1.0f ? b : nullptr;
    runGemm(halfX && !widened ? x.data : nullptr, xr, weight, ldw, N, K, scale, g);
    if (b && scale != 1.0f) launchAddBias(o, b, scale, stream_);
}

void CudaBackend::runGemm(const void* halfX, const Rows& xr, const Tensor& weight, std::int64_t ldw,
                          std::int64_t N, std::int64_t K, float scale, GemmOperands& g) {
    g.w = weight.data;
    g.ldw = ldw;
    g.T = xr.rows;
    g.N = N;
    g.K = K;
    g.alpha = scale;
    if (weight.dtype == DType::F32) {
        g.x = xr.data;
        g.ldx = xr.ld;
        g.dtype = 0;
        gemm_->run(g, workspace_, workspaceBytes_, stream_);
    } else if (halfX) {
        g.x = halfX;
        g.ldx = xr.ld;
        g.dtype = int(weight.dtype);
        gemm_->run(g, workspace_, workspaceBytes_, stream_);
    } else {
        // The activations meet the weights in the weights' 16-bit type; accumulation is f32.
        Scratch half(*this, std::size_t(xr.rows * K) * 2);
        launchToHalfRows(xr, half.as<void>(), int(weight.dtype), stream_);
        g.x = half.as<void>();
        g.ldx = K;
        g.dtype = int(weight.dtype);
        gemm_->run(g, workspace_, workspaceBytes_, stream_);
    }
}

void CudaBackend::linearToHalf(const Tensor& x, const Rows& xr, const Tensor& weight,
                               const Tensor* bias, float scale, Tensor& out) {
    const char* op = "linear";
    requireRank(weight, 2, op, "weight");
    if (weight.shape[1] > 1 && weight.stride[1] != 1) bad(op, "weight rows must be contiguous");
    const std::int64_t N = weight.shape[0], K = weight.shape[1];
    if (xr.cols != K)
        bad(op, "x " + x.shapeString() + " does not match weight " + weight.shapeString());
    if (out.rank != 2 || out.shape[0] != xr.rows || out.shape[1] != N ||
        (N > 1 && out.stride[1] != 1))
        bad(op, "16-bit out " + out.shapeString() + " must be [" + std::to_string(xr.rows) + ", " +
                    std::to_string(N) + "] with contiguous rows");
    if (bias && bias->data) bad(op, "a 16-bit out takes no bias");
    if (xr.rows <= kGemvMaxRows || K == 0 || weight.dtype == DType::F32)
        bad(op, "a 16-bit out needs a product of more than " + std::to_string(kGemvMaxRows) +
                    " rows with 16-bit weights (x " + x.shapeString() + ")");
    makeCurrent();
    GemmOperands g{};
    g.out = out.data;
    g.ldo = out.shape[0] > 1 ? out.stride[0] : N;
    g.outDtype = int(out.dtype);
    runGemm(x.dtype != DType::F32 ? x.data : nullptr, xr, weight,
            weight.shape[0] > 1 ? weight.stride[0] : K, N, K, scale, g);
}

void CudaBackend::linearOfSwiglu(const Tensor& gate, const Tensor& up, const Tensor& weight,
                                 const Tensor* bias, float scale, Tensor& out, Tensor& scratch,
                                 ProductOut mode) {
    const char* op = "linearOfSwiglu";
    if (mode == ProductOut::Write && gate.rank == 2 && gate.shape[0] >= 1 &&
        gate.shape[0] <= kGemvMaxRows && weight.rank == 2) {
        // Decode: swiglu inside the GEMV's staging of its input.
        const auto [g, u] = elementRows<2>({&gate, &up}, {"gate", "up"}, op, true);
        const ProductArgs p = productArgs(op, gate, g, weight, bias, out);
        if (p.K > 0 && gemvApplies(g, weight.data, p.ldw, int(weight.dtype))) {
            makeCurrent();
            GemvInput in;
            in.kind = kGemvSwiglu;
            in.other = u;
            launchGemv(g, weight.data, p.ldw, int(weight.dtype), p.bias, scale, p.out, stream_, in);
            return;
        }
    }
    Backend::linearOfSwiglu(gate, up, weight, bias, scale, out, scratch, mode);
}

void CudaBackend::linearOfGatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& normWeight,
                                       std::int64_t groupSize, float eps, bool normBeforeGate,
                                       const Tensor& weight, const Tensor* bias, float scale,
                                       Tensor& out, Tensor& scratch, ProductOut mode) {
    const char* op = "linearOfGatedRmsNorm";
    if (mode == ProductOut::Write && x.dtype == DType::F32 && z.dtype == DType::F32 &&
        x.rank == 2 && x.shape[0] >= 1 && x.shape[0] <= kGemvMaxRows && weight.rank == 2) {
        // Decode: every GEMV block normalises the rows it stages (a few thousand values).
        const auto [xr, zr] = elementRows<2>({&x, &z}, {"x", "z"}, op, true);
        requireNormWeight(normWeight, xr.cols, op, "normWeight");
        requireGroupSize(groupSize, xr.cols, op);
        const ProductArgs p = productArgs(op, x, xr, weight, bias, out);
        if (p.K > 0 && gemvApplies(xr, weight.data, p.ldw, int(weight.dtype))) {
            makeCurrent();
            GemvInput in;
            in.kind = kGemvGatedNorm;
            in.other = zr;
            in.norm = weightOf(normWeight);
            in.groupSize = groupSize;
            in.eps = eps;
            in.normBeforeGate = normBeforeGate;
            launchGemv(xr, weight.data, p.ldw, int(weight.dtype), p.bias, scale, p.out, stream_,
                       in);
            return;
        }
    }
    Backend::linearOfGatedRmsNorm(x, z, normWeight, groupSize, eps, normBeforeGate, weight, bias,
                                  scale, out, scratch, mode);
}

namespace {

// The GEMV input of decode's folded residual norm (see linearOfAddRmsNorm), checked; xr
// receives x's rows.
GemvInput residualNormInput(const Backend::ResidualNorm& f, const char* op, Rows& xr) {
    const auto [fx, fd, fo] =
        elementRows<3>({f.x, f.delta, f.xOut}, {"x", "delta", "xOut"}, op, true);
    requireNormWeight(*f.weight, fx.cols, op, "normWeight");
    if (f.xOut->data == f.x->data || f.xOut->data == f.delta->data)
        bad(op, "xOut must not alias x or delta");
    xr = fx;
    GemvInput in;
    in.kind = kGemvAddRmsNorm;
    in.other = fd;
    in.norm = weightOf(*f.weight);
    in.groupSize = fx.cols;
    in.eps = f.eps;
    in.scale = f.scale;
    in.residualOut = fo;
    return in;
}

} // namespace

void CudaBackend::fusedLinear(const Tensor& x, const ResidualNorm* fold, const Tensor& weight,
                              const Tensor* bias, float scale, Tensor& out,
                              const ConvOfColumns* conv) {
    // The conv as the GEMV's epilogue unless LONGVIEW_CUDA_CONV_EPILOGUE=0; read at each call
    // (the op test runs both forms); recorded steps read it once.
    const bool epilogue = !switchIs("LONGVIEW_CUDA_CONV_EPILOGUE", "0");
    const char* op = "fusedLinear";
    const Tensor& input = fold ? *fold->x : x;
    if (!epilogue || !conv || conv->out->dtype != DType::F32 || input.rank != 2 ||
        input.shape[0] < 1 || input.shape[0] > kGemvMaxRows || weight.rank != 2)
        return Backend::fusedLinear(x, fold, weight, bias, scale, out, conv);
    GemvInput in;
    Rows xr{};
    if (fold)
        in = residualNormInput(*fold, op, xr);
    else
        xr = lastDimRows(x, op, "x");
    const ProductArgs p = productArgs(op, input, xr, weight, bias, out);
    // The conv's operands, checked as causalConv1d checks them.
    const Tensor& cw = *conv->weight;
    requireWeightDType(cw, op, "conv weight");
    requireRank(cw, 2, op, "conv weight");
    requireContiguous(cw, op, "conv weight");
    const std::int64_t C = cw.shape[0], K = cw.shape[1];
    if (K < 1 || K > 8) bad(op, "conv kernel size " + std::to_string(K) + " outside 1..8");
    if (conv->c0 < 0 || conv->c0 + C > p.N)
        bad(op, "conv columns outside the product's " + std::to_string(p.N));
    requireDType(*conv->state, DType::F32, op, "conv state");
    requireShape(*conv->state, {C, K - 1}, op, "conv state");
    requireContiguous(*conv->state, op, "conv state");
    const Rows co = lastDimRows(*conv->out, op, "conv out");
    if (co.rows != xr.rows || co.cols != C)
        bad(op, "conv out " + conv->out->shapeString() + " must be [" + std::to_string(xr.rows) +
                    ", " + std::to_string(C) + "]");
    if (p.K == 0 || !gemvApplies(xr, weight.data, p.ldw, int(weight.dtype)))
        return Backend::fusedLinear(x, fold, weight, bias, scale, out, conv);
    GemvConv gc;
    gc.c0 = conv->c0;
    gc.channels = C;
    gc.w = weightOf(cw);
    gc.K = int(K);
    gc.bias = optionalBias(conv->bias, C, op);
    gc.state = conv->state->as<float>();
    gc.silu = conv->silu;
    gc.out = co;
    makeCurrent();
    launchGemv(xr, weight.data, p.ldw, int(weight.dtype), p.bias, scale, p.out, stream_, in, gc);
}

DType CudaBackend::swigluInputDType(const Tensor& down, std::int64_t rows) const {
    // The gate-up product's output and swiglu's input are the widest activations of a prefill
    // chunk: bf16 unless LONGVIEW_CUDA_GATEUP_BF16=0 (H100: +1-2% prefill at 16K and 128K).
    static const bool on = !switchIs("LONGVIEW_CUDA_GATEUP_BF16", "0");
    return on && rows > kGemvMaxRows && down.dtype == DType::BF16 ? DType::BF16 : DType::F32;
}

bool CudaBackend::stacksProducts() const {
    // LONGVIEW_CUDA_STACK=0 keeps the checkpoint's separate products (to compare).
    static const bool on = !switchIs("LONGVIEW_CUDA_STACK", "0");
    return on;
}

bool CudaBackend::foldsResidualNorm(std::int64_t T) const {
    // Unless LONGVIEW_CUDA_FOLD_NORM=0 (H100: decode +1-2%, 81 launches fewer a token).
    static const bool on = !switchIs("LONGVIEW_CUDA_FOLD_NORM", "0");
    return on && T >= 1 && T <= kGemvMaxRows;
}

DType CudaBackend::mamba2ProjectionDType(const Tensor& inProj, std::int64_t rows) const {
    // Unless LONGVIEW_CUDA_INPROJ_BF16=0: in prefill, in_proj's output (z, x-B-C, dt) in
    // bf16, as swigluInputDType's gate and up: half the bytes written and read back by the
    // conv and the gated norm.
    static const bool on = !switchIs("LONGVIEW_CUDA_INPROJ_BF16", "0");
    return on && rows > kGemvMaxRows && inProj.dtype == DType::BF16 ? DType::BF16 : DType::F32;
}

DType CudaBackend::ssdOutputDType(const Tensor& outProj, std::int64_t rows) const {
    // Unless LONGVIEW_CUDA_SSD_Y_BF16=0: in prefill, the SSD's y in bf16 for the gated norm
    // that reads it (half the bytes the scan writes and the norm reads back).
    static const bool on = !switchIs("LONGVIEW_CUDA_SSD_Y_BF16", "0");
    return on && rows > kGemvMaxRows && outProj.dtype == DType::BF16 ? DType::BF16 : DType::F32;
}

DType CudaBackend::ssdInputDType(const Tensor& outProj, std::int64_t rows) const {
    // Unless LONGVIEW_CUDA_SSD_IN_BF16=0: in prefill, the conv's x-B-C in bf16 for the SSD's
    // chunk kernels (half the bytes the conv writes and the chunk states and scan stage; the
    // C and x tiles every head of a group reads). Past the recurrent form's few tokens only,
    // which reads f32.
    static const bool on = !switchIs("LONGVIEW_CUDA_SSD_IN_BF16", "0");
    return on && rows > std::max(kGemvMaxRows, kRecurrentMaxTokens) && outProj.dtype == DType::BF16
               ? DType::BF16
               : DType::F32;
}

bool CudaBackend::addsInProducts(std::int64_t T) const {
    // Unless LONGVIEW_CUDA_ADD_IN_PRODUCT=0: the residual add as the GEMM epilogue's beta = 1
    // (decode's GEMVs fold it into the next product instead, foldsResidualNorm).
    static const bool on = !switchIs("LONGVIEW_CUDA_ADD_IN_PRODUCT", "0");
    return on && T > kGemvMaxRows;
}

void CudaBackend::linearOfAddRmsNorm(Tensor& x, const Tensor& delta, float scale,
                                     const Tensor& normWeight, float eps, Tensor& xOut,
                                     const Tensor& weight, const Tensor* bias, float lscale,
                                     Tensor& out) {
    const char* op = "linearOfAddRmsNorm";
    if (x.rank == 2 && x.shape[0] >= 1 && x.shape[0] <= kGemvMaxRows && weight.rank == 2) {
        // Decode: every GEMV block adds and normalizes the rows it stages, and writes its
        // slice of the new residual.
        Rows xr{};
        const GemvInput in =
            residualNormInput({&x, &delta, scale, &normWeight, eps, &xOut}, op, xr);
        const ProductArgs p = productArgs(op, x, xr, weight, bias, out);
        if (p.K > 0 && gemvApplies(xr, weight.data, p.ldw, int(weight.dtype))) {
            makeCurrent();
            launchGemv(xr, weight.data, p.ldw, int(weight.dtype), p.bias, lscale, p.out, stream_,
                       in);
            return;
        }
    }
    Backend::linearOfAddRmsNorm(x, delta, scale, normWeight, eps, xOut, weight, bias, lscale, out);
}

void CudaBackend::rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) {
    const char* op = "rmsNorm";
    const Rows xr = lastDimRows(x, op, "x");
    const OutRows o = outRowsLike(out, x, op, "out");
    requireNormWeight(weight, xr.cols, op, "weight");
    makeCurrent();
    launchRmsNorm(xr, weightOf(weight), eps, o, stream_);
}

void CudaBackend::gatedRmsNorm(const Tensor& x, const Tensor& z, const Tensor& weight,
                               std::int64_t groupSize, float eps, bool normBeforeGate,
                               Tensor& out) {
    const char* op = "gatedRmsNorm";
    // x (the SSD's y) and z (in_proj's) each f32 or, as a GPU's prefill writes them, bf16
    // (ssdOutputDType, mamba2ProjectionDType).
    auto rowsOf = [&](const Tensor& t, const char* name) {
        const Rows r = f32OrBf16Rows(t, Split::LastDim, op, name);
        return TypedRows{t.data, r.rows, r.cols, r.ld, t.dtype == DType::BF16};
    };
    if (z.rank != x.rank || z.shape != x.shape)
        bad(op, "z " + z.shapeString() + " must match x " + x.shapeString());
    const TypedRows xr = rowsOf(x, "x"), zr = rowsOf(z, "z");
    if (zr.rows != xr.rows || zr.cols != xr.cols)
        bad(op, "z " + z.shapeString() + ": rows of another layout than x " + x.shapeString());
    const OutRows o = outRowsLike(out, x, op, "out");
    requireNormWeight(weight, xr.cols, op, "weight");
    requireGroupSize(groupSize, xr.cols, op);
    makeCurrent();
    launchGatedRmsNorm(xr, zr, weightOf(weight), groupSize, eps, normBeforeGate, o, stream_);
}

void CudaBackend::addScaled(const Tensor& a, const Tensor& b, float scale, Tensor& out) {
    const char* op = "addScaled";
    const auto [ar, br, o] = elementRows<3>({&a, &b, &out}, {"a", "b", "out"}, op);
    makeCurrent();
    launchAddScaled(ar, br, scale, o, stream_);
}

void CudaBackend::addRmsNorm(Tensor& x, const Tensor& delta, float scale, const Tensor& weight,
                             float eps, Tensor& normed) {
    const char* op = "addRmsNorm";
    const auto [xr, dr] = elementRows<2>({&x, &delta}, {"x", "delta"}, op, true);
    const OutRows o = outRowsLike(normed, x, op, "normed");
    requireNormWeight(weight, xr.cols, op, "weight");
    if (normed.data == x.data) bad(op, "normed must not alias x");
    makeCurrent();
    if (!launchAddRmsNorm(xr, dr, scale, weightOf(weight), eps, o, stream_))
        Backend::addRmsNorm(x, delta, scale, weight, eps, normed);
}

void CudaBackend::scale(Tensor& x, float s) {
    const auto [xr] = elementRows<1>({&x}, {"x"}, "scale");
    makeCurrent();
    launchScale(xr, s, stream_);
}

void CudaBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out) {
    const char* op = "swiglu";
    if (gate.dtype != DType::F32 || up.dtype != DType::F32) {
        // 16-bit gate and up (swigluInputDType): [T, F] views with contiguous rows.
        if (gate.dtype != DType::BF16 || up.dtype != DType::BF16)
            bad(op, "gate and up must both be f32 or both bf16 (are " +
                        std::string(dtypeName(gate.dtype)) + ", " +
                        std::string(dtypeName(up.dtype)) + ")");
        for (const Tensor* t : {&gate, &up})
            if (t->rank != 2 || t->shape != gate.shape || (t->shape[1] > 1 && t->stride[1] != 1))
                bad(op, "bf16 gate and up must be [T, F] with contiguous rows (gate " +
                            gate.shapeString() + ", up " + up.shapeString() + ")");
        const OutRows o = outRowsLike(out, gate, op, "out");
        const std::int64_t T = gate.shape[0];
        const HalfRows g{gate.data, T, gate.shape[1], T > 1 ? gate.stride[0] : gate.shape[1]};
        const HalfRows u{up.data, T, up.shape[1], T > 1 ? up.stride[0] : up.shape[1]};
        makeCurrent();
        launchSwigluHalfIn(g, u, o, stream_);
        return;
    }
    if (out.dtype == DType::F32) { // any layout the three share
        const auto [g, u, o] = elementRows<3>({&gate, &up, &out}, {"gate", "up", "out"}, op);
        makeCurrent();
        launchSwiglu(g, u, asOut(o), stream_);
        return;
    }
    const auto [g, u] = elementRows<2>({&gate, &up}, {"gate", "up"}, op, true);
    const OutRows o = outRowsLike(out, gate, op, "out");
    makeCurrent();
    launchSwiglu(g, u, o, stream_);
}

void CudaBackend::reluSquared(Tensor& x) {
    const auto [xr] = elementRows<1>({&x}, {"x"}, "reluSquared");
    makeCurrent();
    launchReluSquared(xr, stream_);
}

void CudaBackend::silu(Tensor& x) {
    const auto [xr] = elementRows<1>({&x}, {"x"}, "silu");
    makeCurrent();
    launchSilu(xr, stream_);
}

void CudaBackend::causalConv1d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                               Tensor& state, bool applySilu, Tensor& out) {
    const char* op = "causalConv1d";
    requireRank(x, 2, op, "x");
    const bool halfX = x.dtype == DType::BF16; // in_proj's bf16 output (mamba2ProjectionDType)
    const Rows xr = f32OrBf16Rows(x, Split::LastDim, op, "x");
    const std::int64_t T = xr.rows, Cn = xr.cols;
    requireWeightDType(weight, op, "weight");
    requireRank(weight, 2, op, "weight");
    requireContiguous(weight, op, "weight");
    if (weight.shape[0] != Cn)
        bad(op, "weight " + weight.shapeString() + " does not match x " + x.shapeString());
    const std::int64_t K = weight.shape[1];
    if (K < 1 || K > 8) bad(op, "kernel size " + std::to_string(K) + " outside 1..8");
    requireDType(state, DType::F32, op, "state");
    requireShape(state, {Cn, K - 1}, op, "state");
    requireContiguous(state, op, "state");
    // out f32, or bf16 for the SSD that reads it (ssdInputDType).
    const Rows orows = f32OrBf16Rows(out, Split::LastDim, op, "out");
    if (orows.rows != T || orows.cols != Cn)
        bad(op, "out " + out.shapeString() + " must match x " + x.shapeString());
    const OutRows o{out.data, T, Cn, orows.ld, int(out.dtype)};
    const float* b = optionalBias(bias, Cn, op);
    makeCurrent();
    void* in = x.data;
    std::int64_t ldIn = xr.ld;
    std::optional<Scratch> copyOfX;
    if (out.data == x.data && T > 0) {
        // In place: every output reads K-1 earlier inputs, so read from a copy.
        const std::size_t es = dtypeSize(x.dtype);
        copyOfX.emplace(*this, std::size_t(T * Cn) * es);
        check(cudaMemcpy2DAsync(copyOfX->as<void>(), std::size_t(Cn) * es, x.data,
                                std::size_t(xr.ld) * es, std::size_t(Cn) * es, std::size_t(T),
                                cudaMemcpyDeviceToDevice, stream_),
              "conv1d input copy");
        in = copyOfX->as<void>();
        ldIn = Cn;
    }
    if (halfX)
        launchCausalConv1dHalfIn({in, T, Cn, ldIn}, weightOf(weight), K, b, state.as<float>(),
                                 applySilu, o, stream_);
    else
        launchCausalConv1d({static_cast<float*>(in), T, Cn, ldIn}, weightOf(weight), K, b,
                           state.as<float>(), applySilu, o, stream_);
}

void CudaBackend::ssdScan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                          const Tensor& C, const Tensor& D, const Tensor& dtBias,
                          const SsdParams& params, Tensor& state, Tensor& y) {
    const char* op = "ssdScan";
    requireRank(x, 3, op, "x");
    const std::int64_t T = x.shape[0], H = x.shape[1], P = x.shape[2];
    // x, B and C f32, or all three bf16 as the conv writes them in prefill (ssdInputDType).
    const bool xbcBf16 = x.dtype == DType::BF16;
    for (auto [t, name] : {std::pair{&B, "B"}, {&C, "C"}})
        if (t->dtype != x.dtype)
            bad(op, std::string(name) + " is " + std::string(dtypeName(t->dtype)) + ", x " +
                        std::string(dtypeName(x.dtype)) + ": x, B and C must share one type");
    const Rows xr = f32OrBf16Rows(x, Split::Tokens, op, "x");
    requireRank(dt, 2, op, "dt");
    if (dt.shape[0] != T || dt.shape[1] != H) bad(op, "dt " + dt.shapeString() + " must be [T, H]");
    // dt in f32, or in bf16 as in_proj writes it in prefill (mamba2ProjectionDType).
    const bool dtBf16 = dt.dtype == DType::BF16;
    const Rows dtr = f32OrBf16Rows(dt, Split::Tokens, op, "dt");
    requireRank(B, 3, op, "B");
    const std::int64_t G = B.shape[1], N = B.shape[2];
    if (B.shape[0] != T) bad(op, "B " + B.shapeString() + " must have T rows");
    if (G <= 0 || H % G != 0)
        bad(op, "heads " + std::to_string(H) + " not a multiple of groups " + std::to_string(G));
    if (N > 256) bad(op, "d_state " + std::to_string(N) + " above 256");
    const Rows br = f32OrBf16Rows(B, Split::Tokens, op, "B");
    if (C.rank != 3 || C.shape != B.shape)
        bad(op, "C " + C.shapeString() + " must match B " + B.shapeString());
    const Rows cr = f32OrBf16Rows(C, Split::Tokens, op, "C");
    for (auto [t, name] : {std::pair{&A, "A"}, {&D, "D"}, {&dtBias, "dtBias"}}) {
        requireDType(*t, DType::F32, op, name);
        requireContiguous(*t, op, name);
        if (t->numel() != H)
            bad(op, std::string(name) + " " + t->shapeString() + " must have H elements");
    }
    requireDType(state, DType::F32, op, "state");
    requireShape(state, {H, P, N}, op, "state");
    requireContiguous(state, op, "state");
    requireShape(y, {T, H, P}, op, "y");
    // y in f32, or in bf16 for the gated norm after it (ssdOutputDType); pairs of bf16 are
    // stored as one 4-byte word.
    const bool yBf16 = y.dtype == DType::BF16;
    const Rows yr = f32OrBf16Rows(y, Split::Tokens, op, "y");
    if (yBf16 && (reinterpret_cast<std::uintptr_t>(y.data) & 3) != 0)
        bad(op, "a bf16 y must be 4-byte aligned");
    makeCurrent();

    SsdArgs a{};
    a.x = x.data;
    a.ldx = xr.ld;
    a.dt = dt.data;
    a.lddt = dtr.ld;
    a.dtBf16 = dtBf16;
    a.A = A.as<float>();
    a.B = B.data;
    a.ldb = br.ld;
    a.C = C.data;
    a.ldc = cr.ld;
    a.xbcBf16 = xbcBf16;
    a.D = D.as<float>();
    a.dtBias = dtBias.as<float>();
    a.state = state.as<float>();
    a.y = y.data;
    a.ldy = yr.ld;
    a.yBf16 = yBf16;
    a.T = T;
    a.H = H;
    a.P = P;
    a.G = G;
    a.N = N;
    a.dtMin = params.dtMin;
    a.dtMax = params.dtMax;
    a.bf16Products = params.bf16Products;
    // A handful of tokens (decode, speculative steps) is cheaper token by token; longer
    // sequences go through the chunked form on the tensor cores.
    const bool recurrent = T <= kRecurrentMaxTokens;
    std::optional<Scratch> wide;
    if (xbcBf16 && (recurrent || !ssdChunkedReadsBf16(a))) {
        // Only the chunked form's bf16 kernels read bf16 x, B and C; the others get f32 copies.
        const std::int64_t cols[3] = {xr.cols, br.cols, cr.cols};
        wide.emplace(*this, std::size_t(T * (cols[0] + cols[1] + cols[2])) * sizeof(float));
        float* dst = wide->as<float>();
        const Rows* rows[3] = {&xr, &br, &cr};
        const void* srcs[3] = {x.data, B.data, C.data};
        const void** fields[3] = {&a.x, &a.B, &a.C};
        std::int64_t* lds[3] = {&a.ldx, &a.ldb, &a.ldc};
        for (int i = 0; i < 3; ++i) {
            launchWidenRows({const_cast<void*>(srcs[i]), T, cols[i], rows[i]->ld},
                            {dst, T, cols[i], cols[i]}, stream_);
            *fields[i] = dst;
            *lds[i] = cols[i];
            dst += T * cols[i];
        }
        a.xbcBf16 = false;
    }
    if (recurrent) {
        launchSsdRecurrent(a, stream_);
        return;
    }
    Scratch scratch(*this, ssdChunkedScratchBytes(a));
    launchSsdChunked(a, scratch.as<void>(), stream_);
}

void CudaBackend::rope(Tensor& x, std::int64_t pos0, float theta, std::int64_t rotaryDim) {
    const char* op = "rope";
    requireRank(x, 3, op, "x");
    Rows xr = tokenRows(x, op, "x");
    const std::int64_t headDim = x.shape[2];
    requireRotaryDim(rotaryDim, headDim, op);
    makeCurrent();
    launchRope(xr.data, xr.ld, xr.rows, x.shape[1], headDim, positionArg(pos0), theta, rotaryDim,
               stream_);
}

void CudaBackend::ropeAndAppend(Tensor& q, Tensor& k, const Tensor& v, Tensor& kCache,
                                Tensor& vCache, std::int64_t pos0, float theta,
                                std::int64_t rotaryDim) {
    const char* op = "ropeAndAppend";
    requireRank(q, 3, op, "q");
    requireRank(k, 3, op, "k");
    requireRank(v, 3, op, "v");
    const Rows qr = tokenRows(q, op, "q"), kr = tokenRows(k, op, "k"), vr = tokenRows(v, op, "v");
    const std::int64_t T = q.shape[0], D = q.shape[2];
    if (k.shape != v.shape || k.shape[0] != T || k.shape[2] != D)
        bad(op, "k " + k.shapeString() + " and v " + v.shapeString() + " must be [" +
                    std::to_string(T) + ", kv heads, " + std::to_string(D) + "]");
    for (const Tensor* c : {&kCache, &vCache}) {
        requireRank(*c, 3, op, "cache");
        requireContiguous(*c, op, "cache");
        if (c->shape[1] != k.shape[1] || c->shape[2] != D || c->dtype != kCache.dtype)
            bad(op, "caches " + kCache.shapeString() + ", " + vCache.shapeString() +
                        " must be [capacity, " + std::to_string(k.shape[1]) + ", " +
                        std::to_string(D) + "] of one type");
    }
    if (kCache.dtype != DType::F32 && kCache.dtype != DType::F16 && kCache.dtype != DType::BF16)
        bad(op, "caches must be f32, bf16 or f16");
    if (pos0 < 0 || pos0 + T > kCache.shape[0])
        bad(op, "rows " + std::to_string(pos0) + ".." + std::to_string(pos0 + T) +
                    " outside the caches " + kCache.shapeString());
    requireRotaryDim(rotaryDim, D, op);
    makeCurrent();
    RopeAppendArgs a{};
    a.q = qr.data;
    a.ldq = qr.ld;
    a.k = kr.data;
    a.ldk = kr.ld;
    a.v = vr.data;
    a.ldv = vr.ld;
    a.Hq = int(q.shape[1]);
    a.Hkv = int(k.shape[1]);
    a.headDim = int(D);
    a.rotaryDim = int(rotaryDim);
    a.theta = theta;
    a.position = positionArg(pos0);
    a.kCache = kCache.data;
    a.vCache = vCache.data;
    a.cacheDtype = int(kCache.dtype);
    launchRopeAppend(a, T, stream_);
}

DType CudaBackend::kvCacheDType() const {
    static const DType chosen = switchIs("LONGVIEW_CUDA_KV", "f32") ? DType::F32 : DType::F16;
    return chosen;
}

DType CudaBackend::linearInputDType(const Tensor& weight, std::int64_t rows) const {
    // Few rows go to the GEMV, which reads x in f32; f32 weights run TF32 on f32 x.
    if (rows <= kGemvMaxRows || (weight.dtype != DType::BF16 && weight.dtype != DType::F16))
        return DType::F32;
    return weight.dtype;
}

DType CudaBackend::moeInputDType(const Tensor& gateUp, std::int64_t rows) const {
    // The grouped form's products take x in bf16 (it converts f32 x first); the others read
    // f32. The form as moeSwiglu will choose it (its down in the same type as gateUp).
    if (gateUp.rank != 3) return DType::F32;
    MoeArgs probe{};
    probe.x = Rows{nullptr, rows, gateUp.shape[2], gateUp.shape[2]};
    probe.gateUp = probe.down = Weight{nullptr, int(gateUp.dtype)};
    probe.F = gateUp.shape[1] / 2;
    probe.k = 1;
    return moeFormOf(probe) == MoeForm::grouped ? DType::BF16 : DType::F32;
}

std::int64_t CudaBackend::preferredPrefillChunk() const {
    if (const char* e = std::getenv("LONGVIEW_CUDA_CHUNK"))
        if (const long v = std::strtol(e, nullptr, 10); v > 0) return v;
    // Per chunk every layer launches its ops once and the products run at M = chunk: 8192
    // rows keep cuBLASLt near its large-M rate and give flash attention several waves of
    // query tiles (2048 gave 1.5 at 12 heads). Its activations (~116 KB a token at the
    // Granite 4.0-H 1B shape, ~0.95 GB) are too much beside the weights on a small GPU.
    std::size_t freeB = 0, totalB = 0;
    makeCurrent();
    cudaMemGetInfo(&freeB, &totalB);
    return totalB >= (std::size_t(16) << 30) ? 8192 : 2048;
}

void CudaBackend::storeRows(const Tensor& src, Tensor& dst, std::int64_t row0) {
    const std::int64_t rowLen = storeRowsLength(src, dst, row0), T = src.shape[0];
    // src rows may lie apart (k and v of a stacked q/k/v product).
    const std::int64_t srcLd = T > 1 ? src.stride[0] : rowLen;
    if (!recording_ && dst.dtype == DType::F32 && srcLd == rowLen) {
        Backend::storeRows(src, dst, row0); // one cudaMemcpyAsync
        return;
    }
    const char* op = "storeRows";
    if (dst.dtype != DType::F32) {
        makeCurrent();
        launchStoreRowsConverted(src.as<const float>(), srcLd, dst.data, int(dst.dtype), rowLen, T,
                                 positionArg(row0), stream_);
        return;
    }
    const std::int64_t rowBytes = rowLen * 4;
    if (rowBytes % 16 != 0 || (srcLd * 4) % 16 != 0 ||
        ((reinterpret_cast<std::uintptr_t>(src.data) | reinterpret_cast<std::uintptr_t>(dst.data)) &
         15) != 0)
        bad(op, "rows of " + std::to_string(rowBytes) + " bytes (" + std::to_string(srcLd * 4) +
                    " apart in src) are not 16-byte aligned");
    makeCurrent();
    launchStoreRows(src.data, srcLd * 4, dst.data, rowBytes, T, positionArg(row0), stream_);
}

void CudaBackend::attention(const Tensor& q, const Tensor& kCache, const Tensor& vCache,
                            std::int64_t pos0, float scale, Tensor& out) {
    const char* op = "attention";
    requireRank(q, 3, op, "q");
    const std::int64_t T = q.shape[0], Hq = q.shape[1], d = q.shape[2];
    Rows qr = tokenRows(q, op, "q");
    requireRank(kCache, 3, op, "kCache");
    requireWeightDType(kCache, op, "kCache");
    requireContiguous(kCache, op, "kCache");
    const std::int64_t capacity = kCache.shape[0], Hkv = kCache.shape[1];
    if (kCache.shape[2] != d)
        bad(op, "kCache " + kCache.shapeString() + " head dim differs from q " + q.shapeString());
    if (Hkv <= 0 || Hq % Hkv != 0)
        bad(op, "query heads " + std::to_string(Hq) + " not a multiple of kv heads " +
                    std::to_string(Hkv));
    if (vCache.rank != 3 || vCache.shape != kCache.shape || vCache.dtype != kCache.dtype)
        bad(op, "vCache " + vCache.shapeString() + " must match kCache " + kCache.shapeString());
    requireContiguous(vCache, op, "vCache");
    if (pos0 < 0 || pos0 + T > capacity)
        bad(op, "positions " + std::to_string(pos0) + ".." + std::to_string(pos0 + T) +
                    " exceed the cache capacity " + std::to_string(capacity));
    if (d > 256) bad(op, "head dim " + std::to_string(d) + " above 256");
    requireShape(out, {T, Hq, d}, op, "out");
    Rows o = tokenRows(out, op, "out");
    makeCurrent();
    AttentionArgs a{};
    a.q = qr.data;
    a.ldq = qr.ld;
    a.k = kCache.data;
    a.v = vCache.data;
    a.kvDtype = int(kCache.dtype);
    a.out = o.data;
    a.ldo = o.ld;
    a.T = T;
    a.Hq = Hq;
    a.Hkv = Hkv;
    a.d = d;
    a.pos0 = pos0;
    a.scale = scale;
    a.keyBound = pos0 + T;
    if (recording_) {
        const DevicePos p = positionArg(pos0);
        a.pos0Dev = p.base;
        a.pos0 = p.offset;
        a.keyBound = capacity;
        if (!attentionUsesDecodeKernel(a))
            bad(op, "only the split-K decode kernel can be recorded (" + std::to_string(T) +
                        " queries of " + std::to_string(Hq) + " heads, head dim " +
                        std::to_string(d) + ")");
    }
    const std::size_t scratchBytes = attentionScratchBytes(a);
    if (scratchBytes == 0) {
        launchAttention(a, nullptr, stream_);
        return;
    }
    Scratch scratch(*this, scratchBytes);
    launchAttention(a, scratch.as<void>(), stream_);
}

void CudaBackend::topkRouting(const Tensor& logits, std::int64_t k, bool softmaxFirst,
                              bool renormalize, Tensor& indices, Tensor& weights) {
    const char* op = "topkRouting";
    requireRank(logits, 2, op, "logits");
    Rows lr = lastDimRows(logits, op, "logits");
    const std::int64_t T = lr.rows, E = lr.cols;
    if (k < 1 || k > E) bad(op, "k " + std::to_string(k) + " outside 1.." + std::to_string(E));
    requireDType(indices, DType::I32, op, "indices");
    requireShape(indices, {T, k}, op, "indices");
    requireContiguous(indices, op, "indices");
    requireDType(weights, DType::F32, op, "weights");
    requireShape(weights, {T, k}, op, "weights");
    requireContiguous(weights, op, "weights");
    makeCurrent();
    launchTopkRouting(lr, k, softmaxFirst, renormalize, indices.as<std::int32_t>(),
                      weights.as<float>(), stream_);
}

void CudaBackend::moeSwiglu(const Tensor& x, const MoeWeights& experts, const Tensor& indices,
                            const Tensor& weights, Tensor& out) {
    runExperts(x, experts, nullptr, MoeRouting{}, indices, weights, out);
}

void CudaBackend::routedMoeSwiglu(const Tensor& x, const Tensor& logits, const MoeRouting& routing,
                                  const MoeWeights& experts, Tensor& indices, Tensor& weights,
                                  Tensor& out) {
    runExperts(x, experts, &logits, routing, indices, weights, out);
}

void CudaBackend::runExperts(const Tensor& x, const MoeWeights& experts, const Tensor* logits,
                             const MoeRouting& routing, const Tensor& indices,
                             const Tensor& weights, Tensor& out) {
    const char* op = logits ? "routedMoeSwiglu" : "moeSwiglu";
    if (!experts.gateUp || !experts.down) bad(op, "no expert weights");
    const Tensor& gateUp = *experts.gateUp;
    const Tensor& down = *experts.down;
    requireRank(x, 2, op, "x");
    // 16-bit x (moeInputDType): the grouped form reads it as its products' rows.
    const bool halfX = x.dtype != DType::F32;
    Rows xr{};
    if (halfX) {
        if (x.dtype != DType::BF16 || (x.shape[1] > 1 && x.stride[1] != 1) ||
            (x.shape[0] > 1 && x.stride[0] != x.shape[1]))
            bad(op, "x " + x.shapeString() + " in " + std::string(dtypeName(x.dtype)) +
                        ": 16-bit x must be bf16 with contiguous rows");
        xr = Rows{nullptr, x.shape[0], x.shape[1], x.shape[1]};
    } else {
        xr = lastDimRows(x, op, "x");
    }
    const std::int64_t T = xr.rows, H = xr.cols;
    requireWeightDType(gateUp, op, "gateUp");
    requireRank(gateUp, 3, op, "gateUp");
    requireContiguous(gateUp, op, "gateUp");
    const std::int64_t E = gateUp.shape[0], F = gateUp.shape[1] / 2;
    if (gateUp.shape[1] % 2 != 0 || gateUp.shape[2] != H)
        bad(op, "gateUp " + gateUp.shapeString() + " must be [E, 2F, " + std::to_string(H) + "]");
    requireWeightDType(down, op, "down");
    requireShape(down, {E, H, F}, op, "down");
    requireContiguous(down, op, "down");
    const bool shared = experts.sharedGateUp != nullptr;
    if (shared != (experts.sharedDown != nullptr))
        bad(op, "one of the shared expert's two weights without the other");
    std::int64_t Fs = 0;
    if (shared) {
        const Tensor& sgu = *experts.sharedGateUp;
        requireWeightDType(sgu, op, "sharedGateUp");
        requireRank(sgu, 2, op, "sharedGateUp");
        requireContiguous(sgu, op, "sharedGateUp");
        Fs = sgu.shape[0] / 2;
        if (sgu.shape[0] % 2 != 0 || sgu.shape[1] != H)
            bad(op,
                "sharedGateUp " + sgu.shapeString() + " must be [2Fs, " + std::to_string(H) + "]");
        requireWeightDType(*experts.sharedDown, op, "sharedDown");
        requireShape(*experts.sharedDown, {H, Fs}, op, "sharedDown");
        requireContiguous(*experts.sharedDown, op, "sharedDown");
    }
    requireDType(indices, DType::I32, op, "indices");
    requireRank(indices, 2, op, "indices");
    requireContiguous(indices, op, "indices");
    const std::int64_t k = indices.shape[1];
    if (indices.shape[0] != T) bad(op, "indices " + indices.shapeString() + " must have T rows");
    requireDType(weights, DType::F32, op, "weights");
    requireShape(weights, {T, k}, op, "weights");
    requireContiguous(weights, op, "weights");
    Rows lr{};
    if (logits) {
        requireRank(*logits, 2, op, "logits");
        lr = lastDimRows(*logits, op, "logits");
        if (lr.rows != T || lr.cols != E)
            bad(op, "logits " + logits->shapeString() + " must be [" + std::to_string(T) + ", " +
                        std::to_string(E) + "]");
        if (routing.k != k)
            bad(op,
                "routing.k " + std::to_string(routing.k) + " but indices " + indices.shapeString());
    }
    requireShape(out, {T, H}, op, "out");
    Rows o = lastDimRows(out, op, "out");
    makeCurrent();
    if (T == 0) return;
    MoeArgs a{};
    a.x = xr;
    a.gateUp = weightOf(gateUp);
    a.down = weightOf(down);
    a.indices = indices.as<std::int32_t>();
    a.weights = weights.as<float>();
    a.out = o;
    a.E = E;
    a.F = F;
    a.k = k;
    if (shared) {
        a.sharedGateUp = weightOf(*experts.sharedGateUp);
        a.sharedDown = weightOf(*experts.sharedDown);
        a.Fs = Fs;
    }
    const std::size_t S = std::size_t(T * k);
    const MoeForm form = moeFormOf(a);
    if (halfX && form != MoeForm::grouped)
        bad(op, "bf16 x needs the grouped form (bf16 weights, more than " +
                    std::to_string(kGemvMaxRows) + " rows)");
    if (logits) {
        if (form == MoeForm::rows && k <= kMoeRowsMaxPicks) {
            a.logits = lr; // the rows form's gate-up picks the experts
            a.softmaxFirst = routing.softmaxFirst;
            a.renormalize = routing.renormalize;
        } else {
            Tensor idx = indices, w = weights; // views of the same memory, written
            topkRouting(*logits, k, routing.softmaxFirst, routing.renormalize, idx, w);
        }
    }
    // The shared expert outside the rows form (or with no routed experts at all): the
    // backend's own products, its output added in the experts' sum.
    std::optional<Scratch> sharedScratch;
    if (shared && (form != MoeForm::rows || k == 0)) {
        // The gate-up product in the type the swiglu reads (prefill's bf16 halves the widest
        // activation), then the activations and the output in f32, 256-byte aligned.
        const DType guType = swigluInputDType(*experts.sharedDown, T);
        const std::size_t guBytes = (std::size_t(T * 2 * Fs) * dtypeSize(guType) + 255) / 256 * 256;
        sharedScratch.emplace(*this, guBytes + std::size_t(T * (Fs + H)) * sizeof(float));
        auto* base = sharedScratch->as<unsigned char>();
        Tensor gu = Tensor::contiguous(base, guType, {T, 2 * Fs}, DeviceKind::Cuda);
        linear(x, *experts.sharedGateUp, nullptr, 1.0f, gu);
        Tensor gate = gu, up = gu; // the two column halves, rows 2 Fs apart
        gate.shape[1] = up.shape[1] = Fs;
        up.data = static_cast<char*>(gu.data) + std::size_t(Fs) * dtypeSize(guType);
        auto* actBase = reinterpret_cast<float*>(base + guBytes);
        Tensor act = Tensor::contiguous(actBase, DType::F32, {T, Fs}, DeviceKind::Cuda);
        Tensor so = Tensor::contiguous(actBase + T * Fs, DType::F32, {T, H}, DeviceKind::Cuda);
        linearOfSwiglu(gate, up, *experts.sharedDown, nullptr, 1.0f, so, act);
        a.sharedOut = so.as<float>();
    }
    if (k == 0) {
        for (std::int64_t r = 0; r < T; ++r) {
            if (a.sharedOut)
                check(cudaMemcpyAsync(o.data + r * o.ld, a.sharedOut + r * H, H * sizeof(float),
                                      cudaMemcpyDeviceToDevice, stream_),
                      op);
            else
                launchFill(o.data + r * o.ld, 0.0f, H, stream_);
        }
        return;
    }
    // Each slot's products before the sum (the rows form sums in its down kernel).
    std::optional<Scratch> partial;
    if (form != MoeForm::rows) {
        const bool half = form == MoeForm::grouped; // (bf16 there)
        partial.emplace(*this, S * std::size_t(H) * (half ? 2 : sizeof(float)));
        if (half)
            a.partial = partial->as<__nv_bfloat16>();
        else
            a.scratchOut = partial->as<float>();
    }
    if (form == MoeForm::grouped) {
        // One scratch, its parts 256-byte aligned: x in bf16, the slots' order, the experts'
        // offsets, the tiles and their count, the activations.
        const auto up = [](std::size_t n) { return (n + 255) / 256 * 256; };
        const std::size_t tiles = std::size_t(moeGroupedTiles(std::int64_t(S), E));
        const int groupBlocks = moeGroupBlocks(std::int64_t(S), E);
        const std::size_t sizes[] = {halfX ? 0 : up(std::size_t(T * H) * 2),
                                     up(S * 4),
                                     up(std::size_t(E + 1) * 4),
                                     up(tiles * 8),
                                     up(4),
                                     up(S * std::size_t(F) * 2),
                                     groupBlocks > 1 ? up(std::size_t(groupBlocks) * E * 4) : 0};
        std::size_t total = 0;
        for (auto n : sizes)
            total += n;
        Scratch grouped(*this, total);
        auto* base = grouped.as<unsigned char>();
        a.xb = reinterpret_cast<__nv_bfloat16*>(base);
        a.order = reinterpret_cast<int*>(base += sizes[0]);
        a.offsets = reinterpret_cast<int*>(base += sizes[1]);
        a.tiles = reinterpret_cast<int2*>(base += sizes[2]);
        a.tileCount = reinterpret_cast<int*>(base += sizes[3]);
        a.act = reinterpret_cast<__nv_bfloat16*>(base += sizes[4]);
        a.groupBlocks = groupBlocks;
        a.groupCounts = groupBlocks > 1 ? reinterpret_cast<int*>(base += sizes[5]) : nullptr;
        if (halfX) // the products' rows as written (x.data null: no conversion)
            a.xb = static_cast<__nv_bfloat16*>(x.data);
        launchMoeSwiglu(a, form, stream_);
        return;
    }
    // The slots' activations, then (rows form) the shared expert's.
    Scratch act(*this, (S * std::size_t(F) + (form == MoeForm::rows ? std::size_t(T * Fs) : 0)) *
                           sizeof(float));
    a.scratchAct = act.as<float>();
    if (form == MoeForm::rows) a.sharedAct = a.scratchAct + S * std::size_t(F);
    launchMoeSwiglu(a, form, stream_);
}

void CudaBackend::argmax(const Tensor& logits, Tensor& indices) {
    const char* op = "argmax";
    Rows lr = lastDimRows(logits, op, "logits");
    requireDType(indices, DType::I32, op, "indices");
    if (indices.numel() != lr.rows)
        bad(op, "indices " + indices.shapeString() + " must have " + std::to_string(lr.rows) +
                    " elements");
    requireContiguous(indices, op, "indices");
    makeCurrent();
    launchArgmax(lr, indices.as<std::int32_t>(), stream_);
}

} // namespace cuda
} // namespace lv
