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

std::string_view ToString(NextAction a) {
  switch (a) {
    case NextAction::kRetryWithBackoff:
      return "retry_with_backoff";
    case NextAction::kSlowAccount:
      return "slow_account";
    case NextAction::kSuppressRecipient:
      return "suppress_recipient";
    case NextAction::kSkip:
      return "skip";
    case NextAction::kPauseAccount:
      return "pause_account";
    case NextAction::kFailDelivery:
      return "fail_delivery";
  }
  return "unknown";
}

NextAction NextActionOf(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRetryLater:
      return NextAction::kRetryWithBackoff;
    case ErrorClass::kSlowDown:
      return NextAction::kSlowAccount;
    case ErrorClass::kRecipientUnreachable:
      return NextAction::kSuppressRecipient;
    case ErrorClass::kPolicy:
      return NextAction::kSkip;
    case ErrorClass::kChannelHalted:
    case ErrorClass::kAuth:
      return NextAction::kPauseAccount;
    case ErrorClass::kInvalidRequest:
    case ErrorClass::kUnknownOutcome:
      return NextAction::kFailDelivery;
  }
  return NextAction::kFailDelivery;
}

}  // namespace crier::channels
