#include "core/route.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

using namespace std::chrono_literals;

const Time kNow = FromUnixMillis(1'795'000'000'000);  // 2026-11-18

RecipientFacts Facts(std::optional<Duration> since_last_inbound,
                     Platform platform = Platform::kMessenger) {
  RecipientFacts f;
  f.platform = platform;
  if (since_last_inbound) f.last_inbound_at = kNow - *since_last_inbound;
  return f;
}

Decision Decide(const RecipientFacts& f, Duration margin = 0s) {
  return DecideRoute(f, {Purpose::kPromotional}, kNow, PolicyOptions{margin});
}

TEST(RouteTest, InsideTheWindowSendsAsAProactiveUpdate) {
  const Decision d = Decide(Facts(23h + 59min));
  ASSERT_TRUE(d.sends());
  EXPECT_EQ(d.route().kind, RouteKind::kStandardWindow);
  EXPECT_EQ(d.route().messaging_type, "UPDATE");
  EXPECT_TRUE(d.route().tag.empty());
  EXPECT_EQ(d.code(), "standard_window");
}

TEST(RouteTest, OutsideTheWindowIsSkipped) {
  const Decision d = Decide(Facts(24h + 1min));
  ASSERT_FALSE(d.sends());
  EXPECT_EQ(d.skip_reason(), SkipReason::kOutsideWindow);
  EXPECT_EQ(d.code(), "outside_window");
  EXPECT_NE(d.Explain().find("window"), std::string::npos);
}

TEST(RouteTest, TheWindowClosesAtExactly24Hours) {
  EXPECT_TRUE(Decide(Facts(24h - 1ms)).sends());
  EXPECT_FALSE(Decide(Facts(24h)).sends());
}

TEST(RouteTest, SafetyMarginKeepsCopiesFromLandingAfterTheWindow) {
  EXPECT_TRUE(Decide(Facts(23h + 58min + 59s), 60s).sends());
  EXPECT_FALSE(Decide(Facts(23h + 59min + 1s), 60s).sends());
}

TEST(RouteTest, AdReferralOpensASevenDayWindowOnMessengerAndInstagram) {
  for (Platform p : {Platform::kMessenger, Platform::kInstagram}) {
    RecipientFacts inside = Facts(6 * 24h + 23h + 59min, p);
    inside.window_opener = WindowOpener::kAd;
    EXPECT_TRUE(Decide(inside).sends()) << ToString(p);
    RecipientFacts outside = Facts(7 * 24h + 1min, p);
    outside.window_opener = WindowOpener::kAd;
    EXPECT_FALSE(Decide(outside).sends()) << ToString(p);
  }
  // An organic thread keeps the 24 h window.
  EXPECT_FALSE(Decide(Facts(24h + 1min, Platform::kInstagram)).sends());
}

TEST(RouteTest, UnreachableContactsAreSkippedWithTheirOwnReasons) {
  RecipientFacts blocked = Facts(1h);
  blocked.blocked = true;
  EXPECT_EQ(Decide(blocked).skip_reason(), SkipReason::kBlocked);

  RecipientFacts unsubscribed = Facts(1h);
  unsubscribed.subscription = SubscriptionStatus::kUnsubscribed;
  EXPECT_EQ(Decide(unsubscribed).skip_reason(), SkipReason::kUnsubscribed);

  EXPECT_EQ(Decide(Facts(std::nullopt)).skip_reason(), SkipReason::kNeverInteracted);

  RecipientFacts none = Facts(1h);
  none.has_identity = false;
  EXPECT_EQ(Decide(none).skip_reason(), SkipReason::kNoIdentity);
}

// ---- the dated rule timeline (A7): each change decided on both sides ---------------------

Time At(const char* rfc3339) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

BroadcastFacts Transactional(OutsideWindow plan) {
  BroadcastFacts b;
  b.purpose = Purpose::kNonPromotional;
  b.outside_window = std::move(plan);
  return b;
}

BroadcastFacts Promotional(OutsideWindow plan) {
  BroadcastFacts b;
  b.purpose = Purpose::kPromotional;
  b.outside_window = std::move(plan);
  return b;
}

// A Messenger recipient whose window closed two days before `now`.
RecipientFacts Lapsed(Time now, Platform platform = Platform::kMessenger) {
  RecipientFacts f;
  f.platform = platform;
  f.last_inbound_at = now - 48h;
  return f;
}

TEST(RouteTimelineTest, MessageTagsGoUntilTheEndOf26AprilAndAreRetiredFrom27April) {
  const BroadcastFacts b = Transactional({.message_tag = "POST_PURCHASE_UPDATE"});
  const Time before = At("2026-04-26T23:58:59Z");
  const Time after = At("2026-04-27T00:01:00Z");
  const Decision d_before = DecideRoute(Lapsed(before), b, before, {});
  ASSERT_TRUE(d_before.sends()) << d_before.Explain();
  EXPECT_EQ(d_before.route().kind, RouteKind::kMessageTag);
  EXPECT_EQ(d_before.route().messaging_type, "MESSAGE_TAG");
  EXPECT_EQ(d_before.route().tag, "POST_PURCHASE_UPDATE");

  const Decision d_after = DecideRoute(Lapsed(after), b, after, {});
  ASSERT_FALSE(d_after.sends());
  EXPECT_EQ(d_after.skip_reason(), SkipReason::kRouteRetired);
  EXPECT_EQ(d_after.rule(), RuleId::kMessengerMessageTags);
  EXPECT_NE(d_after.Explain().find("2026-04-27"), std::string::npos) << d_after.Explain();
  EXPECT_NE(d_after.Explain().find("utility templates"), std::string::npos) << d_after.Explain();
}

TEST(RouteDecisionTest, UtilityTemplateContentGoesAsATemplateInsideAndOutsideTheWindow) {
  BroadcastFacts b = Transactional({.utility_template = true});
  b.account.utility_messaging = true;
  const Time t = At("2026-06-01T12:00:00Z");
  const Decision outside = DecideRoute(Lapsed(t), b, t, {});
  ASSERT_TRUE(outside.sends()) << outside.Explain();
  EXPECT_EQ(outside.route().kind, RouteKind::kUtilityTemplate);
  EXPECT_EQ(outside.route().messaging_type, "UTILITY");
  RecipientFacts recent = Lapsed(t);
  recent.last_inbound_at = t - 1h;
  EXPECT_EQ(DecideRoute(recent, b, t, {}).route().kind, RouteKind::kUtilityTemplate);
  // The Page must know the person, and hold the permission.
  RecipientFacts stranger = Lapsed(t);
  stranger.last_inbound_at.reset();
  EXPECT_EQ(DecideRoute(stranger, b, t, {}).skip_reason(), SkipReason::kNeverInteracted);
  b.account.utility_messaging = false;
  EXPECT_EQ(DecideRoute(Lapsed(t), b, t, {}).skip_reason(), SkipReason::kNoPermission);
}

TEST(RouteDecisionTest, LockedTagsAreNeverUsedOnEitherSideOfTheirRetirement) {
  BroadcastFacts b = Transactional({.message_tag = "ACCOUNT_UPDATE"});
  b.account.message_tags_locked = true;
  const Time before = At("2026-04-26T23:59:00Z");
  const Decision d = DecideRoute(Lapsed(before), b, before, {});
  EXPECT_EQ(d.skip_reason(), SkipReason::kRouteLocked);
  EXPECT_NE(d.Explain().find("locked"), std::string::npos) << d.Explain();
  // Inside the window the lock does not matter: no tag is needed.
  RecipientFacts recent = Lapsed(before);
  recent.last_inbound_at = before - 1h;
  EXPECT_EQ(DecideRoute(recent, b, before, {}).route().kind, RouteKind::kStandardWindow);
}

TEST(RouteTimelineTest, DatedRulesAreCheckedWhereTheCopyLandsToo) {
  // The default safety margin is 60 s: a route that ends within it is not used.
  const BroadcastFacts tag = Transactional({.message_tag = "POST_PURCHASE_UPDATE"});
  const Time just_before = At("2026-04-26T23:58:59Z");
  const Time within_margin = At("2026-04-26T23:59:30Z");
  EXPECT_EQ(DecideRoute(Lapsed(just_before), tag, just_before, {}).route().kind,
            RouteKind::kMessageTag);
  const Decision late = DecideRoute(Lapsed(within_margin), tag, within_margin, {});
  EXPECT_EQ(late.skip_reason(), SkipReason::kRouteRetired);
  EXPECT_EQ(late.rule(), RuleId::kMessengerMessageTags);
  EXPECT_EQ(DecideRoute(Lapsed(within_margin), tag, within_margin, PolicyOptions{0s}).route().kind,
            RouteKind::kMessageTag);

  // Tokens retire inside the margin: the Marketing Message API, open on both sides, carries
  // the copy; with tokens alone the copy is skipped naming the retirement.
  BroadcastFacts both = Promotional({.marketing_tokens = true, .marketing_message_api = true});
  both.account.marketing_message_api = true;
  both.account.business_region = "TW";
  const Time handover = At("2026-02-09T23:59:30Z");
  RecipientFacts r = Lapsed(handover);
  r.region = "TW";
  r.marketing_token = MarketingToken{.token = "t", .expires_at = handover + 30 * 24h};
  const Decision handed_over = DecideRoute(r, both, handover, {});
  ASSERT_TRUE(handed_over.sends()) << handed_over.Explain();
  EXPECT_EQ(handed_over.route().kind, RouteKind::kMarketingMessageApi);
  const Decision retired = DecideRoute(r, Promotional({.marketing_tokens = true}), handover, {});
  ASSERT_FALSE(retired.sends());
  EXPECT_EQ(retired.skip_reason(), SkipReason::kRouteRetired);
  EXPECT_EQ(retired.rule(), RuleId::kMarketingTokens);

  // The cool-down growing to 48 h inside the margin closes the token; the Marketing Message
  // API, open on both sides, carries the copy instead.
  const Time eve_of_48h = At("2025-08-31T23:59:30Z");
  RecipientFacts cooling = Lapsed(eve_of_48h);
  cooling.region = "TW";
  cooling.marketing_token = MarketingToken{
      .token = "t", .expires_at = eve_of_48h + 30 * 24h, .last_sent_at = eve_of_48h - 25h};
  EXPECT_EQ(DecideRoute(cooling, both, eve_of_48h, {}).route().kind,
            RouteKind::kMarketingMessageApi);
  BroadcastFacts tokens_only = Promotional({.marketing_tokens = true});
  EXPECT_EQ(DecideRoute(cooling, tokens_only, eve_of_48h, {}).skip_reason(),
            SkipReason::kTokenCooldown);

  // WhatsApp's +1 block starting inside the margin.
  BroadcastFacts wa;
  wa.whatsapp_template = TemplateCategory::kMarketing;
  RecipientFacts us;
  us.platform = Platform::kWhatsApp;
  us.opted_in = true;
  us.us_number = true;
  const Time eve = At("2025-03-31T23:59:30Z");
  EXPECT_EQ(DecideRoute(us, wa, eve, {}).skip_reason(), SkipReason::kUsMarketingBlocked);
  EXPECT_TRUE(DecideRoute(us, wa, At("2025-03-31T23:58:59Z"), {}).sends());
}

TEST(RouteDecisionTest, ATagGoesOnlyToSomeoneThePageKnows) {
  const BroadcastFacts b = Transactional({.message_tag = "ACCOUNT_UPDATE"});
  const Time t = At("2026-01-15T12:00:00Z");
  RecipientFacts stranger = Lapsed(t);
  stranger.last_inbound_at.reset();
  EXPECT_EQ(DecideRoute(stranger, b, t, {}).skip_reason(), SkipReason::kNeverInteracted);
  EXPECT_EQ(DecideRoute(Lapsed(t), b, t, {}).route().kind, RouteKind::kMessageTag);
}

TEST(RouteTimelineTest, PromotionsNeverGoByTag) {
  const BroadcastFacts b = Promotional({.message_tag = "POST_PURCHASE_UPDATE"});
  const Time t = At("2026-01-15T12:00:00Z");
  EXPECT_EQ(DecideRoute(Lapsed(t), b, t, {}).skip_reason(), SkipReason::kOutsideWindow);
}

TEST(RouteTimelineTest, MarketingTokensLiveUntil10FebruaryThenTheMarketingMessageApi) {
  BroadcastFacts b = Promotional({.marketing_tokens = true, .marketing_message_api = true});
  b.account.marketing_message_api = true;
  b.account.business_region = "TW";
  const Time before = At("2026-02-09T23:58:59Z");
  const Time after = At("2026-02-10T00:01:00Z");
  RecipientFacts r = Lapsed(before);
  r.region = "TW";
  r.marketing_token = MarketingToken{.expires_at = At("2026-06-01T00:00:00Z")};
  EXPECT_EQ(DecideRoute(r, b, before, {}).route().kind, RouteKind::kMarketingToken);
  r.last_inbound_at = after - 48h;
  EXPECT_EQ(DecideRoute(r, b, after, {}).route().kind, RouteKind::kMarketingMessageApi);

  // Tokens alone: retired, named with the date and the replacement.
  b.outside_window.marketing_message_api = false;
  const Decision retired = DecideRoute(r, b, after, {});
  EXPECT_EQ(retired.skip_reason(), SkipReason::kRouteRetired);
  EXPECT_EQ(retired.rule(), RuleId::kMarketingTokens);
  EXPECT_NE(retired.Explain().find("2026-02-10"), std::string::npos) << retired.Explain();
}

TEST(RouteTimelineTest, TokenCooldownWas24HoursAndIs48HoursFrom1September2025) {
  const BroadcastFacts b = Promotional({.marketing_tokens = true});
  const auto decide = [&](const char* now_text, Duration since_last_send) {
    const Time now = At(now_text);
    RecipientFacts r = Lapsed(now);
    r.marketing_token =
        MarketingToken{.expires_at = now + 30 * 24h, .last_sent_at = now - since_last_send};
    return DecideRoute(r, b, now, {});
  };
  // 24 h rule, on both sides of 24 h.
  EXPECT_EQ(decide("2025-08-31T12:00:00Z", 23h + 59min).skip_reason(), SkipReason::kTokenCooldown);
  EXPECT_TRUE(decide("2025-08-31T12:00:00Z", 24h + 1min).sends());
  // 48 h rule, on both sides of 48 h; 25 h no longer enough.
  EXPECT_EQ(decide("2025-09-01T12:00:00Z", 25h).skip_reason(), SkipReason::kTokenCooldown);
  EXPECT_EQ(decide("2025-09-01T12:00:00Z", 47h + 59min).skip_reason(), SkipReason::kTokenCooldown);
  EXPECT_TRUE(decide("2025-09-01T12:00:00Z", 48h + 1min).sends());
}

TEST(RouteTimelineTest, TokensThatStoppedOrExpiredAreNotUsed) {
  const BroadcastFacts b = Promotional({.marketing_tokens = true});
  const Time now = At("2025-12-01T00:00:00Z");
  RecipientFacts r = Lapsed(now);
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kNoToken);
  r.marketing_token = MarketingToken{.expires_at = now + 61s};
  EXPECT_TRUE(DecideRoute(r, b, now, {}).sends());
  // Expiring within the safety margin: the copy would land on an expired token.
  r.marketing_token->expires_at = now + 59s;
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kTokenExpired);
  r.marketing_token->expires_at = now - 1min;
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kTokenExpired);
  r.marketing_token = MarketingToken{.expires_at = now + 24h, .stopped = true};
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kMarketingOptedOut);
}

TEST(RouteTimelineTest, MarketingMessageApiOpensOn1July2025AndKeepsItsRegionRules) {
  BroadcastFacts b = Promotional({.marketing_message_api = true});
  b.account.marketing_message_api = true;
  b.account.business_region = "VN";
  const Time before = At("2025-06-30T23:59:00Z");
  const Time after = At("2025-07-01T00:01:00Z");
  RecipientFacts r = Lapsed(before);
  r.region = "VN";
  r.marketing_token = MarketingToken{.token = "t", .expires_at = At("2025-12-01T00:00:00Z")};
  EXPECT_EQ(DecideRoute(r, b, before, {}).skip_reason(), SkipReason::kOutsideWindow);
  r.last_inbound_at = after - 48h;
  EXPECT_EQ(DecideRoute(r, b, after, {}).route().kind, RouteKind::kMarketingMessageApi);

  for (const char* excluded : {"DE", "JP", "KR", "AU", "GB"}) {
    r.region = excluded;
    EXPECT_EQ(DecideRoute(r, b, after, {}).skip_reason(), SkipReason::kRegionExcluded) << excluded;
  }
  r.region = "";
  EXPECT_EQ(DecideRoute(r, b, after, {}).skip_reason(), SkipReason::kRegionUnknown);
  // Never on Instagram, and never for a business outside the served regions.
  r.region = "VN";
  EXPECT_EQ(DecideRoute(Lapsed(after, Platform::kInstagram), b, after, {}).skip_reason(),
            SkipReason::kOutsideWindow);
  b.account.business_region = "DE";
  EXPECT_EQ(DecideRoute(r, b, after, {}).skip_reason(), SkipReason::kOutsideWindow);
}

TEST(RouteDecisionTest, MarketingMessageApiSendsOnTheSubscriptionTokenWithA12HourGap) {
  BroadcastFacts b = Promotional({.marketing_message_api = true});
  b.account.marketing_message_api = true;
  b.account.business_region = "TW";
  const Time now = At("2026-05-01T12:00:00Z");
  RecipientFacts r = Lapsed(now);
  r.region = "TW";
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kNoToken);
  r.marketing_token = MarketingToken{.token = "t", .expires_at = now + 24h};
  EXPECT_EQ(DecideRoute(r, b, now, {}).route().kind, RouteKind::kMarketingMessageApi);
  r.marketing_token->last_sent_at = now - (11h + 59min);
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kTokenCooldown);
  r.marketing_token->last_sent_at = now - (12h + 1min);
  EXPECT_TRUE(DecideRoute(r, b, now, {}).sends());
  r.marketing_token->expires_at = now - 1min;
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kTokenExpired);
  r.marketing_token->expires_at = now + 1h;
  r.marketing_token->stopped = true;
  EXPECT_EQ(DecideRoute(r, b, now, {}).skip_reason(), SkipReason::kMarketingOptedOut);
}

TEST(RouteTimelineTest, WhatsAppUsMarketingTemplatesStopOn1April2025) {
  BroadcastFacts b;
  b.whatsapp_template = TemplateCategory::kMarketing;
  RecipientFacts r;
  r.platform = Platform::kWhatsApp;
  r.opted_in = true;
  r.us_number = true;
  const Time before = At("2025-03-31T23:58:59Z");
  const Time after = At("2025-04-01T00:01:00Z");
  EXPECT_EQ(DecideRoute(r, b, before, {}).route().kind, RouteKind::kWhatsAppTemplate);
  const Decision blocked = DecideRoute(r, b, after, {});
  EXPECT_EQ(blocked.skip_reason(), SkipReason::kUsMarketingBlocked);
  EXPECT_NE(blocked.Explain().find("2025-04-01"), std::string::npos);
  // Utility templates still go to +1 numbers.
  b.whatsapp_template = TemplateCategory::kUtility;
  EXPECT_EQ(DecideRoute(r, b, after, {}).route().kind, RouteKind::kWhatsAppTemplate);
}

// ---- WhatsApp and LINE ---------------------------------------------------------------------

TEST(RouteTest, WhatsAppFreeFormOnlyInsideTheWindowTemplatesAnyTimeToOptedIn) {
  RecipientFacts r = Facts(23h + 59min, Platform::kWhatsApp);
  EXPECT_EQ(Decide(r).route().kind, RouteKind::kStandardWindow);
  EXPECT_TRUE(Decide(r).route().messaging_type.empty()) << "no messaging_type on WhatsApp";
  r = Facts(24h + 1min, Platform::kWhatsApp);
  EXPECT_EQ(Decide(r).skip_reason(), SkipReason::kOutsideWindow);
  // The ad window is a Messenger/Instagram rule; WhatsApp keeps 24 h.
  r.window_opener = WindowOpener::kAd;
  EXPECT_EQ(Decide(r).skip_reason(), SkipReason::kOutsideWindow);

  BroadcastFacts b;
  b.whatsapp_template = TemplateCategory::kUtility;
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).skip_reason(), SkipReason::kNoOptIn);
  r.opted_in = true;
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).route().kind, RouteKind::kWhatsAppTemplate);
  r.last_inbound_at.reset();  // a template needs no window at all
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).route().kind, RouteKind::kWhatsAppTemplate);

  r.marketing_opted_out = true;
  EXPECT_TRUE(DecideRoute(r, b, kNow, {}).sends()) << "STOP stops marketing, not utility";
  b.whatsapp_template = TemplateCategory::kMarketing;
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).skip_reason(), SkipReason::kMarketingOptedOut);
}

TEST(RouteTest, LinePushesToFollowersAtAnyTimeMulticastWhenBatched) {
  RecipientFacts r = Facts(std::nullopt, Platform::kLine);
  BroadcastFacts b;
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).route().kind, RouteKind::kLinePush);
  b.line_multicast = true;
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).route().kind, RouteKind::kLineMulticast);
  r.blocked = true;  // unfollowed
  EXPECT_EQ(DecideRoute(r, b, kNow, {}).skip_reason(), SkipReason::kBlocked);
}

TEST(RouteTest, SuppressedRecipientsWaitUntilTheyWriteAgain) {
  RecipientFacts r = Facts(1h);
  r.suppressed = true;
  EXPECT_EQ(Decide(r).skip_reason(), SkipReason::kSuppressed);
}

TEST(RouteTest, WhatsAppIdsOfTheUsAreRecognisedByNumberOrBusinessScopedId) {
  EXPECT_TRUE(IsUsWhatsAppId("16505551234"));
  EXPECT_TRUE(IsUsWhatsAppId("+16505551234"));
  EXPECT_TRUE(IsUsWhatsAppId("US.13491208655302741918"));
  EXPECT_FALSE(IsUsWhatsAppId("886912345678"));
  EXPECT_FALSE(IsUsWhatsAppId("TW.13491208655302741918"));
  EXPECT_FALSE(IsUsWhatsAppId(""));
  EXPECT_EQ(RegionOfLocale("zh_TW"), "TW");
  EXPECT_EQ(RegionOfLocale("en-gb"), "GB");
  EXPECT_EQ(RegionOfLocale("vi"), "");
}

// ---- validation of a broadcast's outside-window plan -------------------------------------

TEST(RouteValidationTest, ARetiredRouteIsRefusedNamingTheRuleItsDateAndTheReplacement) {
  const OutsideWindow tag{.message_tag = "POST_PURCHASE_UPDATE"};
  EXPECT_TRUE(ValidateOutsideWindow(Platform::kMessenger, Purpose::kNonPromotional, tag, {},
                                    At("2026-04-26T23:59:00Z"))
                  .ok());
  const Status refused = ValidateOutsideWindow(Platform::kMessenger, Purpose::kNonPromotional, tag,
                                               {}, At("2026-04-27T00:01:00Z"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "outside_window.message_tag");
  EXPECT_NE(refused.error().message.find("messenger.message_tags"), std::string::npos);
  EXPECT_NE(refused.error().message.find("2026-04-27"), std::string::npos);
  EXPECT_NE(refused.error().message.find("utility templates"), std::string::npos)
      << refused.error().message;

  const OutsideWindow tokens{.marketing_tokens = true};
  EXPECT_TRUE(ValidateOutsideWindow(Platform::kInstagram, Purpose::kPromotional, tokens, {},
                                    At("2026-02-09T23:59:00Z"))
                  .ok());
  const Status gone = ValidateOutsideWindow(Platform::kInstagram, Purpose::kPromotional, tokens, {},
                                            At("2026-02-10T00:01:00Z"));
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("2026-02-10"), std::string::npos) << gone.error().message;
  EXPECT_NE(gone.error().message.find("Marketing Message API"), std::string::npos);
}

TEST(RouteValidationTest, RoutesThePlatformNeverOfferedAreRefused) {
  const Time t = At("2026-01-01T00:00:00Z");
  const auto field_of = [&](Platform p, Purpose purpose, const OutsideWindow& plan,
                            const AccountCapabilities& account = {}) {
    const Status s = ValidateOutsideWindow(p, purpose, plan, account, t);
    return s.ok() ? std::string("ok") : s.error().field + ": " + s.error().message;
  };
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kNonPromotional, {.message_tag = "HUMAN_AGENT"})
                .find("person types"),
            std::string::npos);
  EXPECT_NE(
      field_of(Platform::kMessenger, Purpose::kNonPromotional, {.message_tag = "CUSTOMER_FEEDBACK"})
          .find("feedback template"),
      std::string::npos);
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kNonPromotional, {.message_tag = "SHIPPING"})
                .find("unknown message tag"),
            std::string::npos);
  EXPECT_NE(
      field_of(Platform::kInstagram, Purpose::kNonPromotional, {.message_tag = "ACCOUNT_UPDATE"})
          .find("Messenger only"),
      std::string::npos);
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kPromotional, {.message_tag = "ACCOUNT_UPDATE"})
                .find("promotional"),
            std::string::npos);
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kNonPromotional, {.utility_template = true})
                .find("page_utility_messaging"),
            std::string::npos);
  EXPECT_EQ(field_of(Platform::kMessenger, Purpose::kNonPromotional, {.utility_template = true},
                     {.utility_messaging = true}),
            "ok");
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kPromotional, {.marketing_message_api = true},
                     {.marketing_message_api = true, .business_region = "DE"})
                .find("\"DE\""),
            std::string::npos);
  EXPECT_EQ(
      field_of(Platform::kMessenger, Purpose::kPromotional,
               {.marketing_message_api = true, .marketing_campaign_id = "c1"},
               {.marketing_message_api = true, .business_region = "TH", .ad_account_id = "42"}),
      "ok");
  EXPECT_NE(
      field_of(Platform::kMessenger, Purpose::kPromotional, {.marketing_message_api = true},
               {.marketing_message_api = true, .business_region = "TH", .ad_account_id = "42"})
          .find("outside_window.marketing_campaign_id"),
      std::string::npos);
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kPromotional,
                     {.marketing_message_api = true, .marketing_campaign_id = "c1"},
                     {.marketing_message_api = true, .business_region = "TH"})
                .find("ad_account_id"),
            std::string::npos);
  EXPECT_NE(field_of(Platform::kMessenger, Purpose::kNonPromotional,
                     {.message_tag = "ACCOUNT_UPDATE"}, {.message_tags_locked = true})
                .find("locked"),
            std::string::npos);
  EXPECT_NE(field_of(Platform::kWhatsApp, Purpose::kPromotional, {.marketing_tokens = true})
                .find("Messenger and Instagram"),
            std::string::npos);
}

TEST(RuleTimelineTest, ChangesAheadAreListedForThePlatformInTimeOrder) {
  const RuleTimeline& rules = RuleTimeline::Default();
  const auto changes = rules.ChangesBetween(Platform::kMessenger, At("2026-01-01T00:00:00Z"),
                                            At("2026-06-01T00:00:00Z"));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].rule->id, RuleId::kMarketingTokens);
  EXPECT_EQ(changes[1].rule->id, RuleId::kMarketingTokenCooldown48h);
  EXPECT_EQ(changes[2].rule->id, RuleId::kMessengerMessageTags);
  EXPECT_FALSE(changes[2].starts);
  EXPECT_EQ(changes[2].Describe().substr(0, 12), "2026-04-27: ");
  EXPECT_NE(changes[2].Describe().find("replaced by Messenger utility templates"),
            std::string::npos);
  // Instagram never had tags; LINE has no dated rule in the window.
  EXPECT_EQ(rules
                .ChangesBetween(Platform::kInstagram, At("2026-04-01T00:00:00Z"),
                                At("2026-06-01T00:00:00Z"))
                .size(),
            0u);
  // A change exactly at the start of the interval is behind, at its end ahead.
  EXPECT_EQ(rules
                .ChangesBetween(Platform::kMessenger, At("2026-04-27T00:00:00Z"),
                                At("2026-05-01T00:00:00Z"))
                .size(),
            0u);
  EXPECT_EQ(rules
                .ChangesBetween(Platform::kMessenger, At("2026-04-01T00:00:00Z"),
                                At("2026-04-27T00:00:00Z"))
                .size(),
            1u);
  EXPECT_TRUE(rules.InForce(RuleId::kMessengerMessageTags, At("2026-04-26T23:59:59Z")));
  EXPECT_FALSE(rules.InForce(RuleId::kMessengerMessageTags, At("2026-04-27T00:00:00Z")));
}

TEST(RouteTest, CodesRoundTrip) {
  for (auto k : {RouteKind::kStandardWindow, RouteKind::kMessageTag, RouteKind::kUtilityTemplate,
                 RouteKind::kMarketingMessageApi, RouteKind::kMarketingToken,
                 RouteKind::kWhatsAppTemplate, RouteKind::kLinePush, RouteKind::kLineMulticast}) {
    EXPECT_EQ(ParseRouteKind(ToString(k)), k);
  }
  for (auto r :
       {SkipReason::kNoIdentity, SkipReason::kUnsubscribed, SkipReason::kBlocked,
        SkipReason::kNeverInteracted, SkipReason::kOutsideWindow, SkipReason::kRouteRetired,
        SkipReason::kSuppressed, SkipReason::kNoOptIn, SkipReason::kMarketingOptedOut,
        SkipReason::kUsMarketingBlocked, SkipReason::kRegionExcluded, SkipReason::kRegionUnknown,
        SkipReason::kNoToken, SkipReason::kTokenExpired, SkipReason::kTokenCooldown}) {
    EXPECT_EQ(ParseSkipReason(ToString(r)), r);
  }
  EXPECT_EQ(ParseRouteKind("nonsense"), std::nullopt);
}

TEST(RouteValidationTest, TemplatesGoAloneWhereThePlatformHasThem) {
  const auto check = [](Platform p, const OutsideWindow& plan, std::vector<Message> messages) {
    const Status s = ValidateTemplateContent(p, plan, messages);
    return s.ok() ? std::string("ok") : s.error().field + ": " + s.error().message;
  };
  Message tmpl;
  tmpl.kind = MessageKind::kTemplate;
  tmpl.template_message = {.name = "order_update", .language = "en_US"};
  const Message text{MessageKind::kText, "hi", {}};
  EXPECT_EQ(check(Platform::kWhatsApp, {}, {tmpl}), "ok");
  EXPECT_EQ(check(Platform::kMessenger, {.utility_template = true}, {tmpl}), "ok");
  EXPECT_EQ(check(Platform::kMessenger, {}, {text}), "ok");
  EXPECT_EQ(check(Platform::kWhatsApp, {}, {text, tmpl}).rfind("messages[1]: ", 0), 0u);
  EXPECT_EQ(check(Platform::kMessenger, {}, {tmpl}).rfind("messages[0]: ", 0), 0u);
  EXPECT_EQ(check(Platform::kMessenger, {.utility_template = true}, {text})
                .rfind("outside_window.utility_template: ", 0),
            0u);
  EXPECT_EQ(check(Platform::kLine, {}, {tmpl}).rfind("messages[0]: ", 0), 0u);
  EXPECT_EQ(check(Platform::kInstagram, {}, {tmpl}).rfind("messages[0]: ", 0), 0u);
  tmpl.template_message.name.clear();
  EXPECT_EQ(check(Platform::kWhatsApp, {}, {tmpl}).rfind("messages[0].template.name: ", 0), 0u);
  tmpl.template_message.name = "order_update";
  tmpl.template_message.body_parameters = {"A-1", ""};
  EXPECT_EQ(
      check(Platform::kWhatsApp, {}, {tmpl}).rfind("messages[0].template.body_parameters[1]: ", 0),
      0u);
  tmpl.template_message.body_parameters.clear();
  tmpl.template_message.name = "promo";
  tmpl.template_message.category = TemplateCategory::kMarketing;
  EXPECT_EQ(check(Platform::kMessenger, {.utility_template = true}, {tmpl})
                .rfind("messages[0].template: ", 0),
            0u);
}

TEST(RouteDecisionTest, FactsOfTakesTheTemplateCategoryFromTheContent) {
  Broadcast broadcast;
  broadcast.messages.push_back({MessageKind::kText, "hi", {}});
  EXPECT_FALSE(FactsOf(broadcast, {}).whatsapp_template.has_value());
  broadcast.messages[0].kind = MessageKind::kTemplate;
  broadcast.messages[0].template_message.category = TemplateCategory::kMarketing;
  EXPECT_EQ(FactsOf(broadcast, {}).whatsapp_template, TemplateCategory::kMarketing);
}

}  // namespace
}  // namespace crier
