// What the sandbox accepted and refused, for tests and demos to read back: every accepted
// message with its platform, account, recipient, route, body and time, and refusals and
// injected faults counted by platform and code.
//
// Thread-safe: every method may be called from any thread; the lock is held only to append,
// count or copy a page.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "net/http.h"
#include "sandbox/common.h"

namespace crier::sandbox::detail {

struct Record {
  std::int64_t seq = 0;  // set by Recorder::Append
  Platform platform = Platform::kMessenger;
  std::string account;    // Page id, "act_<id>", phone-number id or LINE channel id
  std::string recipient;  // PSID / IGSID, wa_id or BSUID, LINE user id
  // The way it went, in crier's vocabulary: standard_window, message_tag, utility_template,
  // marketing_token, marketing_message_api, whatsapp_template, line_push, line_multicast
  // (WhatsApp free-form messages inside the customer service window are standard_window).
  std::string route;
  std::string message_id;
  bool delivered = true;  // false: accepted but not delivered (LINE: blocked or unknown user)
  // Graph's legacy fields (Messenger and Instagram Send API only).
  std::string messaging_type;
  std::string tag;
  std::string message_json;  // the `message` object
  // Platform-specific facts of the route, a serialized JSON object ("" when none), e.g.
  // {"template":{"name","language","category"}} or {"retry_key":...}.
  std::string detail_json;
  // The request body as received; one copy shared by every recipient of a multicast.
  std::shared_ptr<const std::string> body;
  Time received_at{};
};

// The fates of requests the fault injector touched.
enum class FaultKind { kDelayed, kError, kTimeout };

class Recorder {
 public:
  // Stores the records of one accepted request (a multicast has one per recipient), counts
  // the request as accepted and returns the first sequence number.
  std::int64_t Accept(std::vector<Record> records, Platform platform);
  // An accepted request that records nothing (Graph's sender_action).
  void AcceptUnrecorded(Platform platform);
  void Refuse(Platform platform, const std::string& code);
  void Fault(Platform platform, FaultKind kind);

  // GET /__sandbox/messages: `after`, `limit`, and filters `platform`, `account` (also
  // spelled `page_id`, the name it had when only Pages were played).
  net::Response List(const net::Request& request);
  // DELETE /__sandbox/messages: clears the record and every count; sequence numbers go on.
  net::Response Clear();
  // GET /__sandbox/stats.
  net::Response Stats();

 private:
  struct Counts {
    std::int64_t accepted = 0;
    std::int64_t refused = 0;
    std::map<std::string, std::int64_t> refused_by_code;
    std::int64_t delayed = 0;
    std::int64_t errors = 0;
    std::int64_t timeouts = 0;
  };
  Counts& CountsOf(Platform p) { return counts_[static_cast<std::size_t>(p)]; }

  std::mutex mu_;
  std::vector<Record> records_;                   // GUARDED_BY(mu_), ascending seq
  std::int64_t next_seq_ = 1;                     // GUARDED_BY(mu_)
  std::array<Counts, kPlatforms.size()> counts_;  // GUARDED_BY(mu_)
};

}  // namespace crier::sandbox::detail
