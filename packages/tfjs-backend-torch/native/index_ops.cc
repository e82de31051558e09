// Indexing kernels: gather, scatter, segment sums, one-hot, select, top-k, sampling.
#include "common.h"

namespace lorats {
namespace {

at::Tensor longIndex(const at::Tensor& idx) { return dev(idx).to(at::kLong); }

/** gather(x, indices, axis, batchDims) with tfjs GatherV2 semantics (shapes computed here). */
Napi::Value gather(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  auto idx = longIndex(argT(info, 1));
  const auto axis = argI(info, 2);
  const auto batchDims = argI(info, 3);
  const auto dim = x.size(axis);
  checkIndexRange(idx, 0, dim, "GatherV2", rangeOf(info, 1));
  // [batch, outer, dim, slice] gathered along 2 by [batch, n]
  int64_t batch = 1, outer = 1, slice = 1;
  for (int64_t i = 0; i < batchDims; i++) batch *= x.size(i);
  for (int64_t i = batchDims; i < axis; i++) outer *= x.size(i);
  for (int64_t i = axis + 1; i < x.dim(); i++) slice *= x.size(i);
  std::vector<int64_t> outShape;
  for (int64_t i = 0; i < axis; i++) outShape.push_back(x.size(i));
  for (int64_t i = batchDims; i < idx.dim(); i++) outShape.push_back(idx.size(i));
  for (int64_t i = axis + 1; i < x.dim(); i++) outShape.push_back(x.size(i));
  if (batch == 1) {
    auto y = x.reshape({outer, dim, slice}).index_select(1, idx.reshape({-1}));
    return out(info.Env(), y.reshape(outShape));
  }
  const auto n = batch == 0 ? 0 : idx.numel() / batch;
  auto x4 = x.reshape({batch, outer, dim, slice});
  auto i4 = idx.reshape({batch, 1, n, 1}).expand({batch, outer, n, slice});
  return out(info.Env(), at::gather(x4, 2, i4).reshape(outShape));
}

/** Flattens the leading K dims of `shape` into linear row indices from indices [..., K]. */
at::Tensor linearRows(const at::Tensor& idx, at::IntArrayRef shape, int64_t* rows) {
  const auto K = idx.size(-1);
  std::vector<int64_t> strides(K);
  int64_t s = 1;
  for (int64_t k = K - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k];
  }
  *rows = s;
  auto st = at::tensor(strides, at::TensorOptions().dtype(at::kLong)).to(idx.device());
  return (idx * st).sum(-1);
}

/** gatherNd(params, indices) */
Napi::Value gatherNd(const Napi::CallbackInfo& info) {
  const auto params = dev(argT(info, 0));
  const auto idx = longIndex(argT(info, 1));
  const auto K = idx.size(-1);
  int64_t rows = 0;
  auto lin = linearRows(idx, params.sizes(), &rows);
  checkIndexRange(lin, 0, rows, "GatherNd", IndexRange());
  std::vector<int64_t> rest(params.sizes().begin() + K, params.sizes().end());
  std::vector<int64_t> flat{rows};
  flat.insert(flat.end(), rest.begin(), rest.end());
  auto y = params.reshape(flat).index_select(0, lin.reshape({-1}));
  std::vector<int64_t> outShape(idx.sizes().begin(), idx.sizes().end() - 1);
  outShape.insert(outShape.end(), rest.begin(), rest.end());
  return out(info.Env(), y.reshape(outShape));
}

/** scatterNd(indices, updates, shape[]) sums duplicates; tensorScatterUpdate(tensor, indices, updates) overwrites. */
at::Tensor scatter(at::Tensor base, const at::Tensor& indices, const at::Tensor& updates, bool accumulate) {
  const auto idx = longIndex(indices);
  const auto K = idx.size(-1);
  const auto shape = base.sizes().vec();
  int64_t rows = 0;
  auto lin = linearRows(idx, shape, &rows).reshape({-1});
  checkIndexRange(lin, 0, rows, accumulate ? "ScatterNd" : "TensorScatterUpdate", IndexRange());
  std::vector<int64_t> flat{rows};
  flat.insert(flat.end(), shape.begin() + K, shape.end());
  std::vector<int64_t> upd{lin.size(0)};
  upd.insert(upd.end(), shape.begin() + K, shape.end());
  auto b = base.reshape(flat);
  auto u = dev(updates).to(base.scalar_type()).reshape(upd);
  if (accumulate) b.index_add_(0, lin, u);
  else b.index_copy_(0, lin, u);
  return b.reshape(shape);
}

Napi::Value scatterNd(const Napi::CallbackInfo& info) {
  const auto indices = argT(info, 0);
  const auto updates = argT(info, 1);
  const auto shape = argIV(info, 2);
  auto base = at::zeros(shape, at::TensorOptions().dtype(updates.scalar_type()).device(device()));
  return out(info.Env(), scatter(base, indices, updates, true));
}

Napi::Value tensorScatterUpdate(const Napi::CallbackInfo& info) {
  auto base = dev(argT(info, 0)).clone(at::MemoryFormat::Contiguous);
  return out(info.Env(), scatter(base, argT(info, 1), argT(info, 2), false));
}

/** unsortedSegmentSum(x, segmentIds, numSegments): ids outside [0, numSegments) are dropped */
Napi::Value unsortedSegmentSum(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto ids = longIndex(argT(info, 1)).reshape({-1});
  const auto num = argI(info, 2);
  const auto k = argT(info, 1).dim();
  std::vector<int64_t> rest(x.sizes().begin() + k, x.sizes().end());
  std::vector<int64_t> shape{num + 1};
  shape.insert(shape.end(), rest.begin(), rest.end());
  std::vector<int64_t> src{ids.size(0)};
  src.insert(src.end(), rest.begin(), rest.end());
  // invalid ids go to an extra row that is dropped: no host sync needed
  auto safe = at::where((ids >= 0).logical_and(ids < num), ids, at::full_like(ids, num));
  auto acc = at::zeros(shape, x.options().dtype(x.scalar_type() == at::kBool ? at::kInt : x.scalar_type()));
  acc.index_add_(0, safe, x.reshape(src).to(acc.scalar_type()));
  return out(info.Env(), acc.narrow(0, 0, num));
}

/** oneHot(indices, depth, on, off, dtype) */
Napi::Value oneHot(const Napi::CallbackInfo& info) {
  const auto idx = longIndex(argT(info, 0));
  const auto depth = argI(info, 1);
  const auto on = argF(info, 2);
  const auto off = argF(info, 3);
  const auto code = static_cast<int32_t>(argI(info, 4));
  auto hit = idx.unsqueeze(-1) == at::arange(depth, idx.options());
  auto opt = at::TensorOptions().dtype(at::kDouble).device(device());
  auto y = at::where(hit, at::scalar_tensor(on, opt), at::scalar_tensor(off, opt));
  return out(info.Env(), castTo(y, code));
}

/** select(condition, t, e): a rank-1 condition picks rows of higher-rank t/e */
Napi::Value select(const Napi::CallbackInfo& info) {
  auto c = ew(argT(info, 0)).to(at::kBool);
  const auto t = ew(argT(info, 1));
  const auto e = ew(argT(info, 2));
  if (c.dim() == 1 && t.dim() > 1) {
    std::vector<int64_t> s(static_cast<size_t>(t.dim()), 1);
    s[0] = c.size(0);
    c = c.reshape(s);
  }
  return out(info.Env(), at::where(dev(c), dev(t), dev(e)));
}

/** topk(x, k, sorted) -> [values, indices int32] */
Napi::Value topk(const Napi::CallbackInfo& info) {
  auto x = dev(argT(info, 0));
  const auto k = argI(info, 1);
  if (x.dim() == 0) x = x.reshape({1});
  auto r = at::topk(x, k, -1, true, true);
  return outs(info.Env(), {std::get<0>(r), std::get<1>(r).to(at::kInt)});
}

/** f with the device's default generator seeded (withSeed), or as it is for seed < 0 (unseeded). */
template <typename F>
at::Tensor seeded(double seed, F f) {
  return seed < 0 ? f() : withSeed(seed, f);
}

/** multinomial(logits, numSamples, seed, normalized) -> int32 [batch, numSamples], with replacement */
Napi::Value multinomial(const Napi::CallbackInfo& info) {
  const auto logits = dev(argT(info, 0)).to(at::kFloat);
  const auto n = argI(info, 1);
  const auto seed = argF(info, 2);
  const bool normalized = argB(info, 3);
  auto probs = normalized ? logits : at::softmax(logits, -1);
  auto y = seeded(seed, [&] { return at::multinomial(probs, n, true); });
  return out(info.Env(), y.to(at::kInt));
}

/** random(kind, shape[], a, b, seed): uniform [a, b), normal (mean a, std b), dropout mask (rate a: 0 or 1/(1-a)) */
Napi::Value random(const Napi::CallbackInfo& info) {
  const auto kind = argS(info, 0);
  const auto shape = argIV(info, 1);
  const auto a = argF(info, 2);
  const auto b = argF(info, 3);
  const auto seed = argF(info, 4);
  const auto o = at::TensorOptions().dtype(at::kFloat).device(device());
  at::Tensor y;
  if (kind == "uniform") y = seeded(seed, [&] { return at::empty(shape, o).uniform_(a, b); });
  else if (kind == "normal") y = seeded(seed, [&] { return at::empty(shape, o).normal_(a, b); });
  else if (kind == "dropout") {
    y = seeded(seed, [&] { return at::empty(shape, o).bernoulli_(1.0 - a); });
    if (a < 1) y.mul_(1.0 / (1.0 - a));
  } else throw std::runtime_error("unknown random kind " + kind);
  return out(info.Env(), y);
}

/** einsum(equation, handles[]) */
Napi::Value einsum(const Napi::CallbackInfo& info) {
  auto ts = argTs(info, 1);
  for (auto& t : ts) t = dev(t);
  return out(info.Env(), at::einsum(argS(info, 0), ts));
}

/** searchSorted(sorted [b, n], values [b, m], right) -> int32 */
Napi::Value searchSorted(const Napi::CallbackInfo& info) {
  const auto s = dev(argT(info, 0)).contiguous();
  const auto v = dev(argT(info, 1)).contiguous();
  return out(info.Env(), at::searchsorted(s, v, false, argB(info, 2)).to(at::kInt));
}

/** bandPart(x, lower, upper): keeps the band of the last two dims; negative = keep all */
Napi::Value bandPart(const Napi::CallbackInfo& info) {
  const auto x = dev(argT(info, 0));
  const auto lower = argI(info, 1);
  const auto upper = argI(info, 2);
  const auto m = x.size(-2);
  const auto n = x.size(-1);
  auto i = at::arange(m, x.options().dtype(at::kLong)).unsqueeze(1);
  auto j = at::arange(n, x.options().dtype(at::kLong)).unsqueeze(0);
  auto keep = at::ones({m, n}, x.options().dtype(at::kBool));
  if (lower >= 0) keep = keep.logical_and(i - j <= lower);
  if (upper >= 0) keep = keep.logical_and(j - i <= upper);
  return out(info.Env(), at::where(keep, x, at::zeros_like(x)));
}

}  // namespace

void registerIndexOps(Napi::Env env, Napi::Object exports) {
  def(env, exports, "gather", gather);
  def(env, exports, "gatherNd", gatherNd);
  def(env, exports, "scatterNd", scatterNd);
  def(env, exports, "tensorScatterUpdate", tensorScatterUpdate);
  def(env, exports, "unsortedSegmentSum", unsortedSegmentSum);
  def(env, exports, "oneHot", oneHot);
  def(env, exports, "select", select);
  def(env, exports, "topk", topk);
  def(env, exports, "multinomial", multinomial);
  def(env, exports, "random", random);
  def(env, exports, "einsum", einsum);
  def(env, exports, "searchSorted", searchSorted);
  def(env, exports, "bandPart", bandPart);
}

}  // namespace lorats
