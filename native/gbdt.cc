// Native kernels of the gradient-boosted trees (src/models/gbdt).
#include "napi.h"

void registerGbdt(napi_env, napi_value) {}
