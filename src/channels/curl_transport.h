// The libcurl multi Transport, exposed beyond MakeCurlTransport for the counters tests and
// benchmarks read.
#pragma once

#include <cstdint>
#include <memory>

#include "channels/transport.h"
#include "core/result.h"

namespace crier::channels {

// One curl multi handle driving up to `max_in_flight` reusable easy handles; requests past
// that bound wait in a FIFO queue and start as others finish. Connections are kept alive and
// shared by host. Single-threaded like every Transport.
//
// Poll returns as soon as at least one result is ready (or max_wait passed); with nothing on
// the wire it waits the whole max_wait, so a caller that is only waiting for its next pacing
// token does not spin. A transfer that gets no complete HTTP answer (refused, timed out,
// malformed URL, response body over 4 MiB) comes back with status 0 and transport_error set.
class CurlTransport : public Transport {
 public:
  // Fails with kInternal when libcurl cannot be initialised, kInvalidArgument when an option
  // is out of range (the field names the option).
  static Result<std::unique_ptr<CurlTransport>> Create(const TransportOptions& options);

  // Requests given to Start whose result Poll has not yet returned (queued or on the wire).
  int in_flight() const override = 0;
  // Requests on the wire now (at most max_in_flight).
  virtual int active() const = 0;
  // New TCP connections made so far; lower than completed requests when keep-alive works.
  virtual std::uint64_t connections_opened() const = 0;
};

}  // namespace crier::channels
