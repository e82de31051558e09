// Elementwise, reduction, shape and creation kernels. tfjs semantics; dtypes are decided in TS and passed down.
#include "common.h"

#include <algorithm>
#include <cmath>

namespace lorats {
namespace {

// ---- unary ----------------------------------------------------------------------------------------------------
// Names in code order; TS reads them through unaryOps() so the two sides cannot drift.
const char* const UNARY[] = {"Abs",   "Acos",      "Acosh",      "Asin",  "Asinh",   "Atan",    "Atanh",  "Ceil",
                             "Cos",   "Cosh",      "Elu",        "Erf",   "Exp",     "Expm1",   "Floor",  "IsFinite",
                             "IsInf", "IsNan",     "Log",        "Log1p", "LogicalNot", "Neg",  "Reciprocal",
                             "Relu",  "Relu6",     "Round",      "Rsqrt", "Selu",    "Sigmoid", "Sign",   "Sin",
                             "Sinh",  "Softplus",  "Sqrt",       "Square", "Tan",    "Tanh",    "ZerosLike", "OnesLike",
                             "Identity"};
constexpr int kNumUnary = sizeof(UNARY) / sizeof(UNARY[0]);

at::Tensor floating(const at::Tensor& x) { return at::isFloatingType(x.scalar_type()) ? x : x.to(at::kFloat); }

at::Tensor unaryOp(int code, const at::Tensor& x) {
  switch (code) {
    case 0: return x.scalar_type() == at::kBool ? x : at::abs(x);
    case 1: return at::acos(floating(x));
    case 2: return at::acosh(floating(x));
    case 3: return at::asin(floating(x));
    case 4: return at::asinh(floating(x));
    case 5: return at::atan(floating(x));
    case 6: return at::atanh(floating(x));
    case 7: return at::isFloatingType(x.scalar_type()) ? at::ceil(x) : x;
    case 8: return at::cos(floating(x));
    case 9: return at::cosh(floating(x));
    case 10: return at::elu(floating(x));
    case 11: return at::erf(floating(x));
    case 12: return at::exp(floating(x));
    case 13: return at::expm1(floating(x));
    case 14: return at::isFloatingType(x.scalar_type()) ? at::floor(x) : x;
    case 15: return at::isfinite(x);
    case 16: return at::isinf(x);
    case 17: return at::isnan(x);
    case 18: return at::log(floating(x));
    case 19: return at::log1p(floating(x));
    case 20: return at::logical_not(x);
    case 21: return x.scalar_type() == at::kBool ? x : at::neg(x);
    case 22: return at::reciprocal(floating(x));
    case 23: return at::relu(x.scalar_type() == at::kBool ? x.to(at::kInt) : x);
    case 24: return at::clamp(floating(x), 0, 6);
    case 25: return at::isFloatingType(x.scalar_type()) ? at::round(x) : x;
    case 26: return at::rsqrt(floating(x));
    case 27: return at::selu(floating(x));
    case 28: return at::sigmoid(floating(x));
    case 29: {
      // tfjs: sign(NaN) = 0
      auto s = at::sign(floating(x));
      return at::isFloatingType(x.scalar_type()) ? at::nan_to_num(s, 0.0) : s;
    }
    case 30: return at::sin(floating(x));
    case 31: return at::sinh(floating(x));
    case 32: return at::softplus(floating(x));
    case 33: return at::sqrt(floating(x));
    case 34: return x.scalar_type() == at::kBool ? x : at::mul(x, x);
    case 35: return at::tan(floating(x));
    case 36: return at::tanh(floating(x));
    case 37: return at::zeros_like(x);
    case 38: return at::ones_like(x);
    case 39: return x;
    default: throw std::runtime_error("unknown unary op code " + std::to_string(code));
  }
}

/** unary(code, x, outDtype) */
Napi::Value unary(const Napi::CallbackInfo& info) {
  const auto code = static_cast<int>(argI(info, 0));
  return out(info.Env(), castTo(unaryOp(code, argT(info, 1)), static_cast<int32_t>(argI(info, 2))));
}

/** unaryParam(code, x, p0, p1, outDtype): LeakyRelu(alpha) Step(alpha) ClipByValue(min,max) */
Napi::Value unaryParam(const Napi::CallbackInfo& info) {
  const auto code = argS(info, 0);
  const auto x = argT(info, 1);
  const auto p0 = argF(info, 2);
  const auto p1 = argF(info, 3);
  at::Tensor y;
  if (code == "LeakyRelu") {
    const auto xf = floating(x);
    y = at::where(xf < 0, xf * p0, xf);
  } else if (code == "Step") {
    const auto xf = floating(x);
    y = at::where(at::isnan(xf), xf, at::where(xf > 0, at::ones_like(xf), at::full_like(xf, p0)));
  } else if (code == "ClipByValue") {
    y = at::clamp(x, p0, p1);
  } else {
    throw std::runtime_error("unknown unaryParam op " + code);
  }
  return out(info.Env(), castTo(y, static_cast<int32_t>(argI(info, 4))));
}

Napi::Value names(const Napi::CallbackInfo& info, const char* const* list, int n) {
  auto a = Napi::Array::New(info.Env(), n);
  for (int i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), list[i]);
  return a;
}

Napi::Value unaryOps(const Napi::CallbackInfo& info) { return names(info, UNARY, kNumUnary); }

// ---- binary ---------------------------------------------------------------------------------------------------
const char* const BINARY[] = {"Add",     "Sub",          "Multiply",   "RealDiv",    "FloorDiv", "Pow",
                              "Maximum", "Minimum",      "Mod",        "SquaredDifference", "Atan2", "Equal",
                              "NotEqual", "Less",        "LessEqual",  "Greater",    "GreaterEqual", "LogicalAnd",
                              "LogicalOr", "LogicalXor", "Prelu",      "BitwiseAnd", "EluGrad", "DivNoNan"};
constexpr int kNumBinary = sizeof(BINARY) / sizeof(BINARY[0]);

at::Tensor binaryOp(int code, const at::Tensor& a, const at::Tensor& b) {
  switch (code) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(floating(a), b);
    case 4: return at::floor(at::div(a.to(at::kDouble), b.to(at::kDouble)));
    case 5: {
      if (at::isFloatingType(a.scalar_type()) || at::isFloatingType(b.scalar_type())) return at::pow(floating(a), b);
      return at::pow(a.to(at::kDouble), b.to(at::kDouble));
    }
    case 6: return at::maximum(a, b);
    case 7: return at::minimum(a, b);
    case 8: return at::remainder(a, b);
    case 9: {
      auto d = at::sub(a, b);
      return at::mul(d, d);
    }
    case 10: return at::atan2(floating(a), b);
    case 11: return at::eq(a, b);
    case 12: return at::ne(a, b);
    case 13: return at::lt(a, b);
    case 14: return at::le(a, b);
    case 15: return at::gt(a, b);
    case 16: return at::ge(a, b);
    case 17: return at::logical_and(a, b);
    case 18: return at::logical_or(a, b);
    case 19: return at::logical_xor(a, b);
    case 20: return at::where(a < 0, at::mul(a, b), a);
    case 21: return at::bitwise_and(a, b);
    case 22: return at::where(b >= 0, a, at::mul(a, at::add(b, 1)));
    case 23: {
      auto q = at::div(floating(a), b);
      return at::where(at::eq(b, 0), at::zeros_like(q), q);
    }
    default: throw std::runtime_error("unknown binary op code " + std::to_string(code));
  }
}

/** binary(code, a, b, outDtype) */
Napi::Value binary(const Napi::CallbackInfo& info) {
  const auto code = static_cast<int>(argI(info, 0));
  // logical and bitwise ops do not take 0-dim CPU scalars next to CUDA tensors: move those too
  const bool anyDevice = (code >= 17 && code <= 19) || code == 21;
  const auto a = anyDevice ? dev(argT(info, 1)) : ew(argT(info, 1));
  const auto b = anyDevice ? dev(argT(info, 2)) : ew(argT(info, 2));
  return out(info.Env(), castTo(binaryOp(code, a, b), static_cast<int32_t>(argI(info, 3))));
}

Napi::Value binaryOps(const Napi::CallbackInfo& info) { return names(info, BINARY, kNumBinary); }

/** addN(handles[]) */
Napi::Value addN(const Napi::CallbackInfo& info) {
  auto ts = argTs(info, 0);
  if (ts.empty()) throw std::runtime_error("AddN needs at least one tensor");
  auto acc = ew(ts[0]).clone();
  for (size_t i = 1; i < ts.size(); i++) acc.add_(ew(ts[i]));
  return out(info.Env(), acc);
}

// ---- reductions -----------------------------------------------------------------------------------------------
const char* const REDUCE[] = {"Sum", "Prod", "Mean", "Max", "Min", "All", "Any"};
constexpr int kNumReduce = sizeof(REDUCE) / sizeof(REDUCE[0]);

/** Reduces one dimension at a time, highest first (for reductions that take a single dim). */
template <typename F>
at::Tensor perDim(at::Tensor x, std::vector<int64_t> axes, bool keep, F f) {
  std::sort(axes.rbegin(), axes.rend());
  for (auto a : axes) x = f(x, a, keep);
  return x;
}

/** reduce(code, x, axes[], keepDims, outDtype); axes are non-negative and non-empty (TS handles axes = []) */
Napi::Value reduce(const Napi::CallbackInfo& info) {
  const auto code = static_cast<int>(argI(info, 0));
  auto x = argT(info, 1);
  const auto axes = argIV(info, 2);
  const bool keep = argB(info, 3);
  const auto outCode = static_cast<int32_t>(argI(info, 4));
  const bool empty = std::any_of(axes.begin(), axes.end(), [&](int64_t a) { return x.size(a) == 0; });
  if (empty && (code == 2 || code == 3 || code == 4)) {
    // tfjs over an empty axis: mean 0, max/min NaN (0 for integers); libtorch would raise
    const auto shape = at::sum(x, axes, keep).sizes().vec();
    const double v = code == 2 || outCode != kF32 ? 0.0 : std::nan("");
    return out(info.Env(), castTo(at::full(shape, v, x.options().dtype(at::kFloat)), outCode));
  }
  at::Tensor y;
  switch (code) {
    case 0: y = at::sum(x, axes, keep); break;
    case 1: {
      auto xi = x.scalar_type() == at::kBool ? x.to(at::kInt) : x;
      y = perDim(xi, axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::prod(t, d, k); });
      break;
    }
    case 2: y = at::mean(floating(x), axes, keep); break;
    case 3: y = at::amax(x, axes, keep); break;
    case 4: y = at::amin(x, axes, keep); break;
    case 5: y = perDim(x.to(at::kBool), axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::all(t, d, k); }); break;
    case 6: y = perDim(x.to(at::kBool), axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::any(t, d, k); }); break;
    default: throw std::runtime_error("unknown reduce op code " + std::to_string(code));
  }
  return out(info.Env(), castTo(y, outCode));
}

Napi::Value reduceOps(const Napi::CallbackInfo& info) { return names(info, REDUCE, kNumReduce); }

/** argMinMax(isMax, x, axis) -> int32 */
Napi::Value argMinMax(const Napi::CallbackInfo& info) {
  const bool isMax = argB(info, 0);
  auto x = argT(info, 1);
  if (x.scalar_type() == at::kBool) x = x.to(at::kInt);
  const auto axis = argI(info, 2);
  return out(info.Env(), (isMax ? at::argmax(x, axis) : at::argmin(x, axis)).to(at::kInt));
}

/** softmax(x, dim, log) */
Napi::Value softmax(const Napi::CallbackInfo& info) {
  const auto x = floating(argT(info, 0));
  const auto dim = argI(info, 1);
  return out(info.Env(), argB(info, 2) ? at::log_softmax(x, dim) : at::softmax(x, dim));
}

/** cumulative(isProd, x, axis, exclusive, reverse) */
Napi::Value cumulative(const Napi::CallbackInfo& info) {
  const bool isProd = argB(info, 0);
  auto x = argT(info, 1);
  const auto axis = argI(info, 2);
  const bool exclusive = argB(info, 3);
  const bool reverse = argB(info, 4);
  const auto dtype = x.scalar_type() == at::kBool ? at::kInt : x.scalar_type();
  if (reverse) x = x.flip({axis});
  if (exclusive && x.size(axis) > 0) {
    // shift by one along axis, filling with the identity element
    auto first = isProd ? at::ones_like(x.narrow(axis, 0, 1)) : at::zeros_like(x.narrow(axis, 0, 1));
    x = at::cat({first.to(dtype), x.narrow(axis, 0, x.size(axis) - 1).to(dtype)}, axis);
  }
  auto y = isProd ? at::cumprod(x, axis, dtype) : at::cumsum(x, axis, dtype);
  if (reverse) y = y.flip({axis});
  return out(info.Env(), y);
}

// ---- shape ----------------------------------------------------------------------------------------------------

/** cast(x, dtype) */
Napi::Value cast(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto code = static_cast<int32_t>(argI(info, 1));
  if (code == kBool) return out(info.Env(), x.scalar_type() == at::kBool ? x : at::ne(x, 0));
  if (code == kI32 && at::isFloatingType(x.scalar_type())) return out(info.Env(), at::trunc(at::nan_to_num(x, 0.0)).to(at::kInt));
  return out(info.Env(), castTo(x, code));
}

/** reshape(x, shape[]) -> a view when the layout allows */
Napi::Value reshape(const Napi::CallbackInfo& info) {
  auto h = out(info.Env(), argT(info, 0).reshape(argIV(info, 1)));
  setRange(h, rangeOf(info, 0));  // same values, so the same bounds
  return h;
}

/** transpose(x, perm[]) -> a strided view */
Napi::Value transpose(const Napi::CallbackInfo& info) {
  auto h = out(info.Env(), argT(info, 0).permute(argIV(info, 1)));
  setRange(h, rangeOf(info, 0));
  return h;
}

/** Makes a slice its own allocation unless it covers the whole input (a view would pin the input's memory). */
at::Tensor own(const at::Tensor& part, const at::Tensor& whole) {
  if (part.numel() == whole.numel()) return part;
  return part.is_contiguous() ? part.clone() : part.contiguous();  // contiguous() of a strided view already copies
}

/** slice(x, begin[], size[]) */
Napi::Value slice(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto begin = argIV(info, 1);
  const auto size = argIV(info, 2);
  auto y = x;
  for (size_t d = 0; d < begin.size(); d++) y = y.narrow(static_cast<int64_t>(d), begin[d], size[d]);
  return out(info.Env(), own(y, x));
}

/** stridedSlice(x, begin[], end[], strides[], finalShape[]): begin/end/strides already normalised by tfjs's sliceInfo */
Napi::Value stridedSlice(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto begin = argIV(info, 1);
  const auto end = argIV(info, 2);
  const auto strides = argIV(info, 3);
  const auto finalShape = argIV(info, 4);
  auto y = x;
  for (size_t i = 0; i < begin.size(); i++) {
    const auto d = static_cast<int64_t>(i);
    const auto s = strides[i];
    const auto b = begin[i];
    const auto e = end[i];
    if (s > 0) {
      const auto n = e > b ? (e - b + s - 1) / s : 0;
      y = n == 0 ? y.narrow(d, 0, 0) : y.slice(d, b, b + (n - 1) * s + 1, s);
    } else {
      const auto n = b > e ? (b - e + (-s) - 1) / (-s) : 0;
      auto idx = at::arange(b, b + n * s, s, at::TensorOptions().dtype(at::kLong)).slice(0, 0, n);
      y = y.index_select(d, idx.to(y.device()));
    }
  }
  return out(info.Env(), own(y, x).reshape(finalShape));
}

/** concat(handles[], axis) */
Napi::Value concat(const Napi::CallbackInfo& info) {
  auto ts = argTs(info, 0);
  for (auto& t : ts) t = dev(t);
  return out(info.Env(), at::cat(ts, argI(info, 1)));
}

/** stack(handles[], axis) */
Napi::Value stack(const Napi::CallbackInfo& info) {
  auto ts = argTs(info, 0);
  for (auto& t : ts) t = dev(t);
  return out(info.Env(), at::stack(ts, argI(info, 1)));
}

/** unstack(x, axis) -> handles */
Napi::Value unstack(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  auto parts = at::unbind(x, argI(info, 1));
  for (auto& p : parts) p = own(p, x);
  return outs(info.Env(), parts);
}

/** split(x, sizes[], axis) -> handles */
Napi::Value split(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  auto parts = at::split_with_sizes(x, argIV(info, 1), argI(info, 2));
  for (auto& p : parts) p = own(p, x);
  return outs(info.Env(), parts);
}

/** tile(x, reps[]) */
Napi::Value tile(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto reps = argIV(info, 1);
  auto h = out(info.Env(), reps.empty() ? x : x.repeat(reps));
  setRange(h, rangeOf(info, 0));  // repeats the same values
  return h;
}

/** pad(x, before[], after[], value) */
Napi::Value pad(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto before = argIV(info, 1);
  const auto after = argIV(info, 2);
  std::vector<int64_t> p;
  for (size_t i = before.size(); i-- > 0;) {
    p.push_back(before[i]);
    p.push_back(after[i]);
  }
  if (x.dim() == 0) return out(info.Env(), x);
  return out(info.Env(), at::constant_pad_nd(x, p, argF(info, 3)));
}

/** reverse(x, dims[]) */
Napi::Value reverse(const Napi::CallbackInfo& info) {
  const auto x = argT(info, 0);
  const auto dims = argIV(info, 1);
  return out(info.Env(), dims.empty() || x.dim() == 0 ? x : x.flip(dims));
}

/** broadcastTo(x, shape[]) */
Napi::Value broadcastTo(const Napi::CallbackInfo& info) {
  return out(info.Env(), argT(info, 0).expand(argIV(info, 1)).contiguous());
}

// ---- creation -------------------------------------------------------------------------------------------------

at::TensorOptions opts(int32_t code) { return at::TensorOptions().dtype(scalarType(code)).device(device()); }

/** fill(shape[], value, dtype) */
Napi::Value fill(const Napi::CallbackInfo& info) {
  const auto code = static_cast<int32_t>(argI(info, 2));
  const auto v = argF(info, 1);
  return out(info.Env(), at::full(argIV(info, 0), code == kBool ? at::Scalar(v != 0) : at::Scalar(v), opts(code)));
}

/** range(start, step, n, dtype): start + i·step for i < n */
Napi::Value range(const Napi::CallbackInfo& info) {
  const auto start = argF(info, 0);
  const auto step = argF(info, 1);
  const auto n = argI(info, 2);
  auto r = at::arange(n, at::TensorOptions().dtype(at::kDouble).device(device())) * step + start;
  const auto code = static_cast<int32_t>(argI(info, 3));
  auto h = out(info.Env(), castTo(r, code));
  if (code == kI32 && n > 0) {
    // integer positions are known on the host, so gathers by them need no device check
    const auto a = static_cast<int64_t>(start);
    const auto b = static_cast<int64_t>(start + static_cast<double>(n - 1) * step);
    setRange(h, {true, std::min(a, b), std::max(a, b)});
  }
  return h;
}

/** linspace(start, stop, num) */
Napi::Value linspace(const Napi::CallbackInfo& info) {
  return out(info.Env(), at::linspace(argF(info, 0), argF(info, 1), argI(info, 2), opts(kF32)));
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  def(env, exports, "unaryOps", unaryOps);
  def(env, exports, "unary", unary);
  def(env, exports, "unaryParam", unaryParam);
  def(env, exports, "binaryOps", binaryOps);
  def(env, exports, "binary", binary);
  def(env, exports, "addN", addN);
  def(env, exports, "reduceOps", reduceOps);
  def(env, exports, "reduce", reduce);
  def(env, exports, "argMinMax", argMinMax);
  def(env, exports, "softmax", softmax);
  def(env, exports, "cumulative", cumulative);
  def(env, exports, "cast", cast);
  def(env, exports, "reshape", reshape);
  def(env, exports, "transpose", transpose);
  def(env, exports, "slice", slice);
  def(env, exports, "stridedSlice", stridedSlice);
  def(env, exports, "concat", concat);
  def(env, exports, "stack", stack);
  def(env, exports, "unstack", unstack);
  def(env, exports, "split", split);
  def(env, exports, "tile", tile);
  def(env, exports, "pad", pad);
  def(env, exports, "reverse", reverse);
  def(env, exports, "broadcastTo", broadcastTo);
  def(env, exports, "fill", fill);
  def(env, exports, "range", range);
  def(env, exports, "linspace", linspace);
}

}  // namespace lorats
