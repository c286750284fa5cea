// Stacks the products that read the same input into one weight, for backends where each
// product is a launch (Backend::stacksProducts): a SwiGLU MLP's gate and up.
#pragma once

#include "model/ModelSpec.h"

namespace lv {

// Every SwiGLU MLP with separate gate and up weights, neither biased nor sliced and both
// scaled alike, gets them as one [2 intermediate, hidden] weight (gate rows first), the
// layout Granite's checkpoints store; runMlp then takes the one-product path.
// Returns how many MLPs were stacked.
int stackGateAndUp(ModelSpec& spec);

} // namespace lv
