// Mamba2 mixer: in_proj -> (z | xBC | dt); causal conv + SiLU over xBC; SSD scan;
// gated RMSNorm with z (or y * silu(z)); out_proj. Follows transformers' Mamba2Mixer.
#include "runtime/Blocks.h"

namespace lv {

void runMamba2(const BlockContext& c, const Mamba2Mixer& m, const Tensor& in, Tensor& out,
               ModelState::Slot& state) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens;
    const std::int64_t inner = m.inner(), conv = m.convChannels(), gn = m.groups * m.state;

    Tensor z, xbcdt;
    // x-B-C after the conv in the backend's type for the SSD that reads it (a GPU's prefill:
    // bf16).
    Tensor xbc = c.workspace.scratch(2, T, conv);
    const DType xbcType = be.ssdInputDType(m.outProj.tensor, T);
    if (xbcType != DType::F32) xbc = retyped(xbc, xbcType);
    Tensor convState = state.conv.view(DType::F32, {conv, m.convKernel - 1});
    if (m.inProj.tensor.data) {
        // One product; z and x-B-C-dt are column ranges of its rows. The conv over x-B-C
        // goes with it (one GEMV in a GPU decode step), and so may the residual norm.
        Tensor proj = c.workspace.scratch(0, T, m.inProjRows());
        // In the backend's type for it (a GPU's prefill: bf16, half the bytes), where every
        // op that reads it takes that type: the gated norm's z (not y * silu(z)'s swiglu)
        // and a product without a bias.
        const DType t = m.gatedNorm && !m.inProjBias.present()
                            ? be.mamba2ProjectionDType(m.inProj.tensor, T)
                            : DType::F32;
        if (t != DType::F32) proj = retyped(proj, t);
        const Backend::ConvOfColumns xbcConv{
            inner, &m.convWeight.tensor, biasOf(m.convBias), &convState, true, &xbc};
        be.fusedLinear(in, c.fold, m.inProj.tensor, biasOf(m.inProjBias), 1.0f, proj, &xbcConv);
        z = columns(proj, 0, inner);
        xbcdt = columns(proj, inner, conv + m.heads);
    } else {
        z = c.workspace.scratch(0, T, inner);
        xbcdt = c.workspace.scratch(1, T, conv + m.heads);
        be.linear(in, m.inProjZ.tensor, biasOf(m.inProjZBias), m.inScaleZ, z);
        be.linear(in, m.inProjXbcDt.tensor, biasOf(m.inProjXbcDtBias), m.inScaleXbcDt, xbcdt);
        be.causalConv1d(columns(xbcdt, 0, conv), m.convWeight.tensor, biasOf(m.convBias), convState,
                        true, xbc);
    }
    const Tensor dt = columns(xbcdt, conv, m.heads);

    // x, B, C are column ranges of the convolved rows.
    auto headView = [&](std::int64_t col, std::int64_t a, std::int64_t b) {
        Tensor v;
        v.data = static_cast<char*>(xbc.data) + col * dtypeSize(xbcType);
        v.dtype = xbcType;
        v.device = xbc.device;
        v.rank = 3;
        v.shape = {T, a, b, 1};
        v.stride = {conv, b, 1, 1};
        return v;
    };
    const Tensor x = headView(0, m.heads, m.headDim);
    const Tensor B = headView(inner, m.groups, m.state);
    const Tensor C = headView(inner + gn, m.groups, m.state);
    // y in the backend's type for the gated norm that reads it (a GPU's prefill: bf16).
    const DType yType = m.gatedNorm ? be.ssdOutputDType(m.outProj.tensor, T) : DType::F32;
    Tensor yFlat = c.workspace.scratch(3, T, inner);
    if (yType != DType::F32) yFlat = retyped(yFlat, yType);
    Tensor y = Tensor::contiguous(yFlat.data, yType, {T, m.heads, m.headDim}, xbc.device);
    Tensor ssm = state.ssm.view(DType::F32, {m.heads, m.headDim, m.state});
    SsdParams ssd = m.ssd;
    ssd.bf16Products = m.outProj.tensor.dtype == DType::BF16;
    be.ssdScan(x, dt, m.A.tensor, B, C, m.D.tensor, m.dtBias.tensor, ssd, ssm, y);

    Tensor scratch = c.workspace.scratch(4, T, inner);
    const float outScale = lastProductScale(c, m.outScale);
    if (m.gatedNorm)
        be.linearOfGatedRmsNorm(yFlat, z, m.norm.tensor, m.normGroupSize, m.normEps,
                                m.normBeforeGate, m.outProj.tensor, biasOf(m.outProjBias), outScale,
                                out, scratch, lastProductOut(c));
    else // y * silu(z)
        be.linearOfSwiglu(z, yFlat, m.outProj.tensor, biasOf(m.outProjBias), outScale, out, scratch,
                          lastProductOut(c));
}

} // namespace lv
