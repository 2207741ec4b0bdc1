#include "channels/curl_transport.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace crier::channels {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Distinct header sets kept as ready-made curl lists. A few accounts each have one set, so
// this is far above what a dispatcher needs; past it, idle sets are dropped.
constexpr std::size_t kMaxCachedHeaderSets = 256;

// A platform answer is a few hundred bytes; anything this large is a misdirected URL or a
// broken proxy, and must not grow the dispatcher's memory without bound.
constexpr std::size_t kMaxResponseBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxResponseHeaders = 64;

constexpr std::string_view kNoAnswer = "no HTTP answer";
constexpr std::string_view kBodyTooLarge = "response body too large (over 4 MiB)";

bool GlobalInit() {
  // Thread-safe under C++ static initialisation; libcurl wants it done once before use.
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

// Response headers the callers read: Retry-After, the body's type, and every X-* header
// (X-Business-Use-Case-Usage, X-Line-Request-Id, ...). Others are dropped to save copies.
bool WantHeader(std::string_view name) {
  if (name.size() >= 2 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-') return true;
  const auto is = [&](std::string_view want) {
    return name.size() == want.size() && strncasecmp(name.data(), want.data(), want.size()) == 0;
  };
  return is("Retry-After") || is("Content-Type");
}

int ClampMs(std::int64_t ms) {
  return static_cast<int>(std::clamp<std::int64_t>(ms, 0, INT32_MAX));
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() &&
         (v.back() == '\r' || v.back() == '\n' || v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

struct HeaderSet {
  curl_slist* list = nullptr;
  int users = 0;  // transfers in flight using `list`
};

struct Slot {
  CURL* easy = nullptr;
  bool busy = false;
  OutboundRequest request;  // owns the URL and body for the transfer's lifetime
  TransportResult result;
  HeaderSet* header_set = nullptr;    // shared, from the cache
  curl_slist* own_headers = nullptr;  // when the cache was full
  SteadyClock::time_point started;
  bool body_too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* slot = static_cast<Slot*>(user);
  const size_t n = size * count;
  if (slot->result.body.size() + n > kMaxResponseBodyBytes) {
    slot->body_too_large = true;
    return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
  }
  slot->result.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* slot = static_cast<Slot*>(user);
  const std::string_view line(data, size * count);
  // A new status line starts a new header block (after a 100 Continue or a redirect).
  if (line.starts_with("HTTP/")) {
    slot->result.headers.clear();
    return line.size();
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  const std::string_view name = line.substr(0, colon);
  if (WantHeader(name) && slot->result.headers.size() < kMaxResponseHeaders) {
    slot->result.headers.emplace_back(std::string(name), std::string(Trim(line.substr(colon + 1))));
  }
  return line.size();
}

class CurlTransportImpl final : public CurlTransport {
 public:
  CurlTransportImpl(const TransportOptions& options, CURLM* multi)
      : options_(options), multi_(multi) {
    slots_.reserve(static_cast<std::size_t>(options_.max_in_flight));
    free_.reserve(static_cast<std::size_t>(options_.max_in_flight));
  }

  ~CurlTransportImpl() override {
    for (auto& slot : slots_) {
      if (slot->busy) curl_multi_remove_handle(multi_, slot->easy);
      curl_easy_cleanup(slot->easy);
      curl_slist_free_all(slot->own_headers);
    }
    for (auto& [key, set] : header_sets_) curl_slist_free_all(set.list);
    curl_multi_cleanup(multi_);
  }

  void Start(std::uint64_t tag, OutboundRequest request) override {
    ++outstanding_;
    if (active_ < options_.max_in_flight && queue_.empty()) {
      Launch(tag, std::move(request));
    } else {
      queue_.push_back(Pending{tag, std::move(request)});
    }
  }

  void Poll(std::chrono::milliseconds max_wait, std::vector<TransportResult>& done) override {
    const std::size_t before = done.size();
    Deliver(ready_, done);
    LaunchQueued();
    Deliver(ready_, done);
    if (active_ == 0) {
      // Nothing on the wire: the caller is waiting for time to pass (the next pacing token),
      // so wait as asked rather than make it spin.
      if (done.size() == before && max_wait.count() > 0) {
        curl_multi_poll(multi_, nullptr, 0, ClampMs(max_wait.count()), nullptr);
      }
      return;
    }

    const auto deadline = SteadyClock::now() + max_wait;
    for (;;) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      if (Harvest(done) > 0) {
        // Put the requests that were waiting for a free handle on the wire before the
        // caller spends time on the results.
        curl_multi_perform(multi_, &running);
        Harvest(done);
      }
      Deliver(ready_, done);
      if (done.size() > before || active_ == 0) return;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return;
      curl_multi_poll(multi_, nullptr, 0, ClampMs(left.count()), nullptr);
    }
  }

  int in_flight() const override { return outstanding_; }
  int active() const override { return active_; }
  std::uint64_t connections_opened() const override { return connections_opened_; }

 private:
  struct Pending {
    std::uint64_t tag;
    OutboundRequest request;
  };

  static void Deliver(std::vector<TransportResult>& from, std::vector<TransportResult>& to) {
    for (auto& r : from) to.push_back(std::move(r));
    from.clear();
  }

  void Fail(std::uint64_t tag, std::string_view why) {
    TransportResult r;
    r.tag = tag;
    r.transport_error = why;
    ready_.push_back(std::move(r));
    --outstanding_;
  }

  Slot* AcquireSlot() {
    if (!free_.empty()) {
      Slot* s = free_.back();
      free_.pop_back();
      return s;
    }
    CURL* easy = curl_easy_init();
    if (easy == nullptr) return nullptr;
    auto slot = std::make_unique<Slot>();
    slot->easy = easy;
    Configure(*slot);
    slots_.push_back(std::move(slot));
    return slots_.back().get();
  }

  // Options that stay the same for every transfer on this handle.
  void Configure(Slot& s) {
    CURL* e = s.easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, &s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s.error);
    if (options_.http2) {
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
      // Wait for a connection that can multiplex rather than opening a new one.
      curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    }
  }

  // The curl list for `headers`, shared by every request with the same set; nullptr when the
  // cache is full of sets in use (the caller then builds its own).
  HeaderSet* SharedHeaders(const net::Headers& headers) {
    key_.clear();
    for (const auto& [k, v] : headers) {
      key_.append(k).append(": ").append(v).push_back('\n');
    }
    if (auto it = header_sets_.find(key_); it != header_sets_.end()) return &it->second;
    if (header_sets_.size() >= kMaxCachedHeaderSets) {
      std::erase_if(header_sets_, [](auto& entry) {
        if (entry.second.users > 0) return false;
        curl_slist_free_all(entry.second.list);
        return true;
      });
      if (header_sets_.size() >= kMaxCachedHeaderSets) return nullptr;
    }
    curl_slist* list = BuildList(headers);
    if (list == nullptr) return nullptr;
    return &header_sets_.emplace(key_, HeaderSet{list, 0}).first->second;
  }

  static curl_slist* BuildList(const net::Headers& headers) {
    curl_slist* list = nullptr;
    std::string line;
    for (const auto& [k, v] : headers) {
      line.assign(k).append(": ").append(v);
      curl_slist* next = curl_slist_append(list, line.c_str());
      if (next == nullptr) {
        curl_slist_free_all(list);
        return nullptr;
      }
      list = next;
    }
    // A 100-continue round trip would add a full RTT to every POST over 1 KiB.
    curl_slist* next = curl_slist_append(list, "Expect:");
    if (next == nullptr) curl_slist_free_all(list);
    return next;
  }

  void Launch(std::uint64_t tag, OutboundRequest request) {
    Slot* s = AcquireSlot();
    if (s == nullptr) {
      Fail(tag, "libcurl could not create a handle");
      return;
    }
    s->request = std::move(request);
    s->result.tag = tag;
    s->error[0] = '\0';
    s->body_too_large = false;
    CURL* e = s->easy;
    const OutboundRequest& req = s->request;

    curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
    if (req.method == "GET") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                       req.method == "POST" ? nullptr : req.method.c_str());
    }

    s->header_set = SharedHeaders(req.headers);
    if (s->header_set != nullptr) {
      ++s->header_set->users;
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->header_set->list);
    } else {
      s->own_headers = BuildList(req.headers);
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->own_headers);
    }

    s->started = SteadyClock::now();
    if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
      Release(*s);
      Fail(tag, "libcurl refused the transfer");
      return;
    }
    s->busy = true;
    ++active_;
  }

  void LaunchQueued() {
    while (active_ < options_.max_in_flight && !queue_.empty()) {
      Pending next = std::move(queue_.front());
      queue_.pop_front();
      Launch(next.tag, std::move(next.request));
    }
  }

  // Gives the slot's header list back and puts the slot on the free list.
  void Release(Slot& s) {
    if (s.header_set != nullptr) --s.header_set->users;
    s.header_set = nullptr;
    curl_slist_free_all(s.own_headers);
    s.own_headers = nullptr;
    s.result = TransportResult{};
    free_.push_back(&s);
  }

  // Moves every finished transfer to `done` and refills the wire from the queue. Returns
  // how many finished.
  int Harvest(std::vector<TransportResult>& done) {
    int finished = 0;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      const CURLcode rc = msg->data.result;  // `msg` dies with remove_handle
      char* priv = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
      Slot& s = *reinterpret_cast<Slot*>(priv);
      Complete(s, rc);
      curl_multi_remove_handle(multi_, e);
      s.busy = false;
      --active_;
      --outstanding_;
      done.push_back(std::move(s.result));
      Release(s);
      ++finished;
    }
    if (finished > 0) LaunchQueued();
    return finished;
  }

  void Complete(Slot& s, CURLcode rc) {
    TransportResult& r = s.result;
    r.elapsed = SteadyClock::now() - s.started;
    long connects = 0;
    if (curl_easy_getinfo(s.easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
      connections_opened_ += static_cast<std::uint64_t>(connects);
    }
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(s.easy, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      if (r.status == 0) r.transport_error = kNoAnswer;
      r.request_sent = true;
      return;
    }
    // A half-read answer is no answer: the caller must not act on part of a body.
    long request_bytes = 0;
    curl_easy_getinfo(s.easy, CURLINFO_REQUEST_SIZE, &request_bytes);
    r.request_sent = request_bytes > 0 || s.body_too_large;
    r.status = 0;
    r.body.clear();
    r.headers.clear();
    r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    if (s.body_too_large) {
      r.transport_error = kBodyTooLarge;
    } else {
      r.transport_error = s.error[0] != '\0' ? std::string(s.error) : curl_easy_strerror(rc);
    }
  }

  TransportOptions options_;
  CURLM* multi_;
  std::vector<std::unique_ptr<Slot>> slots_;  // every handle ever made, at most max_in_flight
  std::vector<Slot*> free_;
  std::deque<Pending> queue_;           // started by the caller, waiting for a handle
  std::vector<TransportResult> ready_;  // failed before reaching the wire
  std::unordered_map<std::string, HeaderSet> header_sets_;
  std::string key_;  // reused to look header sets up without allocating
  int active_ = 0;
  int outstanding_ = 0;
  std::uint64_t connections_opened_ = 0;
};

}  // namespace

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(const TransportOptions& options) {
  if (options.max_in_flight < 1) return InvalidArgument("max_in_flight", "must be at least 1");
  if (options.max_connections_per_host < 1) {
    return InvalidArgument("max_connections_per_host", "must be at least 1");
  }
  if (options.connect_timeout_ms < 1) {
    return InvalidArgument("connect_timeout_ms", "must be at least 1");
  }
  if (options.request_timeout_ms < 1) {
    return InvalidArgument("request_timeout_ms", "must be at least 1");
  }
  if (!GlobalInit()) return Internal("libcurl could not be initialised");
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return Internal("libcurl could not create a multi handle");
  const long per_host = options.max_connections_per_host;
  const long total = std::max<long>(options.max_in_flight, per_host);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_host);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total);
  // Keep every connection we may need alive between bursts.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, total);
  if (options.http2) curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  return std::unique_ptr<CurlTransport>(std::make_unique<CurlTransportImpl>(options, multi));
}

Result<std::unique_ptr<Transport>> MakeCurlTransport(const TransportOptions& options) {
  auto made = CurlTransport::Create(options);
  if (!made.ok()) return made.error();
  return std::unique_ptr<Transport>(std::move(made).value());
}

}  // namespace crier::channels
