// Mamba (1) mixer: in_proj -> (x | z); causal conv + SiLU over x; x_proj -> dt_low, B, C
// (RMS-normalised in Jamba); dt_proj; selective scan; y * silu(z); out_proj.
#include "runtime/Blocks.h"

namespace lv {

void runMamba1(const BlockContext& c, const Mamba1Mixer& m, const Tensor& in, Tensor& out,
               ModelState::Slot& state) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens, D = m.inner, N = m.state, R = m.dtRank;

    Tensor xs = c.workspace.scratch(0, T, D);
    Tensor z = c.workspace.scratch(1, T, D);
    be.linear(in, m.inProjX.tensor, biasOf(m.inProjXBias), 1.0f, xs);
    be.linear(in, m.inProjZ.tensor, biasOf(m.inProjZBias), 1.0f, z);

    Tensor u = c.workspace.scratch(2, T, D);
    Tensor convState = state.conv.view(DType::F32, {D, m.convKernel - 1});
    be.causalConv1d(xs, m.convWeight.tensor, biasOf(m.convBias), convState, true, u);

    // x_proj as three row slices, so that dt_low, B and C are contiguous for the norms.
    float* base = static_cast<float*>(c.workspace.scratch(3, T, R + 2 * N).data);
    Tensor dtLow = Tensor::contiguous(base, DType::F32, {T, R}, u.device);
    Tensor B = Tensor::contiguous(base + T * R, DType::F32, {T, N}, u.device);
    Tensor C = Tensor::contiguous(base + T * (R + N), DType::F32, {T, N}, u.device);
    auto slice = [&](std::int64_t begin, std::int64_t count) {
        Tensor w = m.xProj.tensor;
        w.data =
            static_cast<std::uint8_t*>(w.data) + std::size_t(begin * w.cols()) * dtypeSize(w.dtype);
        w.shape[0] = count;
        return w;
    };
    be.linear(u, slice(0, R), nullptr, 1.0f, dtLow);
    be.linear(u, slice(R, N), nullptr, 1.0f, B);
    be.linear(u, slice(R + N, N), nullptr, 1.0f, C);
    if (m.dtNorm.present()) be.rmsNorm(dtLow, m.dtNorm.tensor, m.innerNormEps, dtLow);
    if (m.bNorm.present()) be.rmsNorm(B, m.bNorm.tensor, m.innerNormEps, B);
    if (m.cNorm.present()) be.rmsNorm(C, m.cNorm.tensor, m.innerNormEps, C);

    Tensor dt = c.workspace.scratch(4, T, D);
    be.linear(dtLow, m.dtProj.tensor, nullptr, 1.0f, dt); // bias goes inside the softplus
    Tensor ssm = state.ssm.view(DType::F32, {D, N});
    Tensor y = c.workspace.scratch(0, T, D);
    be.selectiveScan(u, dt, m.A.tensor, B, C, m.D.tensor, m.dtProjBias.tensor, ssm, y);

    Tensor scratch = c.workspace.scratch(4, T, D);
    be.linearOfSwiglu(z, y, m.outProj.tensor, biasOf(m.outProjBias), lastProductScale(c, 1.0f), out,
                      scratch, lastProductOut(c)); // y * silu(z)
}

} // namespace lv
