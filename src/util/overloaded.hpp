#pragma once
// Overloaded{lambdas...}: the usual helper for std::visit over a variant.

namespace shelltrail::util {

template <class... Ts>
struct Overloaded : Ts...
{
  using Ts::operator()...;
};
// clang 14 has no aggregate deduction, so the guide is spelled out.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

} // namespace shelltrail::util
