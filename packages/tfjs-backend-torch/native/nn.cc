// Matmul, convolution and the fused lorats kernels of docs/fused-ops.md.
#include "common.h"

#include <ATen/core/LegacyTypeDispatch.h>
#include <c10/core/GradMode.h>

#include <limits>

#define LORATS_SDPA (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1))
#if LORATS_SDPA
#include <torch/csrc/autograd/autograd.h>
#endif

namespace lorats {
namespace {

at::Tensor f32(const at::Tensor& t) { return t.scalar_type() == at::kFloat ? t : t.to(at::kFloat); }

/** A gradient the caller did not ask for: a broadcast view of one cached zero (no memory, no kernel launch). */
at::Tensor skipped(at::IntArrayRef shape) {
  static auto* zero = new at::Tensor();  // never destroyed: a CUDA tensor must not be freed after the context at exit
  if (!zero->defined() || zero->device() != device()) *zero = at::zeros({1}, at::TensorOptions().dtype(at::kFloat).device(device()));
  return zero->expand(shape);
}

// ---- matmul ---------------------------------------------------------------------------------------------------

/** matmul(a, b, transposeA, transposeB): batch dims broadcast; bf16 under autocast on CUDA */
Napi::Value matmul(const Napi::CallbackInfo& info) {
  auto a = dev(argT(info, 0));
  auto b = dev(argT(info, 1));
  if (argB(info, 2)) a = a.transpose(-2, -1);
  if (argB(info, 3)) b = b.transpose(-2, -1);
  const auto st = a.scalar_type();
  if (!at::isFloatingType(st)) {
    // integer matmul: exact in double for |values| < 2^53, and supported on every device
    return out(info.Env(), at::matmul(a.to(at::kDouble), b.to(at::kDouble)).to(at::kInt));
  }
  return out(info.Env(), f32(at::matmul(mm(a), mm(b))));
}

// ---- convolution (tfjs channels-last layouts <-> torch channels-first) ----------------------------------------

struct ConvArgs {
  std::vector<int64_t> strides, padBefore, padAfter, dilations;
  bool depthwise;
  bool channelsLast;
  bool symmetric() const { return padBefore == padAfter; }
};

ConvArgs convArgs(const Napi::CallbackInfo& info, size_t i) {
  return {argIV(info, i), argIV(info, i + 1), argIV(info, i + 2), argIV(info, i + 3), argB(info, i + 4), argB(info, i + 5)};
}

/** NHWC -> NCHW (any number of spatial dims) */
at::Tensor toFirst(const at::Tensor& x) {
  std::vector<int64_t> p{0, x.dim() - 1};
  for (int64_t i = 1; i < x.dim() - 1; i++) p.push_back(i);
  return x.permute(p);
}
at::Tensor toLast(const at::Tensor& x) {
  std::vector<int64_t> p{0};
  for (int64_t i = 2; i < x.dim(); i++) p.push_back(i);
  p.push_back(1);
  return x.permute(p);
}

/** tfjs filter [k..., in, out] (depthwise: [k..., in, mult]) -> torch [out, in/groups, k...] */
at::Tensor torchWeight(const at::Tensor& w, bool depthwise) {
  const auto n = w.dim();
  std::vector<int64_t> p{n - 1, n - 2};
  for (int64_t i = 0; i < n - 2; i++) p.push_back(i);
  if (!depthwise) return w.permute(p);
  // [k..., in, mult] -> [in, mult, k...] -> [in*mult, 1, k...]
  std::vector<int64_t> q{n - 2, n - 1};
  for (int64_t i = 0; i < n - 2; i++) q.push_back(i);
  auto t = w.permute(q).contiguous();
  std::vector<int64_t> s{w.size(n - 2) * w.size(n - 1), 1};
  for (int64_t i = 0; i < n - 2; i++) s.push_back(w.size(i));
  return t.reshape(s);
}

at::Tensor tfjsWeight(const at::Tensor& tw, const std::vector<int64_t>& filterShape, bool depthwise) {
  const auto n = static_cast<int64_t>(filterShape.size());
  if (!depthwise) {
    // [out, in, k...] -> [k..., in, out]
    std::vector<int64_t> p;
    for (int64_t i = 2; i < n; i++) p.push_back(i);
    p.push_back(1);
    p.push_back(0);
    return tw.permute(p).contiguous();
  }
  // [in*mult, 1, k...] -> [in, mult, k...] -> [k..., in, mult]
  std::vector<int64_t> s{filterShape[n - 2], filterShape[n - 1]};
  for (int64_t i = 0; i < n - 2; i++) s.push_back(filterShape[i]);
  std::vector<int64_t> p;
  for (int64_t i = 2; i < n; i++) p.push_back(i);
  p.push_back(0);
  p.push_back(1);
  return tw.reshape(s).permute(p).contiguous();
}

at::Tensor padSpatial(const at::Tensor& x, const ConvArgs& c) {
  std::vector<int64_t> p;
  for (size_t i = c.padBefore.size(); i-- > 0;) {
    p.push_back(c.padBefore[i]);
    p.push_back(c.padAfter[i]);
  }
  return at::constant_pad_nd(x, p, 0);
}

std::vector<int64_t> zerosLike(const std::vector<int64_t>& v) { return std::vector<int64_t>(v.size(), 0); }

/** conv(x, filter, strides, padBefore, padAfter, dilations, depthwise, channelsLast) */
Napi::Value conv(const Napi::CallbackInfo& info) {
  auto x = dev(argT(info, 0));
  const auto w = dev(argT(info, 1));
  const auto c = convArgs(info, 2);
  auto xt = c.channelsLast ? toFirst(x) : x;
  const auto groups = c.depthwise ? xt.size(1) : 1;
  auto pad = c.padBefore;
  if (!c.symmetric()) {
    xt = padSpatial(xt, c);
    pad = zerosLike(pad);
  }
  auto y = at::convolution(mm(xt), mm(torchWeight(w, c.depthwise)), c10::nullopt, c.strides, pad, c.dilations, false,
                           zerosLike(pad), groups);
  y = f32(y);
  return out(info.Env(), c.channelsLast ? toLast(y).contiguous() : y);
}

/** convBackpropInput(dy, filter, inputShape, ...convArgs) */
Napi::Value convBackpropInput(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0));
  const auto w = dev(argT(info, 1));
  auto inShape = argIV(info, 2);
  const auto c = convArgs(info, 3);
  auto dyt = c.channelsLast ? toFirst(dy) : dy;
  // torch layout of the (padded) input
  std::vector<int64_t> shape = inShape;
  if (c.channelsLast) {
    shape = {inShape[0], inShape.back()};
    shape.insert(shape.end(), inShape.begin() + 1, inShape.end() - 1);
  }
  const auto groups = c.depthwise ? shape[1] : 1;
  auto padded = shape;
  for (size_t i = 0; i < c.padBefore.size(); i++) padded[i + 2] += c.symmetric() ? 0 : c.padBefore[i] + c.padAfter[i];
  const auto pad = c.symmetric() ? c.padBefore : zerosLike(c.padBefore);
  auto dummy = at::empty(padded, dyt.options());
  auto r = at::convolution_backward(dyt.contiguous(), dummy, torchWeight(w, c.depthwise), c10::nullopt, c.strides, pad,
                                    c.dilations, false, zerosLike(pad), groups, {true, false, false});
  auto dx = std::get<0>(r);
  if (!c.symmetric())
    for (size_t i = 0; i < c.padBefore.size(); i++) dx = dx.narrow(static_cast<int64_t>(i + 2), c.padBefore[i], shape[i + 2]);
  return out(info.Env(), c.channelsLast ? toLast(dx).contiguous() : dx.contiguous());
}

/** convBackpropFilter(x, dy, filterShape, ...convArgs) */
Napi::Value convBackpropFilter(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto dy = dev(argT(info, 1));
  const auto filterShape = argIV(info, 2);
  const auto c = convArgs(info, 3);
  auto xt = c.channelsLast ? toFirst(x) : x;
  auto dyt = c.channelsLast ? toFirst(dy) : dy;
  const auto groups = c.depthwise ? xt.size(1) : 1;
  auto pad = c.padBefore;
  if (!c.symmetric()) {
    xt = padSpatial(xt, c);
    pad = zerosLike(pad);
  }
  const auto wShape = torchWeight(at::empty(filterShape, at::TensorOptions().device(at::kMeta)), c.depthwise).sizes().vec();
  auto dummy = at::empty(wShape, xt.options());
  auto r = at::convolution_backward(dyt.contiguous(), xt.contiguous(), dummy, c10::nullopt, c.strides, pad, c.dilations,
                                    false, zerosLike(pad), groups, {false, true, false});
  return out(info.Env(), tfjsWeight(std::get<1>(r), filterShape, c.depthwise));
}

// ---- fused: layer norm, gelu ----------------------------------------------------------------------------------

/** layerNorm(x, gamma, beta, epsilon) */
Napi::Value layerNorm(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto gamma = dev(argT(info, 1));
  const auto beta = dev(argT(info, 2));
  const auto eps = argF(info, 3);
  const auto r = at::native_layer_norm(x.contiguous(), {x.size(-1)}, gamma, beta, eps);
  return out(info.Env(), std::get<0>(r));
}

/** layerNormGrad(dy, x, gamma, epsilon, paramGrads) -> [dx, dgamma, dbeta] (without paramGrads: zero views) */
Napi::Value layerNormGrad(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0)).contiguous();
  const auto x = dev(argT(info, 1)).contiguous();
  const auto gamma = dev(argT(info, 2));
  const auto eps = argF(info, 3);
  const bool params = info.Length() <= 4 || argB(info, 4);
  const auto C = x.size(-1);
  // The mean and 1/std of each row from a forward pass. The grad kernel gets no beta: gamma stands in for it (only its
  // shape is used) so libtorch's optional-bias paths stay defined, and dbeta comes from the same backward kernel.
  const auto fwd = at::native_layer_norm(x, {C}, gamma, gamma, eps);
  const auto r = at::native_layer_norm_backward(dy, x, {C}, std::get<1>(fwd), std::get<2>(fwd), gamma, gamma, {true, params, params});
  if (!params) return outs(info.Env(), {std::get<0>(r), skipped({C}), skipped({C})});
  return outs(info.Env(), {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
}

/** gelu(x, approximate: 'tanh' | 'none') */
Napi::Value gelu(const Napi::CallbackInfo& info) {
  return out(info.Env(), at::gelu(f32(argT(info, 0)), argS(info, 1)));
}

/** geluGrad(dy, x, approximate) */
Napi::Value geluGrad(const Napi::CallbackInfo& info) {
  const auto dy = ew(argT(info, 0));
  const auto x = dev(argT(info, 1));
  return out(info.Env(), at::gelu_backward(f32(dy), f32(x), argS(info, 2)));
}

// ---- fused: linear and LoRA linear ----------------------------------------------------------------------------

/** The weight as the right operand of x·Wᵀ: W [out, in] → Wᵀ (a view); with fanInFanOut W is stored [in, out]. */
at::Tensor rightOperand(const at::Tensor& w, bool fanInFanOut) { return fanInFanOut ? w : w.t(); }

/** Output features of a weight in either layout. */
int64_t outFeatures(const at::Tensor& w, bool fanInFanOut) { return w.size(fanInFanOut ? 1 : 0); }

/** The enabled-group flags of a grouped (MergedLinear) adapter; empty for a plain one. */
std::vector<int64_t> groupFlags(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return {};
  return argIV(info, i);
}

/** [out, in] weight gradient (or [in, out] with fanInFanOut) from dy2 [N, out] and x2 [N, in]. */
at::Tensor weightGradient(const at::Tensor& dy2, const at::Tensor& x2, bool fanInFanOut) {
  return f32(fanInFanOut ? at::mm(x2.t(), dy2) : at::mm(dy2.t(), x2));
}

/** linear(x, weight, bias|-1, fanInFanOut, residual|-1): x·Wᵀ + b (+ residual [..., out]) over x [..., in] */
Napi::Value linear(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto w = bf16Weight(info, 1);
  const auto bias = argOptT(info, 2);
  const bool fio = argB(info, 3);
  const auto residual = argOptT(info, 4);
  const auto in = x.size(-1);
  const auto outF = outFeatures(w, fio);
  auto x2 = mm(x.reshape({-1, in}));
  auto wt = mm(rightOperand(w, fio));
  auto y = f32(bias ? at::addmm(mm(dev(*bias)), x2, wt) : at::mm(x2, wt));
  if (residual) y.add_(dev(*residual).reshape({-1, outF}));
  auto shape = x.sizes().vec();
  shape.back() = outF;
  return out(info.Env(), y.reshape(shape));
}

/**
 * linearGrad(dy, x, weight, fanInFanOut, weightGrad, biasGrad, residual) -> [dx, dweight, dbias] and, with a residual,
 * dresidual (= dy); gradients not asked for are zero views
 */
Napi::Value linearGrad(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0));
  const auto x = dev(argT(info, 1));
  const auto w = bf16Weight(info, 2);
  const bool fio = argB(info, 3);
  const bool weightGrad = argB(info, 4);
  const bool biasGrad = argB(info, 5);
  const auto in = x.size(-1);
  const auto outF = outFeatures(w, fio);
  const auto dy2 = mm(dy.reshape({-1, outF}));
  auto dx = f32(at::mm(dy2, mm(rightOperand(w, fio)).t())).reshape(x.sizes());
  auto dweight = weightGrad ? weightGradient(dy2, mm(x.reshape({-1, in})), fio) : skipped(w.sizes());
  auto dbias = biasGrad ? f32(dy2).sum(0) : skipped({outF});
  if (argB(info, 6)) return outs(info.Env(), {dx, dweight, dbias, dy});
  return outs(info.Env(), {dx, dweight, dbias});
}

/**
 * loraLinear(x, weight, bias|-1, loraA, loraB, dropoutMask|-1, scaling, fanInFanOut, enable[]):
 * x·Wᵀ + b + scaling·((x⊙mask)·Aᵀ)·Bᵀ. With `enable` (G flags, E set; MergedLinear): A [rank·E, in], B [d·E, rank]
 * with d = out/G, and the k-th enabled group g adds scaling·h_k·B_kᵀ to output columns g·d… (h_k = columns k·rank… of
 * (x⊙mask)·Aᵀ, B_k = rows k·d… of B): no zero-padded B is built.
 */
Napi::Value loraLinear(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto w = bf16Weight(info, 1);
  const auto bias = argOptT(info, 2);
  const auto a = dev(argT(info, 3));
  const auto b = dev(argT(info, 4));
  const auto mask = argOptT(info, 5);
  const auto scaling = argF(info, 6);
  const bool fio = argB(info, 7);
  const auto enable = groupFlags(info, 8);
  const auto in = x.size(-1);
  const auto outF = outFeatures(w, fio);
  auto x2 = mm(x.reshape({-1, in}));
  auto y = bias ? at::addmm(mm(dev(*bias)), x2, mm(rightOperand(w, fio))) : at::mm(x2, mm(rightOperand(w, fio)));
  auto xm = mask ? mm(x.reshape({-1, in}) * dev(*mask).reshape({-1, in})) : x2;
  auto h = at::mm(xm, mm(a).t());  // [N, rank·E]
  if (enable.empty()) {
    y.addmm_(h, mm(b).t(), 1, scaling);
  } else {
    const auto G = static_cast<int64_t>(enable.size());
    const auto d = outF / G;
    const auto rank = b.size(1);
    int64_t k = 0;
    for (int64_t g = 0; g < G; g++) {
      if (!enable[g]) continue;
      y.narrow(1, g * d, d).addmm_(h.narrow(1, k * rank, rank), mm(b).narrow(0, k * d, d).t(), 1, scaling);
      k++;
    }
  }
  auto shape = x.sizes().vec();
  shape.back() = outF;
  return out(info.Env(), f32(y).reshape(shape));
}

/**
 * loraLinearGrad(dy, x, weight, loraA, loraB, dropoutMask|-1, scaling, weightGrad, fanInFanOut, enable[], biasGrad)
 * -> [dx, dweight, dbias, dloraA, dloraB] (dweight / dbias as zero views when not wanted)
 */
Napi::Value loraLinearGrad(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0));
  const auto x = dev(argT(info, 1));
  const auto w = bf16Weight(info, 2);
  const auto a = dev(argT(info, 3));
  const auto b = dev(argT(info, 4));
  const auto mask = argOptT(info, 5);
  const auto scaling = argF(info, 6);
  const bool weightGrad = argB(info, 7);
  const bool fio = argB(info, 8);
  const auto enable = groupFlags(info, 9);
  const bool biasGrad = argB(info, 10);
  const auto in = x.size(-1);
  const auto outF = outFeatures(w, fio);
  const auto dy2 = mm(dy.reshape({-1, outF}));
  const auto x2 = mm(x.reshape({-1, in}));
  const auto m2 = mask ? c10::optional<at::Tensor>(mm(dev(*mask).reshape({-1, in}))) : c10::nullopt;
  const auto xm = m2 ? x2 * *m2 : x2;
  const auto am = mm(a);
  const auto bm = mm(b);
  const auto h = at::mm(xm, am.t());  // [N, rank·E]
  // g = dy·B as the adapter sees it ([N, rank·E]; per enabled group k, the slice g of dy times B_k), and dB
  at::Tensor gm;
  at::Tensor dloraB;
  if (enable.empty()) {
    gm = at::mm(dy2, bm);
    dloraB = at::mm(dy2.t(), h).mul_(scaling);  // [out, rank]
  } else {
    const auto G = static_cast<int64_t>(enable.size());
    const auto d = outF / G;
    const auto rank = b.size(1);
    const auto hs = h * scaling;
    dloraB = at::empty({b.size(0), rank}, hs.options());  // [d·E, rank]
    std::vector<at::Tensor> gs;
    int64_t k = 0;
    for (int64_t g = 0; g < G; g++) {
      if (!enable[g]) continue;
      const auto dyk = dy2.narrow(1, g * d, d);
      gs.push_back(at::mm(dyk, bm.narrow(0, k * d, d)));  // [N, rank]
      auto dbk = dloraB.narrow(0, k * d, d);
      at::mm_out(dbk, dyk.t(), hs.narrow(1, k * rank, rank));  // [d, rank]
      k++;
    }
    gm = gs.size() == 1 ? gs[0] : at::cat(gs, 1);
  }
  const auto gms = gm * scaling;
  auto dloraA = at::mm(gms.t(), xm);                      // [rank·E, in]
  auto dx = at::mm(dy2, mm(rightOperand(w, fio)).t());   // [N, in]
  if (m2) dx.add_(at::mm(gms, am).mul_(*m2));
  else dx.addmm_(gms, am);
  auto dbias = biasGrad ? f32(dy2).sum(0) : skipped({outF});
  // Frozen weight: no [out, in] product; a broadcast zero view keeps the output contract without memory.
  auto dweight = weightGrad ? weightGradient(dy2, x2, fio) : skipped(w.sizes());
  return outs(info.Env(), {f32(dx).reshape(x.sizes()), dweight, dbias, f32(dloraA), f32(dloraB)});
}

// ---- fused: cross-entropy -------------------------------------------------------------------------------------

void checkLabels(const at::Tensor& labels, int64_t V, const IndexRange& known) {
  if (labels.numel() == 0) return;
  if (!known.known && labels.is_cuda()) countSync();
  const auto mx = known.known ? known.hi : labels.max().item<int64_t>();
  if (mx >= V)
    throw std::runtime_error("LoratsCrossEntropy: label " + std::to_string(mx) + " is not below the vocabulary size " +
                             std::to_string(V));
}

/** crossEntropy(logits [N, V], labels int32 [N], labelSmoothing) -> loss [N]; negative labels give 0 */
Napi::Value crossEntropy(const Napi::CallbackInfo& info) {
  const auto logits = f32(dev(argT(info, 0)));
  const auto labels = dev(argT(info, 1)).to(at::kLong);
  const auto eps = argF(info, 2);
  const auto V = logits.size(1);
  checkLabels(labels, V, rangeOf(info, 1));
  const auto valid = labels >= 0;
  const auto safe = at::where(valid, labels, at::zeros_like(labels));
  const auto lse = at::logsumexp(logits, {1});
  auto loss = lse - logits.gather(1, safe.unsqueeze(1)).squeeze(1);
  if (eps != 0) loss = loss * (1 - eps) + (lse - logits.mean(1)) * eps;
  return out(info.Env(), at::where(valid, loss, at::zeros_like(loss)));
}

/** crossEntropyGrad(dy [N], logits, labels, labelSmoothing) -> dlogits = dy·(softmax − (1−ε)·onehot − ε/V) */
Napi::Value crossEntropyGrad(const Napi::CallbackInfo& info) {
  const auto dy = f32(ew(argT(info, 0)));
  const auto logits = f32(dev(argT(info, 1)));
  const auto labels = dev(argT(info, 2)).to(at::kLong);
  const auto eps = argF(info, 3);
  const auto V = logits.size(1);
  const auto valid = labels >= 0;
  const auto safe = at::where(valid, labels, at::zeros_like(labels)).unsqueeze(1);
  auto g = at::softmax(logits, 1);
  if (eps != 0) g.sub_(eps / static_cast<double>(V));
  g.scatter_add_(1, safe, at::full({logits.size(0), 1}, -(1 - eps), g.options()));
  const auto scale = at::where(valid, dy.expand({logits.size(0)}), at::zeros({}, g.options())).unsqueeze(1);
  return out(info.Env(), g.mul_(scale));
}

// ---- fused: attention -----------------------------------------------------------------------------------------

struct AttnArgs {
  bool causal;
  double scale;
  double dropout;
  double seed;
};

AttnArgs attnArgs(const Napi::CallbackInfo& info, size_t i) {
  return {argB(info, i), argF(info, i + 1), argF(info, i + 2), argF(info, i + 3)};
}

/** The additive mask including the causal part (query i sees keys ≤ i + S − T); undefined when there is none. */
at::Tensor fullMask(const c10::optional<at::Tensor>& mask, const AttnArgs& c, int64_t T, int64_t S, const at::TensorOptions& o) {
  at::Tensor m = mask ? f32(dev(*mask)) : at::Tensor();
  if (c.causal) {
    auto allowed = at::ones({T, S}, o.dtype(at::kBool)).tril(S - T);
    auto cm = at::zeros({T, S}, o.dtype(at::kFloat)).masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
    m = m.defined() ? m + cm : cm;
  }
  return m;
}

#if LORATS_SDPA
at::Tensor sdpa(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const c10::optional<at::Tensor>& mask,
                const AttnArgs& c) {
  const auto T = q.size(-2);
  const auto S = k.size(-2);
  const bool plainCausal = c.causal && !mask && T == S;
  c10::optional<at::Tensor> m;
  if (!plainCausal) {
    auto full = fullMask(mask, c, T, S, q.options());
    if (full.defined()) m = full.to(q.scalar_type());
  }
  return at::scaled_dot_product_attention(q, k, v, m, c.dropout, plainCausal, c.scale);
}
#else
/** softmax(q·kᵀ·scale + mask) and the dropout keep-mask (scaled), computed explicitly (libtorch 1.x). */
std::pair<at::Tensor, at::Tensor> attnProbs(const at::Tensor& q, const at::Tensor& k, const c10::optional<at::Tensor>& mask,
                                            const AttnArgs& c) {
  auto s = at::matmul(q, k.transpose(-2, -1)).mul_(c.scale);
  auto m = fullMask(mask, c, q.size(-2), k.size(-2), q.options());
  if (m.defined()) s = s + m;
  auto p = at::softmax(s, -1);
  at::Tensor keep;
  if (c.dropout > 0) {
    keep = withSeed(c.seed, [&] { return at::empty_like(p).bernoulli_(1 - c.dropout); });
    keep.mul_(1 / (1 - c.dropout));
  }
  return {p, keep};
}
#endif

/** Attention calls by path, for profiles: fused kernels called directly (CUDA) or SDPA through autograd. */
int64_t g_attnDirect = 0;
int64_t g_attnAutograd = 0;
int64_t g_attnReused = 0;
/** Why a fused CUDA attention kernel last declined and a slower path ran (empty when none has). */
std::string g_attnFallback;
void noteFallback(const char* where, const c10::Error& e) {
  g_attnFallback = std::string(where) + ": " + e.what_without_backtrace();
  const auto nl = g_attnFallback.find('\n');
  if (nl != std::string::npos) g_attnFallback.resize(nl);
}

#if LORATS_SDPA
int64_t asInt(int64_t v) { return v; }
int64_t asInt(const c10::SymInt& v) { return v.expect_int(); }

/**
 * The fused kernel the gradient calls directly (no autograd graph, no engine thread): 1 flash, 2 memory-efficient
 * (at::SDPBackend), 0 none. Only on CUDA, without an explicit mask (plain causal or none), where SDPA itself would
 * pick that kernel.
 */
int directKernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const c10::optional<at::Tensor>& mask,
                 const AttnArgs& c) {
  if (!q.is_cuda() || mask || (c.causal && q.size(-2) != k.size(-2))) return 0;
  const auto choice = at::_fused_sdp_choice(q, k, v, c10::nullopt, c.dropout, c.causal, c.scale);
  return choice == 1 || choice == 2 ? static_cast<int>(choice) : 0;
}

/** Output (and, when asked, everything the direct gradient needs) of the direct fused kernel `kind`. */
struct Direct {
  at::Tensor out, lse, a, b, seed, offset;
  int64_t maxQ = 0, maxK = 0;
};

Direct directForward(int kind, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const AttnArgs& c, bool forGrad) {
  Direct d;
  if (kind == 1) {
    auto f = at::_scaled_dot_product_flash_attention(q, k, v, c.dropout, c.causal, false, c.scale);
    d.out = std::get<0>(f);
    d.lse = std::get<1>(f);
    d.a = std::get<2>(f);
    d.b = std::get<3>(f);
    d.maxQ = asInt(std::get<4>(f));
    d.maxK = asInt(std::get<5>(f));
    d.seed = std::get<6>(f);
    d.offset = std::get<7>(f);
  } else {
    auto f = at::_scaled_dot_product_efficient_attention(q, k, v, c10::nullopt, forGrad, c.dropout, c.causal, c.scale);
    d.out = std::get<0>(f);
    d.lse = std::get<1>(f);
    d.seed = std::get<2>(f);
    d.offset = std::get<3>(f);
  }
  return d;
}

std::vector<at::Tensor> directBackward(int kind, const at::Tensor& dy, const at::Tensor& q, const at::Tensor& k,
                                       const at::Tensor& v, const AttnArgs& c) {
  const auto d = directForward(kind, q, k, v, c, true);
  const auto g = dy.to(d.out.scalar_type());
  if (kind == 1) {
    auto r = at::_scaled_dot_product_flash_attention_backward(g, q, k, v, d.out, d.lse, d.a, d.b, d.maxQ, d.maxK, c.dropout,
                                                              c.causal, d.seed, d.offset, c.scale);
    return {std::get<0>(r), std::get<1>(r), std::get<2>(r)};
  }
  auto r = at::_scaled_dot_product_efficient_attention_backward(g, q, k, v, at::Tensor(), d.out, d.lse, d.seed, d.offset,
                                                                c.dropout, {true, true, true, false}, c.causal, c.scale);
  return {std::get<0>(r), std::get<1>(r), std::get<2>(r)};
}
#endif

/** softmax(q·kᵀ·scale + mask [+ causal])·v over q [B,H,T,D], k/v [B,H,S,D] (any strides) → [B,H,T,D] */
at::Tensor attnForward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const c10::optional<at::Tensor>& mask,
                       const AttnArgs& c) {
#if LORATS_SDPA
  if (c.dropout > 0) {
    // The gradient recomputes this forward with the same seed, so both must run the same kernel: the direct fused one
    // where the gradient uses it, else SDPA on grad-enabled inputs (the autograd path's choice).
    const int kind = directKernel(mm(q), mm(k), mm(v), mask, c);
    return withSeed(c.seed, [&] {
      if (kind != 0) {
        at::AutoDispatchBelowADInplaceOrView guard;
        return directForward(kind, mm(q), mm(k), mm(v), c, false).out;
      }
      c10::AutoGradMode grad(true);
      auto qg = mm(q).detach().requires_grad_(true);
      auto kg = mm(k).detach().requires_grad_(true);
      auto vg = mm(v).detach().requires_grad_(true);
      return sdpa(qg, kg, vg, mask, c).detach();
    });
  }
  at::AutoDispatchBelowADInplaceOrView guard;
  return sdpa(mm(q), mm(k), mm(v), mask, c);
#else
  at::AutoDispatchBelowADInplaceOrView guard;
  auto pk = attnProbs(q, k, mask, c);
  auto p = pk.second.defined() ? pk.first * pk.second : pk.first;
  return at::matmul(p, v);
#endif
}

/** [dq, dk, dv] of attnForward for the upstream gradient dy [B,H,T,D] */
std::vector<at::Tensor> attnBackward(const at::Tensor& dy, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const c10::optional<at::Tensor>& mask, const AttnArgs& c) {
#if LORATS_SDPA
  const int kind = directKernel(mm(q), mm(k), mm(v), mask, c);
  if (kind != 0) {
    try {
      auto run = [&] {
        at::AutoDispatchBelowADInplaceOrView guard;
        return directBackward(kind, mm(dy), mm(q), mm(k), mm(v), c);
      };
      auto g = c.dropout > 0 ? withSeed(c.seed, run) : run();
      g_attnDirect++;
      return g;
    } catch (const c10::Error& e) {
      if (c.dropout > 0) throw;
      noteFallback("attention gradient", e);  // the forward drew its mask in the direct kernel: no other path reproduces it
      // otherwise SDPA through autograd below
    }
  }
  g_attnAutograd++;
  auto run = [&] {
    c10::AutoGradMode grad(true);
    auto qg = mm(q).detach().requires_grad_(true);
    auto kg = mm(k).detach().requires_grad_(true);
    auto vg = mm(v).detach().requires_grad_(true);
    auto y = sdpa(qg, kg, vg, mask, c);
    return torch::autograd::grad({y}, {qg, kg, vg}, {mm(dy).to(y.scalar_type())});
  };
  return c.dropout > 0 ? withSeed(c.seed, run) : run();
#else
  g_attnAutograd++;
  at::AutoDispatchBelowADInplaceOrView guard;
  auto pk = attnProbs(q, k, mask, c);
  const auto& p = pk.first;
  const auto pd = pk.second.defined() ? p * pk.second : p;
  auto dv = at::matmul(pd.transpose(-2, -1), dy);
  auto dp = at::matmul(dy, v.transpose(-2, -1));
  if (pk.second.defined()) dp = dp * pk.second;
  auto ds = p * (dp - (dp * p).sum(-1, true));
  ds.mul_(c.scale);
  auto dq = at::matmul(ds, k);
  auto dk = at::matmul(ds.transpose(-2, -1), q);
  return {dq, dk, dv};
#endif
}

/** attention(q, k, v, mask|-1, causal, scale, dropout, seed) */
Napi::Value attention(const Napi::CallbackInfo& info) {
  const auto q = dev(argT(info, 0));
  const auto k = dev(argT(info, 1));
  const auto v = dev(argT(info, 2));
  const auto mask = argOptT(info, 3);
  const auto c = attnArgs(info, 4);
  return out(info.Env(), f32(attnForward(q, k, v, mask, c)));
}

/** attentionGrad(dy, q, k, v, mask|-1, causal, scale, dropout, seed) -> [dq, dk, dv] */
Napi::Value attentionGrad(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0));
  const auto q = dev(argT(info, 1));
  const auto k = dev(argT(info, 2));
  const auto v = dev(argT(info, 3));
  const auto mask = argOptT(info, 4);
  const auto c = attnArgs(info, 5);
  const auto g = attnBackward(dy, q, k, v, mask, c);
  return outs(info.Env(), {f32(g[0]), f32(g[1]), f32(g[2])});
}

/** attentionStats() -> { direct, reused, autograd, lastFallback }: attention gradients so far by path (fused kernel recomputing the
 *  forward, fused kernel reusing the forward's output and log-sum-exp, SDPA under autograd) */
Napi::Value attentionStats(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("direct", static_cast<double>(g_attnDirect));
  o.Set("reused", static_cast<double>(g_attnReused));
  o.Set("autograd", static_cast<double>(g_attnAutograd));
  o.Set("lastFallback", g_attnFallback);
  return o;
}

/** qkv [B, T, 3·H·D] (q | k | v, head-major inside each) → strided views q, k, v [B, H, T, D]. */
std::vector<at::Tensor> splitHeads(const at::Tensor& qkv, int64_t H) {
  if (qkv.dim() != 3 || qkv.size(2) % (3 * H) != 0)
    throw std::runtime_error("LoratsPackedAttention: qkv must be [B, T, 3·heads·D], got " + std::to_string(qkv.dim()) +
                             "-d with last dim " + std::to_string(qkv.size(-1)) + " for " + std::to_string(H) + " heads");
  const auto B = qkv.size(0), T = qkv.size(1), D = qkv.size(2) / (3 * H);
  const auto p = qkv.reshape({B, T, 3, H, D}).permute({2, 0, 3, 1, 4});  // [3, B, H, T, D]
  return {p[0], p[1], p[2]};
}

#if LORATS_SDPA
/**
 * 2 (the memory-efficient kernel) when its forward can keep the log-sum-exp that the gradient reuses: CUDA, no dropout,
 * no explicit mask, and SDPA would pick a fused kernel. Where SDPA would pick flash or cuDNN (bf16), the
 * memory-efficient kernel runs instead: its gradient then reuses the forward rather than recomputing it through
 * autograd. 0 otherwise; a kernel that still declines is caught by the caller (lastFallback says why).
 */
int reusableKind(const std::vector<at::Tensor>& h, const c10::optional<at::Tensor>& mask, const AttnArgs& c) {
  if (c.dropout != 0 || mask || !h[0].is_cuda() || (c.causal && h[0].size(-2) != h[1].size(-2))) return 0;
  // SDPA's own pick: 1 flash, 2 memory-efficient, 3 cuDNN (what recent libtorch prefers for bf16 on sm90+), 0 math
  const auto choice = at::_fused_sdp_choice(h[0], h[1], h[2], c10::nullopt, c.dropout, c.causal, c.scale);
  return choice >= 1 && choice <= 3 ? 2 : 0;
}
#endif

/**
 * packedAttention(qkv, mask|-1, heads, causal, scale, dropout, seed) -> y [B, T, H·D], or [y, stats] where the
 * memory-efficient CUDA kernel ran without dropout: stats is its log-sum-exp, which the gradient reuses with y instead
 * of recomputing the forward (docs/fused-ops.md: optional extra output).
 */
Napi::Value packedAttention(const Napi::CallbackInfo& info) {
  const auto qkv = dev(argT(info, 0));
  const auto mask = argOptT(info, 1);
  const auto H = argI(info, 2);
  const auto c = attnArgs(info, 3);
  const auto h = splitHeads(qkv, H);
  const auto B = qkv.size(0), T = qkv.size(1);
#if LORATS_SDPA
  if (c.dropout == 0 && !mask && qkv.is_cuda()) {
    const auto hm = splitHeads(mm(qkv), H);  // one cast of the packed input under bf16 autocast
    const int kind = reusableKind(hm, mask, c);
    if (kind != 0) {
      try {
        at::AutoDispatchBelowADInplaceOrView guard;
        const auto d = directForward(kind, hm[0], hm[1], hm[2], c, true);
        // the kernel writes [B, T, H, D] memory: heads merge without a copy
        return outs(info.Env(), {f32(d.out.transpose(1, 2).reshape({B, T, -1})), d.lse});
      } catch (const c10::Error& e) {
        noteFallback("packed attention forward", e);  // the generic path below
      }
    }
  }
#endif
  const auto y = attnForward(h[0], h[1], h[2], mask, c);  // [B, H, T, D]
  return out(info.Env(), f32(y.transpose(1, 2).reshape({B, T, -1})));
}

/** dq, dk, dv [B, H, T, D] as dqkv [B, T, 3·H·D]: a view when they are the three slices of one such buffer (the
 *  memory-efficient kernel allocates them so for packed inputs), else one copy. */
at::Tensor packGrads(const std::vector<at::Tensor>& g, int64_t B, int64_t T, int64_t H, int64_t D) {
  const auto C3 = 3 * H * D;
  bool packed = true;
  for (int64_t i = 0; i < 3 && packed; i++) {
    const auto& t = g[i];
    packed = t.scalar_type() == g[0].scalar_type() && t.dim() == 4 && t.storage().is_alias_of(g[0].storage()) && t.stride(0) == T * C3 &&
             t.stride(1) == D && t.stride(2) == C3 && t.stride(3) == 1 && t.storage_offset() == g[0].storage_offset() + i * H * D;
  }
  // packed: a view, or under bf16 one cast of the whole buffer
  if (packed) return f32(g[0].as_strided({B, T, C3}, {T * C3, C3, 1}, g[0].storage_offset()));
  auto dqkv = at::empty({B, T, 3, H, D}, g[0].options().dtype(at::kFloat));
  for (int64_t i = 0; i < 3; i++) dqkv.select(2, i).copy_(g[i].transpose(1, 2));
  return dqkv.view({B, T, C3});
}

/**
 * packedAttentionGrad(dy [B, T, H·D], qkv, mask|-1, heads, causal, scale, dropout, seed, y|-1, stats|-1)
 * -> dqkv [B, T, 3·H·D]; with the forward's y and stats (see packedAttention) the gradient kernel runs on them directly.
 */
Napi::Value packedAttentionGrad(const Napi::CallbackInfo& info) {
  const auto dy = dev(argT(info, 0));
  const auto qkv = dev(argT(info, 1));
  const auto mask = argOptT(info, 2);
  const auto H = argI(info, 3);
  const auto c = attnArgs(info, 4);
  const auto y = info.Length() > 8 ? argOptT(info, 8) : c10::nullopt;
  const auto stats = info.Length() > 9 ? argOptT(info, 9) : c10::nullopt;
  const auto h = splitHeads(qkv, H);
  const auto B = qkv.size(0), T = qkv.size(1), D = h[0].size(-1);
  const auto dyh = dy.reshape({B, T, H, D}).transpose(1, 2);  // [B, H, T, D] over [B, T, H, D] memory
#if LORATS_SDPA
  if (y && stats && h[0].is_cuda()) {
    const auto hm = splitHeads(mm(qkv), H);
    if (reusableKind(hm, mask, c) != 0) {
      try {
        at::AutoDispatchBelowADInplaceOrView guard;
        // y is the forward's output as float32; under bf16 it holds bf16 values exactly, so the cast back is lossless
        const auto o = mm(dev(*y)).reshape({B, T, H, D}).transpose(1, 2);
        const auto none = at::empty({}, at::TensorOptions().dtype(at::kLong));
        auto r = at::_scaled_dot_product_efficient_attention_backward(mm(dyh), hm[0], hm[1], hm[2], at::Tensor(), o, dev(*stats), none,
                                                                      none, 0.0, {true, true, true, false}, c.causal, c.scale);
        g_attnReused++;
        return out(info.Env(), packGrads({std::get<0>(r), std::get<1>(r), std::get<2>(r)}, B, T, H, D));
      } catch (const c10::Error& e) {
        noteFallback("packed attention gradient", e);  // recompute below
      }
    }
  }
#else
  (void)y, (void)stats;
#endif
  const auto g = attnBackward(dyh, h[0], h[1], h[2], mask, c);
  return out(info.Env(), packGrads({f32(g[0]), f32(g[1]), f32(g[2])}, B, T, H, D));
}

// ---- fused: AdamW over many parameters -------------------------------------------------------------------------

/**
 * adamw(params[], grads[], m[], v[], beta1, beta2, eps, stepSizes[], decays[]) -> [params', m', v'] (3n handles):
 * m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², p' = (p − stepSize·m'/(√v' + eps))·(1 − decay), with multi-tensor
 * (foreach) kernels: a handful of launches for all parameters. Inputs are not modified.
 */
Napi::Value adamw(const Napi::CallbackInfo& info) {
  auto p = argTs(info, 0);
  const auto g = argTs(info, 1);
  auto m = argTs(info, 2);
  auto v = argTs(info, 3);
  const auto beta1 = argF(info, 4);
  const auto beta2 = argF(info, 5);
  const auto eps = argF(info, 6);
  const auto stepSizes = argFV(info, 7);
  const auto decays = argFV(info, 8);
  const auto n = p.size();
  if (g.size() != n || m.size() != n || v.size() != n || stepSizes.size() != n || decays.size() != n)
    throw std::runtime_error("LoratsAdamW: params, grads, moments, stepSizes and decays must have the same length");
  std::vector<at::Tensor> gs;
  for (size_t i = 0; i < n; i++) {
    p[i] = dev(p[i]).to(at::kFloat).clone();
    m[i] = dev(m[i]).to(at::kFloat).clone();
    v[i] = dev(v[i]).to(at::kFloat).clone();
    gs.push_back(dev(g[i]).to(at::kFloat));
  }
  if (n > 0) {
    at::_foreach_mul_(m, beta1);
    at::_foreach_add_(m, gs, 1 - beta1);
    at::_foreach_mul_(v, beta2);
    at::_foreach_addcmul_(v, gs, gs, 1 - beta2);
    auto denom = at::_foreach_sqrt(v);
    at::_foreach_add_(denom, eps);
    std::vector<at::Scalar> neg;
    std::vector<at::Scalar> keep;
    bool decay = false;
    for (size_t i = 0; i < n; i++) {
      neg.emplace_back(-stepSizes[i]);
      keep.emplace_back(1 - decays[i]);
      decay = decay || decays[i] != 0;
    }
    at::_foreach_addcdiv_(p, m, denom, neg);
    if (decay) at::_foreach_mul_(p, keep);
  }
  std::vector<at::Tensor> all;
  all.insert(all.end(), p.begin(), p.end());
  all.insert(all.end(), m.begin(), m.end());
  all.insert(all.end(), v.begin(), v.end());
  return outs(info.Env(), all);
}

}  // namespace

void registerNn(Napi::Env env, Napi::Object exports) {
  def(env, exports, "matmul", matmul);
  def(env, exports, "conv", conv);
  def(env, exports, "convBackpropInput", convBackpropInput);
  def(env, exports, "convBackpropFilter", convBackpropFilter);
  def(env, exports, "layerNorm", layerNorm);
  def(env, exports, "layerNormGrad", layerNormGrad);
  def(env, exports, "gelu", gelu);
  def(env, exports, "geluGrad", geluGrad);
  def(env, exports, "linear", linear);
  def(env, exports, "linearGrad", linearGrad);
  def(env, exports, "loraLinear", loraLinear);
  def(env, exports, "loraLinearGrad", loraLinearGrad);
  def(env, exports, "crossEntropy", crossEntropy);
  def(env, exports, "crossEntropyGrad", crossEntropyGrad);
  def(env, exports, "adamw", adamw);
  // Attention manages autograd itself: SDPA's gradient comes from libtorch's autograd (flash/efficient on CUDA).
  defAutograd(env, exports, "attention", attention);
  defAutograd(env, exports, "attentionGrad", attentionGrad);
  defAutograd(env, exports, "packedAttention", packedAttention);
  defAutograd(env, exports, "packedAttentionGrad", packedAttentionGrad);
  def(env, exports, "attentionStats", attentionStats);
}

}  // namespace lorats
