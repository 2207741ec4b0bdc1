// The error mapping: every Messenger / Instagram / Marketing Message API code listed in the
// platform fact sheet, with the class it gets and what crier does next. The rows are listed
// here by hand, each citing its section, so that a change to the table shows up as a diff.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "channels/adapter.h"
#include "channels/messenger_adapter.h"

namespace crier::channels {
namespace {

using EC = ErrorClass;

struct Row {
  const char* section;
  std::int64_t code;
  std::int64_t subcode;  // 0: none
  ErrorClass expected;
};

constexpr Row kMessengerRows[] = {
    // platforms.md 1.6
    {"1.6", 1, 0, EC::kRetryLater},
    {"1.6", 2, 0, EC::kRetryLater},
    {"1.6", 4, 0, EC::kSlowDown},
    {"1.6", 4, 2018354, EC::kPolicy},
    {"1.6", 9, 2018352, EC::kPolicy},
    {"1.6", 10, 2018278, EC::kPolicy},
    {"1.6", 10, 2534022, EC::kPolicy},
    {"1.6", 10, 2018065, EC::kPolicy},
    {"1.6", 10, 2018108, EC::kRecipientUnreachable},
    {"1.6", 10, 1893015, EC::kPolicy},
    {"1.6", 10, 1404170, EC::kPolicy},
    {"1.6", 10, 1893063, EC::kChannelHalted},
    {"1.6", 100, 0, EC::kInvalidRequest},
    {"1.6", 100, 2018001, EC::kRecipientUnreachable},
    {"1.6", 100, 2018109, EC::kInvalidRequest},
    {"1.6", 100, 2534014, EC::kRecipientUnreachable},
    {"1.6", 190, 0, EC::kAuth},
    {"1.6", 200, 0, EC::kAuth},
    {"1.6", 200, 2018028, EC::kAuth},
    {"1.6", 200, 1545041, EC::kRecipientUnreachable},
    {"1.6", 551, 1545041, EC::kRecipientUnreachable},
    {"1.6", 551, 0, EC::kRecipientUnreachable},
    {"1.6", 613, 2018338, EC::kPolicy},
    {"1.6", 613, 2534040, EC::kSlowDown},
    {"1.6", 613, 1893016, EC::kPolicy},
    {"1.6", 2018300, 0, EC::kRetryLater},
    {"1.6", 2018321, 0, EC::kRetryLater},
    // 1.6, Graph-wide throttles
    {"1.6", 17, 0, EC::kSlowDown},
    {"1.6", 32, 0, EC::kSlowDown},
    {"1.6", 613, 0, EC::kSlowDown},
    {"1.6", 80001, 0, EC::kSlowDown},
    {"1.6", 80002, 0, EC::kSlowDown},
    {"1.6", 80006, 0, EC::kSlowDown},
    // 1.5: attachment fetch failures
    {"1.5", 100, 2018008, EC::kInvalidRequest},
    {"1.5", 100, 2018294, EC::kInvalidRequest},
    // 2.2: errors of the (retired) marketing-messages program, all in 1.6 too
    {"2.2", 4, 2018354, EC::kPolicy},
    {"2.2", 9, 2018352, EC::kPolicy},
    {"2.2", 10, 1404170, EC::kPolicy},
    {"2.2", 10, 1893015, EC::kPolicy},
    {"2.2", 100, 0, EC::kInvalidRequest},
    {"2.2", 613, 1893016, EC::kPolicy},
    // 2.3: the Marketing Message API
    {"2.3", 2300004, 0, EC::kInvalidRequest},
    {"2.3", 2300005, 0, EC::kInvalidRequest},
    {"2.3", 2300015, 0, EC::kChannelHalted},
    {"2.3", 2300053, 0, EC::kChannelHalted},
    {"2.3", 2300054, 0, EC::kChannelHalted},
    {"2.3", 2300034, 0, EC::kPolicy},
    {"2.3", 2300035, 0, EC::kPolicy},
    {"2.3", 2300036, 0, EC::kRecipientUnreachable},
    {"2.3", 2300052, 0, EC::kRecipientUnreachable},
    {"2.3", 2300037, 0, EC::kPolicy},
    {"2.3", 2300038, 0, EC::kInvalidRequest},
    {"2.3", 2300042, 0, EC::kPolicy},
    {"2.3", 2300043, 0, EC::kPolicy},
    {"2.3", 2300044, 0, EC::kPolicy},
    {"2.3", 2300055, 0, EC::kRetryLater},
    {"2.3", 2300061, 0, EC::kRetryLater},
    {"2.3", 2300062, 0, EC::kRetryLater},
    {"2.3", 2300078, 0, EC::kSlowDown},
    {"2.3", 2300080, 0, EC::kSlowDown},
    // 3: Instagram
    {"3", 10, 2534022, EC::kPolicy},
    {"3", 100, 2534013, EC::kAuth},
    {"3", 100, 2534015, EC::kInvalidRequest},
    {"3", 100, 2534029, EC::kChannelHalted},
    {"3", 200, 2534041, EC::kChannelHalted},
    {"3", 36103, 0, EC::kChannelHalted},
    {"3", 100, 2534014, EC::kRecipientUnreachable},
};

TEST(ErrorMappingTest, EveryMessengerCodeOfTheFactSheetHasItsClass) {
  for (const Row& row : kMessengerRows) {
    const auto got = MessengerErrorClass(row.code, row.subcode);
    ASSERT_TRUE(got.has_value()) << "section " << row.section << " code " << row.code << "/"
                                 << row.subcode;
    EXPECT_EQ(*got, row.expected) << "section " << row.section << " code " << row.code << "/"
                                  << row.subcode << " got " << ToString(*got);
  }
}

TEST(ErrorMappingTest, AnUnlistedSubcodeFallsBackOnItsCodeAndAnUnlistedCodeOnNothing) {
  EXPECT_EQ(MessengerErrorClass(10, 999), EC::kPolicy);
  EXPECT_EQ(MessengerErrorClass(100, 999), EC::kInvalidRequest);
  EXPECT_EQ(MessengerErrorClass(424242, 0), std::nullopt);
}

TEST(ErrorMappingTest, EachClassHasOneNextAction) {
  EXPECT_EQ(NextActionOf(EC::kRetryLater), NextAction::kRetryWithBackoff);
  EXPECT_EQ(NextActionOf(EC::kSlowDown), NextAction::kSlowAccount);
  EXPECT_EQ(NextActionOf(EC::kRecipientUnreachable), NextAction::kSuppressRecipient);
  EXPECT_EQ(NextActionOf(EC::kPolicy), NextAction::kSkip);
  EXPECT_EQ(NextActionOf(EC::kChannelHalted), NextAction::kPauseAccount);
  EXPECT_EQ(NextActionOf(EC::kAuth), NextAction::kPauseAccount);
  EXPECT_EQ(NextActionOf(EC::kInvalidRequest), NextAction::kFailDelivery);
  EXPECT_EQ(NextActionOf(EC::kUnknownOutcome), NextAction::kFailDelivery);
}

TEST(ErrorMappingTest, NamesAreStableAndDistinct) {
  std::set<std::string> names;
  for (const auto a :
       {NextAction::kRetryWithBackoff, NextAction::kSlowAccount, NextAction::kSuppressRecipient,
        NextAction::kSkip, NextAction::kPauseAccount, NextAction::kFailDelivery}) {
    names.insert(std::string(ToString(a)));
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(ToString(NextAction::kSuppressRecipient), "suppress_recipient");
}

}  // namespace
}  // namespace crier::channels
