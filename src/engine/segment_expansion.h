// Expanding segment references at the engine's boundary (PRODUCT.md C1, C4).
#pragma once

#include <string_view>

#include "core/filter.h"
#include "core/result.h"
#include "store/store.h"

namespace crier::engine {

// `filter` with every segment reference replaced by the segment's definition as the store
// holds it now, read in one snapshot (Store::ResolveSegments), so a broadcast or a count that
// uses a segment sees its current members. Every evaluation path (counts, lists, preview,
// planning) calls this first: the audience index only ever sees expanded trees. Errors are
// filter::ExpandSegments' (an unknown segment, a cycle, a bound; Error::field is `field`) or
// the store's. A filter without references costs no store read.
Result<filter::Node> ExpandWithStore(Store& store, const filter::Node& filter,
                                     std::string_view field);

}  // namespace crier::engine
