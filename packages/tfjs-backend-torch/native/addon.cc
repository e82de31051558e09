// The Node-API module: handle table, device, data in and out, memory statistics, error translation.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/core/LegacyTypeDispatch.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#ifdef LORATS_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace lorats {

namespace {

std::vector<at::Tensor> g_slots;
/** bf16 copies of slots used as matmul weights under bf16 autocast (see bf16Weight), dropped with the slot. */
std::vector<at::Tensor> g_halfSlots;
std::vector<IndexRange> g_ranges;
std::vector<int32_t> g_free;
int64_t g_live = 0;
int64_t g_syncs = 0;
int64_t g_liveBytes = 0;
at::Device g_device(at::kCPU);
bool g_bf16 = false;
int32_t* g_meta = nullptr;
size_t g_metaLen = 0;
Napi::Reference<Napi::Int32Array> g_metaRef;

/** CUDA devices libtorch can use (0 without a CUDA build or driver); stable across libtorch 1.13 and 2.x. */
int cudaDeviceCount() {
  if (!at::hasCUDA() || !c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA)) return 0;
  return c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->deviceCount();
}

int64_t bytesOf(const at::Tensor& t) { return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : 0; }

int32_t put(const at::Tensor& t) {
  int32_t h;
  if (!g_free.empty()) {
    h = g_free.back();
    g_free.pop_back();
    g_slots[h] = t;
    g_halfSlots[h] = at::Tensor();
    g_ranges[h] = IndexRange();
  } else {
    h = static_cast<int32_t>(g_slots.size());
    g_slots.push_back(t);
    g_halfSlots.emplace_back();
    g_ranges.emplace_back();
  }
  g_live++;
  g_liveBytes += bytesOf(t);
  return h;
}

/** Writes one output description at meta[pos]: dtype, rank, dims. Returns the next position. */
size_t describe(size_t pos, const at::Tensor& t) {
  const auto rank = static_cast<size_t>(t.dim());
  if (g_meta == nullptr || pos + 2 + rank > g_metaLen) throw std::runtime_error("lorats torch addon: meta buffer too small");
  g_meta[pos] = dtypeCode(t.scalar_type());
  g_meta[pos + 1] = static_cast<int32_t>(rank);
  for (size_t i = 0; i < rank; i++) g_meta[pos + 2 + i] = static_cast<int32_t>(t.size(static_cast<int64_t>(i)));
  return pos + 2 + rank;
}

at::Tensor normalise(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
    case at::kInt:
    case at::kBool:
      return t;
    case at::kDouble:
    case at::kHalf:
    case at::kBFloat16:
      return t.to(at::kFloat);
    default:
      return t.to(at::kInt);
  }
}

std::string cleanMessage(const char* what) {
  // c10 messages can carry a source location and backtrace after the first line; keep the message itself.
  std::string m(what);
  const auto nl = m.find("\nException raised from");
  if (nl != std::string::npos) m.resize(nl);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

struct Registration {
  Fn fn;
  bool autograd;
};

Napi::Value trampoline(const Napi::CallbackInfo& info) {
  const auto* reg = static_cast<const Registration*>(info.Data());
  try {
    if (reg->autograd) return reg->fn(info);
    // Plain kernels skip the autograd and view-tracking dispatch layers: tfjs does its own differentiation.
    at::AutoDispatchBelowADInplaceOrView guard;
    return reg->fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), cleanMessage(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), cleanMessage(e.what()));
  }
}

void defWith(Napi::Env env, Napi::Object exports, const char* name, Fn fn, bool autograd) {
  auto* reg = new Registration{fn, autograd};  // lives as long as the process
  exports.Set(name, Napi::Function::New(env, trampoline, name, reg));
}

// ---- module functions ---------------------------------------------------------------------------------------

Napi::Value init(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(), "init expects an Int32Array meta buffer");
  auto meta = info[0].As<Napi::Int32Array>();
  g_metaRef = Napi::Persistent(meta);
  g_meta = meta.Data();
  g_metaLen = meta.ElementLength();
  return info.Env().Undefined();
}

Napi::Value setDevice(const Napi::CallbackInfo& info) {
  const at::Device d(argS(info, 0));
  if (d.is_cuda()) {
    if (!at::hasCUDA()) throw std::runtime_error("device " + d.str() + " requested, but this libtorch has no usable CUDA");
    const auto count = cudaDeviceCount();
    if (d.has_index() && d.index() >= count)
      throw std::runtime_error("device " + d.str() + " requested, but only " + std::to_string(count) + " CUDA device(s) exist");
    g_device = d.has_index() ? d : at::Device(at::kCUDA, 0);
    // Make it the current device once (ops then skip a set/restore pair each) and start the CUDA context and the
    // caching allocator now, so a bad device fails here and allocator statistics exist from the start.
    c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->setDevice(g_device);
    at::empty({1}, at::TensorOptions().device(g_device));
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
    // SDPA's cuDNN kernel (recent libtorch's first pick for bf16 on sm90+) builds an execution plan for every new
    // sequence length, and decoding with a KV cache has a new one at every step: keep SDPA on flash / memory-efficient
    // attention unless LORATS_SDPA_CUDNN=1.
    const char* cudnn = std::getenv("LORATS_SDPA_CUDNN");
    at::globalContext().setSDPUseCuDNN(cudnn != nullptr && std::string(cudnn) == "1");
#endif
  } else if (d.is_cpu()) {
    g_device = d;
  } else {
    throw std::runtime_error("unsupported device " + d.str() + " (use cpu or cuda:N)");
  }
  return Napi::String::New(info.Env(), g_device.str());
}

Napi::Value info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                            std::to_string(TORCH_VERSION_PATCH));
  o.Set("cuda", at::hasCUDA());
  o.Set("cudaDevices", cudaDeviceCount());
  o.Set("device", g_device.str());
#ifdef LORATS_CUDA
  o.Set("cudaBuild", true);
#else
  o.Set("cudaBuild", false);
#endif
  o.Set("threads", at::get_num_threads());
  return o;
}

Napi::Value setOptions(const Napi::CallbackInfo& info) {
  auto o = info[0].As<Napi::Object>();
  if (o.Has("bf16")) g_bf16 = o.Get("bf16").ToBoolean();
  if (o.Has("tf32")) {
    const bool tf32 = o.Get("tf32").ToBoolean();
    at::globalContext().setAllowTF32CuBLAS(tf32);
    at::globalContext().setAllowTF32CuDNN(tf32);
  }
  if (o.Has("threads")) {
    const int n = o.Get("threads").ToNumber().Int32Value();
    if (n > 0) at::set_num_threads(n);
  }
  return info.Env().Undefined();
}

/** fromData(values: TypedArray, shape: number[], dtype: code) -> handle */
Napi::Value fromData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromData expects a typed array");
  auto arr = info[0].As<Napi::TypedArray>();
  const auto shape = argIV(info, 1);
  const auto code = static_cast<int32_t>(argI(info, 2));
  int64_t numel = 1;
  for (auto s : shape) numel *= s;
  if (static_cast<int64_t>(arr.ElementLength()) != numel)
    throw std::runtime_error("fromData: " + std::to_string(arr.ElementLength()) + " values for a shape of " +
                             std::to_string(numel) + " elements");
  at::ScalarType src;
  switch (arr.TypedArrayType()) {
    case napi_float32_array: src = at::kFloat; break;
    case napi_int32_array: src = at::kInt; break;
    case napi_uint8_array: src = at::kByte; break;
    case napi_float64_array: src = at::kDouble; break;
    default: throw Napi::TypeError::New(env, "fromData: unsupported typed array");
  }
  auto* data = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  IndexRange range;
  if (src == at::kInt && numel > 0) {
    const auto* v = reinterpret_cast<const int32_t*>(data);
    int32_t lo = v[0], hi = v[0];
    for (int64_t k = 1; k < numel; k++) {
      lo = std::min(lo, v[k]);
      hi = std::max(hi, v[k]);
    }
    range = {true, lo, hi};
  }
  // Scalars stay on the host next to device tensors (ATen treats 0-dim CPU tensors as scalars), saving a copy.
  const bool toDevice = g_device.is_cuda() && !shape.empty();
  // On CUDA, stage through pinned memory and copy asynchronously: a pageable copy would wait for all queued work.
  auto t = at::empty(shape, at::TensorOptions().dtype(src).pinned_memory(toDevice));
  if (numel > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(numel) * t.element_size());
  if (toDevice) t = t.to(g_device, src, /*non_blocking=*/true);
  if (code == kBool) t = t.ne(0);
  else t = t.to(scalarType(code));
  const auto h = put(t);
  g_ranges[h] = range;
  return Napi::Number::New(env, h);
}

/** toData(handle) -> Float32Array | Int32Array | Uint8Array (a copy) */
Napi::Value toData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& src = argT(info, 0);
  if (src.is_cuda()) g_syncs++;
  auto t = normalise(src).to(at::kCPU).contiguous();
  const auto n = static_cast<size_t>(t.numel());
  switch (t.scalar_type()) {
    case at::kFloat: {
      auto a = Napi::Float32Array::New(env, n);
      if (n) std::memcpy(a.Data(), t.data_ptr(), n * 4);
      return a;
    }
    case at::kInt: {
      auto a = Napi::Int32Array::New(env, n);
      if (n) std::memcpy(a.Data(), t.data_ptr(), n * 4);
      return a;
    }
    default: {
      auto a = Napi::Uint8Array::New(env, n);
      if (n) std::memcpy(a.Data(), t.data_ptr(), n);
      return a;
    }
  }
}

Napi::Value release(const Napi::CallbackInfo& info) {
  const auto h = static_cast<int32_t>(argI(info, 0));
  if (h < 0 || static_cast<size_t>(h) >= g_slots.size() || !g_slots[h].defined())
    throw std::runtime_error("release: unknown tensor handle " + std::to_string(h));
  g_liveBytes -= bytesOf(g_slots[h]);
  g_live--;
  g_slots[h] = at::Tensor();
  g_halfSlots[h] = at::Tensor();
  g_ranges[h] = IndexRange();
  g_free.push_back(h);
  return info.Env().Undefined();
}

/** describe(handle) -> writes the tensor's dtype and shape into the meta buffer */
Napi::Value describeHandle(const Napi::CallbackInfo& info) {
  g_meta[0] = 1;
  describe(1, argT(info, 0));
  return info.Env().Undefined();
}

Napi::Value stats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("tensors", static_cast<double>(g_live));
  o.Set("bytes", static_cast<double>(g_liveBytes));
  o.Set("syncs", static_cast<double>(g_syncs));
#ifdef LORATS_CUDA
  if (g_device.is_cuda()) {
    try {
      const auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(g_device.index());
      o.Set("deviceAllocated", static_cast<double>(s.allocated_bytes[0].current));
      o.Set("devicePeak", static_cast<double>(s.allocated_bytes[0].peak));
      o.Set("deviceReserved", static_cast<double>(s.reserved_bytes[0].current));
    } catch (const c10::Error&) {
      // allocator not initialised on this device yet: nothing allocated
    }
  }
#endif
  return o;
}

Napi::Value resetPeak(const Napi::CallbackInfo& info) {
#ifdef LORATS_CUDA
  if (g_device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(g_device.index());
#endif
  return info.Env().Undefined();
}

Napi::Value sync(const Napi::CallbackInfo& info) {
  if (g_device.is_cuda()) g_syncs++;
#ifdef LORATS_CUDA
  if (g_device.is_cuda()) c10::cuda::device_synchronize();
#else
  if (g_device.is_cuda()) at::zeros({1}, at::TensorOptions().device(g_device)).to(at::kCPU);
#endif
  return info.Env().Undefined();
}

Napi::Value emptyCache(const Napi::CallbackInfo& info) {
#ifdef LORATS_CUDA
  if (g_device.is_cuda()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  const auto seed = static_cast<uint64_t>(argF(info, 0));
  at::manual_seed(seed);
  return info.Env().Undefined();
}

}  // namespace

// ---- shared helpers -----------------------------------------------------------------------------------------

at::ScalarType scalarType(int32_t code) {
  switch (code) {
    case kF32: return at::kFloat;
    case kI32: return at::kInt;
    case kBool: return at::kBool;
    default: throw std::runtime_error("unknown dtype code " + std::to_string(code));
  }
}

int32_t dtypeCode(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return kF32;
    case at::kInt: return kI32;
    case at::kBool: return kBool;
    default: throw std::runtime_error(std::string("unexpected output dtype ") + c10::toString(t));
  }
}

const at::Device& device() { return g_device; }
void countSync() { g_syncs++; }
at::Tensor dev(const at::Tensor& t) { return t.device() == g_device ? t : t.to(g_device); }
at::Tensor ew(const at::Tensor& t) { return (t.device() == g_device || t.dim() == 0) ? t : t.to(g_device); }
bool autocastBf16() { return g_bf16; }
at::Tensor mm(const at::Tensor& t) {
  return (g_bf16 && g_device.is_cuda() && t.scalar_type() == at::kFloat) ? t.to(at::kBFloat16) : t;
}

at::Tensor castTo(const at::Tensor& t, int32_t code) {
  const auto st = scalarType(code);
  return t.scalar_type() == st ? t : t.to(st);
}

const at::Tensor& tensorAt(int32_t h) {
  if (h < 0 || static_cast<size_t>(h) >= g_slots.size() || !g_slots[h].defined())
    throw std::runtime_error("unknown or released tensor handle " + std::to_string(h));
  return g_slots[h];
}

at::Tensor bf16Weight(const Napi::CallbackInfo& info, size_t i) {
  const auto& t = argT(info, i);
  if (!(g_bf16 && g_device.is_cuda() && t.scalar_type() == at::kFloat)) return dev(t);
  const auto h = info[i].As<Napi::Number>().Int32Value();
  auto& cached = g_halfSlots[h];
  if (!cached.defined()) cached = dev(t).to(at::kBFloat16);
  return cached;
}

IndexRange rangeOf(const Napi::CallbackInfo& info, size_t i) {
  const auto h = info[i].As<Napi::Number>().Int32Value();
  tensorAt(h);
  return g_ranges[h];
}

void setRange(const Napi::Value& handle, const IndexRange& r) {
  const auto h = handle.As<Napi::Number>().Int32Value();
  tensorAt(h);
  g_ranges[h] = r;
}

void checkIndexRange(const at::Tensor& idx, int64_t lo, int64_t hi, const char* what, const IndexRange& known) {
  if (idx.numel() == 0) return;
  int64_t mn, mx;
  if (known.known) {
    mn = known.lo;
    mx = known.hi;
  } else {
    if (!idx.is_cuda()) return;  // CPU kernels raise their own error
    countSync();
    const auto mm = at::aminmax(idx);
    mn = std::get<0>(mm).item<int64_t>();
    mx = std::get<1>(mm).item<int64_t>();
  }
  if (mn < lo || mx >= hi)
    throw std::runtime_error(std::string(what) + ": index " + std::to_string(mn < lo ? mn : mx) + " is not in [" +
                             std::to_string(lo) + ", " + std::to_string(hi - 1) + "]");
}

at::Tensor argT(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a tensor handle");
  return tensorAt(info[i].As<Napi::Number>().Int32Value());
}

c10::optional<at::Tensor> argOptT(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a tensor handle or -1");
  const auto h = info[i].As<Napi::Number>().Int32Value();
  if (h < 0) return c10::nullopt;
  return tensorAt(h);
}

std::vector<at::Tensor> argTs(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of handles");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> r;
  r.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) r.push_back(tensorAt(a.Get(k).As<Napi::Number>().Int32Value()));
  return r;
}

int64_t argI(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

double argF(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

bool argB(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

std::string argS(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> argIV(const Napi::CallbackInfo& info, size_t i) {
  std::vector<int64_t> r;
  if (info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    auto a = info[i].As<Napi::Int32Array>();
    r.assign(a.Data(), a.Data() + a.ElementLength());
    return r;
  }
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of integers");
  auto a = info[i].As<Napi::Array>();
  r.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) r.push_back(a.Get(k).As<Napi::Number>().Int64Value());
  return r;
}

std::vector<double> argFV(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of numbers");
  auto a = info[i].As<Napi::Array>();
  std::vector<double> r;
  r.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) r.push_back(a.Get(k).As<Napi::Number>().DoubleValue());
  return r;
}

Napi::Value out(const Napi::Env& env, const at::Tensor& t) {
  const auto n = normalise(t);
  g_meta[0] = 1;
  describe(1, n);
  return Napi::Number::New(env, put(n));
}

Napi::Value outs(const Napi::Env& env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  size_t pos = 1;
  std::vector<at::Tensor> ns;
  ns.reserve(ts.size());
  for (const auto& t : ts) {
    ns.push_back(normalise(t));
    pos = describe(pos, ns.back());
  }
  g_meta[0] = static_cast<int32_t>(ts.size());
  for (size_t k = 0; k < ns.size(); k++) arr.Set(static_cast<uint32_t>(k), Napi::Number::New(env, put(ns[k])));
  return arr;
}

void def(Napi::Env env, Napi::Object exports, const char* name, Fn fn) { defWith(env, exports, name, fn, false); }
void defAutograd(Napi::Env env, Napi::Object exports, const char* name, Fn fn) { defWith(env, exports, name, fn, true); }

}  // namespace lorats

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace lorats;
  def(env, exports, "init", init);
  def(env, exports, "setDevice", setDevice);
  def(env, exports, "info", info);
  def(env, exports, "setOptions", setOptions);
  def(env, exports, "fromData", fromData);
  def(env, exports, "toData", toData);
  def(env, exports, "release", release);
  def(env, exports, "describe", describeHandle);
  def(env, exports, "stats", stats);
  def(env, exports, "resetPeak", resetPeak);
  def(env, exports, "sync", sync);
  def(env, exports, "emptyCache", emptyCache);
  def(env, exports, "manualSeed", manualSeed);
  registerOps(env, exports);
  registerIndexOps(env, exports);
  registerNn(env, exports);
  return exports;
}

NODE_API_MODULE(lorats_torch, Init)
