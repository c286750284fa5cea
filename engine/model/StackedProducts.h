// Stacks the products that read the same input into one weight, for backends where each
// product is a launch (Backend::stacksProducts): a SwiGLU MLP's gate and up, attention's
// q, k and v.
#pragma once

#include "model/ModelSpec.h"

namespace lv {

// Every SwiGLU MLP with separate gate and up weights gets them as one [2 intermediate,
// hidden] weight (gate rows first, the layout Granite's checkpoints store), and every
// attention mixer its q, k and v as one [(heads + 2 kvHeads) headDim, hidden] weight;
// where the parts are plain checkpoint tensors, unbiased and scaled alike. runMlp and
// runAttention then take their one-product paths. Returns how many mixers were stacked.
int stackProducts(ModelSpec& spec);

} // namespace lv
