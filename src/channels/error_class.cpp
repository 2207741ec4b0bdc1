#include "channels/adapter.h"

namespace crier::channels {

std::string_view ToString(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRetryLater:
      return "retry_later";
    case ErrorClass::kSlowDown:
      return "slow_down";
    case ErrorClass::kRecipientUnreachable:
      return "recipient_unreachable";
    case ErrorClass::kPolicy:
      return "policy";
    case ErrorClass::kChannelHalted:
      return "channel_halted";
    case ErrorClass::kAuth:
      return "auth";
    case ErrorClass::kInvalidRequest:
      return "invalid_request";
    case ErrorClass::kUnknownOutcome:
      return "unknown_outcome";
  }
  return "unknown";
}

}  // namespace crier::channels
