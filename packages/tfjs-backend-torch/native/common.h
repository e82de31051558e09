// Shared declarations of the lorats torch addon: the handle table, argument readers and output writers.
// Compiles against libtorch 1.13 (Debian) and 2.x (PyTorch wheels); ATen headers only, plus autograd in nn.cc.
#pragma once

#define NAPI_VERSION 8
#define NAPI_CPP_EXCEPTIONS
#include <napi.h>

#include <ATen/ATen.h>
#include <torch/version.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#define LORATS_TORCH_2 (TORCH_VERSION_MAJOR >= 2)

namespace lorats {

// dtype codes shared with src/addon.ts
enum DType : int32_t { kF32 = 0, kI32 = 1, kBool = 2 };

at::ScalarType scalarType(int32_t code);
int32_t dtypeCode(at::ScalarType t);

/** The device new tensors are made on (`cpu` or `cuda:N`). */
const at::Device& device();
/** Counts a host-device synchronisation (reported by stats().syncs). */
void countSync();
/** Moves a tensor to the backend's device unless it is there already. */
at::Tensor dev(const at::Tensor& t);
/** Elementwise operands may stay 0-dim CPU scalars next to device tensors; anything else moves. */
at::Tensor ew(const at::Tensor& t);
/** Whether bf16 autocast is on for matmuls and attention. */
bool autocastBf16();
/** Casts to bf16 on a CUDA device under autocast; leaves the tensor otherwise. */
at::Tensor mm(const at::Tensor& t);
/** Argument i (a tensor handle) as a matmul weight: under bf16 autocast on CUDA its bf16 copy, made once per handle and
 *  kept with it (weights are reused every step and tfjs data never changes in place); otherwise the tensor itself. */
at::Tensor bf16Weight(const Napi::CallbackInfo& info, size_t i);

/** Runs f with the device's default generator seeded, restoring its state afterwards (so a forward and its gradient
 *  draw the same values, and seeded sampling leaves the unseeded stream as it was). */
template <typename F>
auto withSeed(double seed, F f) -> decltype(f()) {
  // The generator's own mutex is taken by the sampling ops inside f, so it is held only to swap the state.
  auto gen = at::globalContext().defaultGenerator(device());
  at::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    saved = gen.get_state();
    gen.set_current_seed(static_cast<uint64_t>(seed));
  }
  auto restore = [&] {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(saved);
  };
  try {
    auto r = f();
    restore();
    return r;
  } catch (...) {
    restore();
    throw;
  }
}

// handle table
const at::Tensor& tensorAt(int32_t handle);

/** Host-known bounds of an int32 tensor's values (set when written from JS, kept through reshape/transpose), so
 *  index checks on CUDA need no device sync. */
struct IndexRange {
  bool known = false;
  int64_t lo = 0;
  int64_t hi = 0;
};
IndexRange rangeOf(const Napi::CallbackInfo& info, size_t i);
void setRange(const Napi::Value& handle, const IndexRange& r);
/** Throws "<what>: index v is not in [lo, hi-1]" when idx has a value outside [lo, hi). Uses the host-known range when
 *  there is one; otherwise checks on the device only for CUDA (a sync), leaving CPU tensors to libtorch's own check. */
void checkIndexRange(const at::Tensor& idx, int64_t lo, int64_t hi, const char* what, const IndexRange& known);

// argument readers (throw Napi::TypeError on bad arguments)
at::Tensor argT(const Napi::CallbackInfo& info, size_t i);
/** A tensor handle or -1 (absent). */
c10::optional<at::Tensor> argOptT(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> argTs(const Napi::CallbackInfo& info, size_t i);
int64_t argI(const Napi::CallbackInfo& info, size_t i);
double argF(const Napi::CallbackInfo& info, size_t i);
bool argB(const Napi::CallbackInfo& info, size_t i);
std::string argS(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> argIV(const Napi::CallbackInfo& info, size_t i);
std::vector<double> argFV(const Napi::CallbackInfo& info, size_t i);

// outputs: normalise the dtype to float32/int32/bool, store, describe in the shared meta buffer
Napi::Value out(const Napi::Env& env, const at::Tensor& t);
Napi::Value outs(const Napi::Env& env, const std::vector<at::Tensor>& ts);
/** Casts to the tfjs dtype code (no copy when it already has it). */
at::Tensor castTo(const at::Tensor& t, int32_t code);

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
/** Registers a guarded function: libtorch errors become JS errors. */
void def(Napi::Env env, Napi::Object exports, const char* name, Fn fn);
/** Registers a guarded function that runs with autograd enabled (for kernels that differentiate libtorch ops). */
void defAutograd(Napi::Env env, Napi::Object exports, const char* name, Fn fn);

void registerOps(Napi::Env env, Napi::Object exports);
void registerIndexOps(Napi::Env env, Napi::Object exports);
void registerNn(Napi::Env env, Napi::Object exports);

}  // namespace lorats
