// The JSON form of the audience filter (PRODUCT.md C1, C2), the API's twin of the text form
// in core/filter.h: the same tree either way. Every node is an object with exactly one key:
//
//   {"and": [F, ...]}        all of; {"and": []} matches everyone, one element is that element
//   {"or": [F, ...]}         any of; at least one element
//   {"not": F}
//   {"tag": {"any": ["vip", "gold"]}}        also "all" and "none"; a non-empty list
//   {"subscription": "subscribed"}           or "unsubscribed"
//   {"subscribed_at": WHEN}
//   {"interacted": WHEN}                     WHEN may add "channel_account_id": 12
//   {"attr": {"key": "city", "op": "eq", "value": "Taipei"}}
//        op: eq ne lt le gt ge contains exists; value: a string, a number, true/false or
//        {"time": "2026-11-01T00:00:00Z"}; no value for exists, a string for contains;
//        true/false only with eq and ne
//   {"locale": ["zh_TW", "en_US"]}           any of, exact match
//   {"time_zone": ["Asia/Taipei"]}           any of
//   {"state": "open"}                        or "in_progress", "closed"
//   {"assignee": "alice"}                    or null for "assigned to nobody"
//   {"account": 12}                          has an identity on channel account 12
//   {"ids": [1, 2, 3]}                       an explicit selection
//   {"segment": "vip"}                       the saved segment named "vip", as it is defined
//                                            whenever the filter is evaluated
//   "tag:vip and interacted < 24h"           a string is read as the text form
//
// WHEN compares the contact's time with a point, an age ("24h": 24 h before now, resolved
// on the run's clock) or an RFC 3339 time:
//   {"within": "24h"}                        less than 24 h ago (time after now - 24h)
//   {"before": "7d"} / {"before": TIME}      more than 7 days ago / earlier than TIME
//   {"after": "7d"} / {"after": TIME}        less than 7 days ago / later than TIME
//   {"op": "le", "ago": "24h"} / {"op": "eq", "time": TIME}
//        the general form: op (eq ne lt le gt ge) applies to the time itself, so "lt" is
//        "before" and "gt" is "after".
//
// Errors are InvalidArgument with Error::field the JSON path of the fault
// ("filter.and[1].tag.any") and a message saying what was expected and what was found.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "core/filter.h"
#include "core/result.h"

namespace crier::api {

// Reads the JSON form found at `path` (used in error fields). Nesting deeper than 64
// levels is refused. Never throws.
Result<filter::Node> FilterFromJson(const boost::json::value& json,
                                    std::string_view path = "filter");

// The canonical JSON form; FilterFromJson(FilterToJson(n)) == n for every well-formed tree.
boost::json::value FilterToJson(const filter::Node& node);

}  // namespace crier::api
