#include "net/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <optional>

namespace crier::net {
namespace {

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    static_cast<Headers*>(user)->emplace_back(std::string(line.substr(0, colon)),
                                              std::string(value));
  }
  return size * count;
}

// An answer's body that is not for the sink is an error message: its start is enough.
constexpr std::size_t kMaxErrorBody = 64 * 1024;

struct StreamState {
  CURL* curl = nullptr;
  const StreamRequest* request = nullptr;
  ClientResponse* out = nullptr;
  std::optional<Error> failure;  // the source's or the sink's
  bool head_told = false;
};

long ResponseCode(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

void TellHead(StreamState& state) {
  if (state.head_told) return;
  state.head_told = true;
  if (state.request->on_head) {
    state.request->on_head(static_cast<int>(ResponseCode(state.curl)), state.out->headers);
  }
}

// Collects headers as WriteHeader does, and tells the caller once the final answer's head
// (not a 1xx interim one) is complete.
size_t StreamHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<StreamState*>(user);
  WriteHeader(data, size, count, &state->out->headers);
  const std::string_view line(data, size * count);
  if ((line == "\r\n" || line == "\n") && ResponseCode(state->curl) >= 200) TellHead(*state);
  return size * count;
}

size_t ReadSource(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<StreamState*>(user);
  auto n = state->request->source(buffer, size * count);
  if (!n.ok()) {
    state->failure = n.error();
    return CURL_READFUNC_ABORT;
  }
  return std::min(*n, size * count);
}

size_t WriteSink(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<StreamState*>(user);
  const size_t n = size * count;
  TellHead(*state);
  const long status = ResponseCode(state->curl);
  if (status >= 200 && status < 300 && state->request->sink) {
    const Status taken = state->request->sink(std::string_view(data, n));
    if (!taken.ok()) {
      state->failure = taken.error();
      return 0;  // aborts the transfer
    }
    return n;
  }
  std::string& body = state->out->body;
  body.append(data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
  return n;
}

}  // namespace

HttpClient::HttpClient() : curl_(curl_easy_init()) {}
HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<ClientResponse> HttpClient::Send(std::string_view method, const std::string& url,
                                        const Headers& headers, const std::string& body,
                                        int timeout_ms) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Internal("libcurl could not be initialised");
  curl_easy_reset(curl);
  ClientResponse out;
  const std::string method_str(method);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  if (method_str == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method_str == "POST" || method_str == "PUT" || method_str == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  if (FindHeader(headers, "Content-Type") == std::nullopt && !body.empty()) {
    list = curl_slist_append(list, "Content-Type: application/json");
  }
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    return Error{ErrorCode::kUnavailable,
                 std::string("request to ") + url + " failed: " + curl_easy_strerror(rc),
                 {}};
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  return out;
}

Result<ClientResponse> HttpClient::Stream(const StreamRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Internal("libcurl could not be initialised");
  curl_easy_reset(curl);
  ClientResponse out;
  StreamState state{curl, &request, &out, std::nullopt};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(request.stall_timeout_ms / 1000)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteSink);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, StreamHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
  curl_slist* list = nullptr;
  if (request.source) {
    // POST with a read callback and no size: libcurl sends the body chunked.
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadSource);
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    list = curl_slist_append(list, "Transfer-Encoding: chunked");
  } else if (!request.body.empty() || request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  for (const auto& [k, v] : request.headers) {
    list = curl_slist_append(list, (k + ": " + v).c_str());
  }
  if (FindHeader(request.headers, "Content-Type") == std::nullopt &&
      (request.source || !request.body.empty())) {
    list = curl_slist_append(list, "Content-Type: application/json");
  }
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (state.failure) return *state.failure;
  if (rc != CURLE_OK) {
    return Error{ErrorCode::kUnavailable,
                 std::string("request to ") + request.url + " failed: " + curl_easy_strerror(rc),
                 {}};
  }
  TellHead(state);  // an answer without a body
  out.status = static_cast<int>(ResponseCode(curl));
  return out;
}

}  // namespace crier::net
