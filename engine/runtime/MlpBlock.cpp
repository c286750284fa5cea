// Feed-forward mixers: SwiGLU (down(silu(gate x) * up x)) and relu^2 (down(relu(up x)^2)).
#include "runtime/Blocks.h"

namespace lv {

void runMlp(const BlockContext& c, const MlpMixer& f, const Tensor& in, Tensor& out) {
    Backend& be = c.backend;
    const std::int64_t T = c.tokens, F = f.intermediate;
    if (f.gateUp.tensor.data) { // one product; gate and up are its two column halves
        Tensor gateUp = c.workspace.scratch(0, T, 2 * F);
        // In the type the backend's swiglu reads (a GPU's prefill: bf16, half the bytes).
        const DType t = be.swigluInputDType(f.down.tensor, T);
        if (t != DType::F32) gateUp = Tensor::contiguous(gateUp.data, t, {T, 2 * F}, gateUp.device);
        linearOfInput(c, in, f.gateUp.tensor, nullptr, f.gateScale, gateUp);
        Tensor scratch = c.workspace.scratch(2, T, F);
        be.linearOfSwiglu(columns(gateUp, 0, F), columns(gateUp, F, F), f.down.tensor,
                          biasOf(f.downBias), lastProductScale(c, f.downScale), out, scratch,
                          lastProductOut(c));
        return;
    }
    Tensor up = c.workspace.scratch(1, T, F);
    be.linear(in, f.up.tensor, biasOf(f.upBias), f.upScale, up);
    if (f.activation == MlpMixer::Activation::ReluSquared) {
        be.reluSquared(up);
        be.linear(up, f.down.tensor, biasOf(f.downBias), lastProductScale(c, f.downScale), out,
                  lastProductOut(c));
        return;
    }
    Tensor gate = c.workspace.scratch(0, T, F);
    be.linear(in, f.gate.tensor, biasOf(f.gateBias), f.gateScale, gate);
    Tensor scratch = c.workspace.scratch(2, T, F);
    be.linearOfSwiglu(gate, up, f.down.tensor, biasOf(f.downBias), lastProductScale(c, f.downScale),
                      out, scratch, lastProductOut(c));
}

} // namespace lv
