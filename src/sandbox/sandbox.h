// Sandbox: an in-process stand-in for the Messenger and Instagram Send API (Graph
// `POST /{version}/{page-id}/messages`), plus loopback control endpoints under `/__sandbox/`
// that tests use to register Pages, record user interactions, read back what was accepted
// and move the sandbox's clock.
//
// It checks a request the way Graph does — token, Page, parameters, message tags as of the
// sandbox's own date, the recipient's messaging window — and answers with Graph's success
// and error shapes (graph_rules.h holds the facts). It shares no code with crier's send path
// on purpose: it is the platform's point of view.
//
// Thread-safety: Handle() may be called concurrently from any number of threads. The send
// path takes a shared lock on Pages and interactions and a short exclusive lock to append
// the record, so it stays cheap under load.
#pragma once

#include <memory>

#include "core/clock.h"
#include "net/http.h"

namespace crier::sandbox {

class Sandbox {
 public:
  // `clock` is borrowed and must outlive the sandbox. The sandbox's time is the clock's time
  // plus an offset set through `POST /__sandbox/clock` (zero at start).
  explicit Sandbox(const Clock& clock);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Answers one HTTP request. Never throws; every failure is an HTTP answer:
  // - Graph routes answer 200 `{"recipient_id","message_id"}` or 400 with Graph's envelope
  //   `{"error":{"message","type","code","error_subcode"?,"fbtrace_id"}}`.
  // - `/__sandbox/...` routes answer crier's envelope
  //   `{"error":{"code","message","field"?}}` with 400/404/405/409 on bad input.
  net::Response Handle(const net::Request& request);

  // The sandbox's current time (the clock plus the offset).
  Time Now() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crier::sandbox
