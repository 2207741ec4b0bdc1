#include "core/route.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/enum_names.h"

namespace crier {
namespace {

constexpr internal::Names<RouteKind, 8> kRouteNames{{
    {RouteKind::kStandardWindow, "standard_window"},
    {RouteKind::kMessageTag, "message_tag"},
    {RouteKind::kUtilityTemplate, "utility_template"},
    {RouteKind::kMarketingMessageApi, "marketing_message_api"},
    {RouteKind::kMarketingToken, "marketing_token"},
    {RouteKind::kWhatsAppTemplate, "whatsapp_template"},
    {RouteKind::kLinePush, "line_push"},
    {RouteKind::kLineMulticast, "line_multicast"},
}};

constexpr internal::Names<SkipReason, 17> kSkipNames{{
    {SkipReason::kNoIdentity, "no_identity"},
    {SkipReason::kUnsubscribed, "unsubscribed"},
    {SkipReason::kBlocked, "blocked"},
    {SkipReason::kNeverInteracted, "never_interacted"},
    {SkipReason::kOutsideWindow, "outside_window"},
    {SkipReason::kRouteRetired, "route_retired"},
    {SkipReason::kSuppressed, "suppressed"},
    {SkipReason::kNoOptIn, "no_opt_in"},
    {SkipReason::kMarketingOptedOut, "marketing_opted_out"},
    {SkipReason::kUsMarketingBlocked, "us_marketing_blocked"},
    {SkipReason::kRegionExcluded, "region_excluded"},
    {SkipReason::kRegionUnknown, "region_unknown"},
    {SkipReason::kNoToken, "no_token"},
    {SkipReason::kTokenExpired, "token_expired"},
    {SkipReason::kTokenCooldown, "token_cooldown"},
    {SkipReason::kRouteLocked, "route_locked"},
    {SkipReason::kNoPermission, "no_permission"},
}};

constexpr std::array<std::string_view, 3> kRetirableTags = {
    "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"};

// Business regions the Marketing Message API serves, and recipient regions it excludes
// (the EU's members, Japan, South Korea, Australia, the UK): platforms.md 2.3.
constexpr std::array<std::string_view, 20> kMarketingApiBusinessRegions = {
    "AU", "BR", "CL", "CO", "HK", "IN", "ID", "IL", "MY", "MX",
    "NZ", "PE", "PH", "SA", "SG", "TW", "TH", "AE", "US", "VN"};
constexpr std::array<std::string_view, 31> kMarketingApiExcludedRecipients = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "JP", "KR", "AU", "GB"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string RetiredLine(const DatedRule& rule) {
  std::string out = std::string(rule.code) + " ended on " + FormatRuleDate(*rule.until);
  if (!rule.replacement.empty()) out += "; use " + std::string(rule.replacement) + " instead";
  return out;
}

}  // namespace

std::string_view ToString(RouteKind k) { return internal::NameOf(kRouteNames, k); }
std::optional<RouteKind> ParseRouteKind(std::string_view s) {
  return internal::ValueOf(kRouteNames, s);
}
std::string_view ToString(SkipReason r) { return internal::NameOf(kSkipNames, r); }
std::optional<SkipReason> ParseSkipReason(std::string_view s) {
  return internal::ValueOf(kSkipNames, s);
}

std::string_view Decision::code() const {
  return sends() ? ToString(route_.kind) : ToString(*skip_);
}

std::string Decision::Explain() const {
  const RuleTimeline& rules = RuleTimeline::Default();
  if (sends()) {
    switch (route_.kind) {
      case RouteKind::kStandardWindow:
        return "inside the standard messaging window: any content may be sent";
      case RouteKind::kMessageTag:
        return "outside the window, sent with message tag " + std::string(route_.tag) +
               " (allowed until " +
               FormatRuleDate(*rules.Get(RuleId::kMessengerMessageTags).until) + ")";
      case RouteKind::kUtilityTemplate:
        return "outside the window, sent as an approved Messenger utility template";
      case RouteKind::kMarketingMessageApi:
        return "outside the window, sent through the paid Marketing Message API";
      case RouteKind::kMarketingToken:
        return "outside the window, sent on the person's marketing-messages token (allowed "
               "until " +
               FormatRuleDate(*rules.Get(RuleId::kMarketingTokens).until) + ")";
      case RouteKind::kWhatsAppTemplate:
        return "sent as an approved WhatsApp template";
      case RouteKind::kLinePush:
        return "LINE push to a follower (counts against the monthly quota)";
      case RouteKind::kLineMulticast:
        return "LINE multicast to followers (counts against the monthly quota)";
    }
  }
  switch (*skip_) {
    case SkipReason::kNoIdentity:
      return "skipped: the contact has no identity on this channel account";
    case SkipReason::kUnsubscribed:
      return "skipped: the contact unsubscribed";
    case SkipReason::kBlocked:
      return "skipped: the person blocked or unfollowed the account";
    case SkipReason::kNeverInteracted:
      return "skipped: the person never wrote to the account, so no window is open";
    case SkipReason::kOutsideWindow:
      return "skipped: the messaging window has closed and no other route is allowed";
    case SkipReason::kRouteRetired:
      return "skipped: the route this broadcast names was retired (" +
             (rule_ ? RetiredLine(rules.Get(*rule_)) : std::string("see the rule timeline")) + ")";
    case SkipReason::kSuppressed:
      return "skipped: the platform said this person cannot be reached; waiting for them to "
             "write again";
    case SkipReason::kNoOptIn:
      return "skipped: no recorded WhatsApp opt-in for business-initiated messages";
    case SkipReason::kMarketingOptedOut:
      return "skipped: the person stopped marketing messages";
    case SkipReason::kUsMarketingBlocked:
      return "skipped: WhatsApp does not deliver marketing templates to +1 (US) numbers since " +
             FormatRuleDate(*rules.Get(RuleId::kWhatsAppUsMarketingBlock).from);
    case SkipReason::kRegionExcluded:
      return "skipped: the Marketing Message API does not reach this region (EU, JP, KR, AU, "
             "UK) or the business's region is not served";
    case SkipReason::kRegionUnknown:
      return "skipped: the person's region is unknown, so the Marketing Message API's region "
             "rules cannot be checked";
    case SkipReason::kNoToken:
      return "skipped: outside the window and no marketing-messages token";
    case SkipReason::kTokenExpired:
      return "skipped: the person's marketing-messages token has expired";
    case SkipReason::kTokenCooldown:
      return "skipped: the token already carried a marketing message within its cool-down "
             "(24 h, 48 h from " +
             FormatRuleDate(*rules.Get(RuleId::kMarketingTokenCooldown48h).from) +
             "; 12 h between Marketing Message API sends)";
    case SkipReason::kRouteLocked:
      return "skipped: an administrator locked message tags on this channel account";
    case SkipReason::kNoPermission:
      return "skipped: the channel account lacks the utility messaging permission "
             "(page_utility_messaging) its template needs";
  }
  return "unknown";
}

Duration WindowLength(Platform platform, WindowOpener opener) {
  // The 7-day ad window applies to click-to-Messenger and click-to-Direct ads (A1, A2).
  if (opener == WindowOpener::kAd &&
      (platform == Platform::kMessenger || platform == Platform::kInstagram)) {
    return kAdReferralWindow;
  }
  return kStandardWindow;
}

bool IsRetirableMessageTag(std::string_view tag) { return Contains(kRetirableTags, tag); }

bool IsUsWhatsAppId(std::string_view id) {
  if (id.starts_with("US.")) return true;  // business-scoped user id carries its country
  if (id.starts_with('+')) id.remove_prefix(1);
  return !id.empty() && id.front() == '1' &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsMarketingApiBusinessRegion(std::string_view region) {
  return Contains(kMarketingApiBusinessRegions, region);
}
bool IsMarketingApiExcludedRecipientRegion(std::string_view region) {
  return Contains(kMarketingApiExcludedRecipients, region);
}

std::string RegionOfLocale(std::string_view locale) {
  const std::size_t sep = locale.find_first_of("_-");
  if (sep == std::string_view::npos || locale.size() - sep - 1 != 2) return {};
  std::string region(locale.substr(sep + 1));
  for (char& c : region) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return {};
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return region;
}

Status ValidateOutsideWindow(Platform platform, Purpose purpose, const OutsideWindow& plan,
                             const AccountCapabilities& account, Time at) {
  const RuleTimeline& rules = RuleTimeline::Default();
  const auto retired = [&](std::string field, RuleId id, std::string what) -> Status {
    return InvalidArgument(std::move(field), what + ": " + RetiredLine(rules.Get(id)));
  };
  if (!plan.message_tag.empty()) {
    const std::string field = "outside_window.message_tag";
    if (plan.message_tag == "HUMAN_AGENT") {
      return InvalidArgument(field,
                             "HUMAN_AGENT is for replies a person types, never for a "
                             "broadcast");
    }
    if (plan.message_tag == "CUSTOMER_FEEDBACK") {
      return InvalidArgument(field,
                             "CUSTOMER_FEEDBACK goes only with the customer feedback "
                             "template, never with a broadcast");
    }
    if (!IsRetirableMessageTag(plan.message_tag)) {
      return InvalidArgument(field, "unknown message tag \"" + plan.message_tag + "\"");
    }
    if (account.message_tags_locked) {
      return InvalidArgument(field,
                             "message tags are locked on this channel account by an "
                             "administrator");
    }
    if (platform != Platform::kMessenger) {
      return InvalidArgument(field, "message tags exist on Messenger only");
    }
    if (purpose == Purpose::kPromotional) {
      return InvalidArgument(field,
                             "message tags may not carry promotional content; use the "
                             "Marketing Message API for promotions");
    }
    if (!rules.InForce(RuleId::kMessengerMessageTags, at)) {
      return retired(field, RuleId::kMessengerMessageTags, "message tag " + plan.message_tag);
    }
  }
  if (plan.utility_template) {
    const std::string field = "outside_window.utility_template";
    if (platform != Platform::kMessenger) {
      return InvalidArgument(field, "utility templates are a Messenger route");
    }
    if (purpose == Purpose::kPromotional) {
      return InvalidArgument(field, "utility templates may not carry promotional content");
    }
    if (!account.utility_messaging) {
      return InvalidArgument(field,
                             "the channel account has no utility messaging permission "
                             "(page_utility_messaging)");
    }
  }
  if (plan.marketing_tokens) {
    const std::string field = "outside_window.marketing_tokens";
    if (platform != Platform::kMessenger && platform != Platform::kInstagram) {
      return InvalidArgument(field,
                             "marketing-messages tokens were a Messenger and Instagram "
                             "route");
    }
    if (!rules.InForce(RuleId::kMarketingTokens, at)) {
      return retired(field, RuleId::kMarketingTokens, "marketing-messages tokens");
    }
  }
  if (plan.marketing_message_api) {
    const std::string field = "outside_window.marketing_message_api";
    if (platform != Platform::kMessenger) {
      return InvalidArgument(field, "the Marketing Message API is a Messenger route");
    }
    const DatedRule& api = rules.Get(RuleId::kMarketingMessageApi);
    if (!api.InForce(at)) {
      return InvalidArgument(field,
                             "the Marketing Message API opens on " + FormatRuleDate(*api.from));
    }
    if (!account.marketing_message_api) {
      return InvalidArgument(field,
                             "the channel account is not set up for the Marketing "
                             "Message API (ad account)");
    }
    if (!IsMarketingApiBusinessRegion(account.business_region)) {
      return InvalidArgument(field, "the Marketing Message API does not serve businesses in \"" +
                                        account.business_region + "\"");
    }
    if (account.ad_account_id.empty()) {
      return InvalidArgument(field, "the channel account names no ad account (ad_account_id)");
    }
    if (plan.marketing_campaign_id.empty()) {
      return InvalidArgument("outside_window.marketing_campaign_id",
                             "the Marketing Message API sends under a campaign: name its "
                             "message_id");
    }
  } else if (!plan.marketing_campaign_id.empty()) {
    return InvalidArgument("outside_window.marketing_campaign_id",
                           "a campaign goes only with marketing_message_api");
  }
  return Status::Ok();
}

Status ValidateTemplateContent(Platform platform, const OutsideWindow& plan,
                               std::span<const Message> messages) {
  std::optional<size_t> template_at;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].kind == MessageKind::kTemplate) template_at = i;
  }
  if (!template_at) {
    if (plan.utility_template) {
      return InvalidArgument("outside_window.utility_template",
                             "a utility template broadcast's message must be the template "
                             "(kind \"template\")");
    }
    return Status::Ok();
  }
  const std::string field = "messages[" + std::to_string(*template_at) + "]";
  if (messages.size() != 1) {
    return InvalidArgument(field,
                           "a template is sent alone: the broadcast may have no other "
                           "message");
  }
  const TemplateMessage& t = messages[*template_at].template_message;
  if (t.name.empty()) return InvalidArgument(field + ".template.name", "must not be empty");
  if (t.language.empty()) {
    return InvalidArgument(field + ".template.language", "must not be empty");
  }
  // The platforms refuse an empty parameter (WhatsApp 131008): say so before anything is
  // queued.
  for (const auto& [name, values] : {std::pair{"header_parameters", &t.header_parameters},
                                     std::pair{"body_parameters", &t.body_parameters}}) {
    for (size_t p = 0; p < values->size(); ++p) {
      if ((*values)[p].empty()) {
        return InvalidArgument(field + ".template." + name + "[" + std::to_string(p) + "]",
                               "must not be empty");
      }
    }
  }
  switch (platform) {
    case Platform::kWhatsApp:
      return Status::Ok();
    case Platform::kMessenger:
      if (!plan.utility_template) {
        return InvalidArgument(field,
                               "on Messenger a template is a utility template: set "
                               "outside_window.utility_template");
      }
      if (t.category != TemplateCategory::kUtility || !t.header_parameters.empty()) {
        return InvalidArgument(field + ".template",
                               "Messenger utility templates are category utility, with body "
                               "parameters only");
      }
      if (plan.marketing_tokens || plan.marketing_message_api || !plan.message_tag.empty()) {
        return InvalidArgument("outside_window",
                               "a utility template goes by the utility route only");
      }
      return Status::Ok();
    case Platform::kInstagram:
    case Platform::kLine:
      break;
  }
  return InvalidArgument(
      field, std::string("templates cannot be sent on ") + std::string(ToString(platform)));
}

BroadcastFacts FactsOf(const Broadcast& broadcast, const AccountCapabilities& account) {
  BroadcastFacts facts;
  facts.purpose = broadcast.purpose;
  facts.outside_window = broadcast.outside_window;
  facts.account = account;
  for (const Message& m : broadcast.messages) {
    if (m.kind == MessageKind::kTemplate) facts.whatsapp_template = m.template_message.category;
  }
  return facts;
}

namespace {

bool WindowOpen(const RecipientFacts& recipient, Time now, const PolicyOptions& options) {
  if (!recipient.last_inbound_at) return false;
  const Time closes_at =
      *recipient.last_inbound_at + WindowLength(recipient.platform, recipient.window_opener);
  return now + options.safety_margin < closes_at;
}

Decision DecideWhatsApp(const RecipientFacts& recipient, const BroadcastFacts& broadcast, Time now,
                        const PolicyOptions& options, const RuleTimeline& rules) {
  if (broadcast.whatsapp_template) {
    // Templates may go at any time, but only to people who opted in (A3, platforms.md 8.3).
    if (!recipient.opted_in) return Decision::Skip(SkipReason::kNoOptIn);
    if (*broadcast.whatsapp_template == TemplateCategory::kMarketing) {
      if (recipient.marketing_opted_out) return Decision::Skip(SkipReason::kMarketingOptedOut);
      if (recipient.us_number && rules.InForce(RuleId::kWhatsAppUsMarketingBlock, now)) {
        return Decision::Skip(SkipReason::kUsMarketingBlocked, RuleId::kWhatsAppUsMarketingBlock);
      }
    }
    return Decision::Send({RouteKind::kWhatsAppTemplate, {}, {}});
  }
  if (!recipient.last_inbound_at) return Decision::Skip(SkipReason::kNeverInteracted);
  if (WindowOpen(recipient, now, options))
    return Decision::Send({RouteKind::kStandardWindow, {}, {}});
  return Decision::Skip(SkipReason::kOutsideWindow);
}

// Which of the outside-window plan's own routes a decision may use. DecideRoute narrows it to
// check one route at landing, or to fall back past a route that would not hold; a mask, so
// the broadcast's facts are never copied on the per-recipient path.
struct PlanRoutes {
  bool tag = true;
  bool tokens = true;
  bool api = true;

  // Only `kind`, when it is one of the plan's routes; every route otherwise.
  static PlanRoutes Only(RouteKind kind) {
    switch (kind) {
      case RouteKind::kMessageTag:
        return {true, false, false};
      case RouteKind::kMarketingToken:
        return {false, true, false};
      case RouteKind::kMarketingMessageApi:
        return {false, false, true};
      default:
        return {};
    }
  }
  // Takes `kind` out; false when it is not one of the plan's routes (the standard window,
  // templates and LINE are not the plan's to drop).
  bool Drop(RouteKind kind) {
    switch (kind) {
      case RouteKind::kMessageTag:
        tag = false;
        return true;
      case RouteKind::kMarketingToken:
        tokens = false;
        return true;
      case RouteKind::kMarketingMessageApi:
        api = false;
        return true;
      default:
        return false;
    }
  }
  PlanRoutes operator&(const PlanRoutes& o) const {
    return {tag && o.tag, tokens && o.tokens, api && o.api};
  }
};

// Promotional content outside the window (A1, A2): the token while that programme lived,
// then the paid Marketing Message API where the account has it.
std::optional<Decision> MarketingRoute(const RecipientFacts& recipient,
                                       const BroadcastFacts& broadcast, PlanRoutes allowed,
                                       Time now, const RuleTimeline& rules) {
  const OutsideWindow& plan = broadcast.outside_window;
  std::optional<Decision> refusal;
  if (plan.marketing_tokens && allowed.tokens) {
    if (!rules.InForce(RuleId::kMarketingTokens, now)) {
      refusal = Decision::Skip(SkipReason::kRouteRetired, RuleId::kMarketingTokens);
    } else if (!recipient.marketing_token) {
      refusal = Decision::Skip(SkipReason::kNoToken);
    } else if (recipient.marketing_token->stopped) {
      refusal = Decision::Skip(SkipReason::kMarketingOptedOut);
    } else if (now >= recipient.marketing_token->expires_at) {
      refusal = Decision::Skip(SkipReason::kTokenExpired);
    } else {
      const Duration cooldown = rules.InForce(RuleId::kMarketingTokenCooldown48h, now)
                                    ? std::chrono::hours(48)
                                    : std::chrono::hours(24);
      const auto& last = recipient.marketing_token->last_sent_at;
      if (!last || now >= *last + cooldown)
        return Decision::Send({RouteKind::kMarketingToken, {}, {}});
      refusal = Decision::Skip(SkipReason::kTokenCooldown);
    }
  }
  if (plan.marketing_message_api && allowed.api && recipient.platform == Platform::kMessenger &&
      rules.InForce(RuleId::kMarketingMessageApi, now) && broadcast.account.marketing_message_api &&
      IsMarketingApiBusinessRegion(broadcast.account.business_region)) {
    // The API sends on the person's subscription token (the opt-in's token) under the same
    // gates as the token route, with its own 12 h gap (platforms.md 2.3).
    const auto& token = recipient.marketing_token;
    if (!token) return Decision::Skip(SkipReason::kNoToken);
    if (recipient.region.empty()) return Decision::Skip(SkipReason::kRegionUnknown);
    if (IsMarketingApiExcludedRecipientRegion(recipient.region)) {
      return Decision::Skip(SkipReason::kRegionExcluded);
    }
    if (token->stopped) return Decision::Skip(SkipReason::kMarketingOptedOut);
    if (now >= token->expires_at) return Decision::Skip(SkipReason::kTokenExpired);
    if (token->last_sent_at && now < *token->last_sent_at + kMarketingApiMinGap) {
      return Decision::Skip(SkipReason::kTokenCooldown);
    }
    return Decision::Send({RouteKind::kMarketingMessageApi, {}, {}});
  }
  return refusal;
}

// Non-promotional content outside the window on Messenger: the tag while tags lived (utility
// templates are content, decided before the window).
std::optional<Decision> TransactionalRoute(const RecipientFacts& recipient,
                                           const BroadcastFacts& broadcast, PlanRoutes allowed,
                                           Time now, const RuleTimeline& rules) {
  if (recipient.platform != Platform::kMessenger || !allowed.tag) return std::nullopt;
  const OutsideWindow& plan = broadcast.outside_window;
  std::optional<Decision> refusal;
  if (!plan.message_tag.empty() && IsRetirableMessageTag(plan.message_tag)) {
    if (!recipient.last_inbound_at) {
      // A tag answers a conversation: the Page must know the person (2018001 otherwise).
      refusal = Decision::Skip(SkipReason::kNeverInteracted);
    } else if (broadcast.account.message_tags_locked) {
      refusal = Decision::Skip(SkipReason::kRouteLocked);
    } else if (rules.InForce(RuleId::kMessengerMessageTags, now)) {
      // The tag's text lives in the static table, so the route's view outlives the call.
      const auto tag = std::find(kRetirableTags.begin(), kRetirableTags.end(), plan.message_tag);
      return Decision::Send({RouteKind::kMessageTag, "MESSAGE_TAG", *tag});
    } else {
      refusal = Decision::Skip(SkipReason::kRouteRetired, RuleId::kMessengerMessageTags);
    }
  }
  return refusal;
}

// The decision by the rules and facts as they stand at `now`.
Decision DecideAt(const RecipientFacts& recipient, const BroadcastFacts& broadcast,
                  PlanRoutes allowed, Time now, const PolicyOptions& options,
                  const RuleTimeline& rules) {
  if (!recipient.has_identity) return Decision::Skip(SkipReason::kNoIdentity);
  if (recipient.blocked) return Decision::Skip(SkipReason::kBlocked);
  if (recipient.subscription == SubscriptionStatus::kUnsubscribed) {
    return Decision::Skip(SkipReason::kUnsubscribed);
  }
  if (recipient.suppressed) return Decision::Skip(SkipReason::kSuppressed);
  switch (recipient.platform) {
    case Platform::kLine:
      // A LINE contact exists because they followed; blocked covers unfollowing (A4).
      return Decision::Send(
          {broadcast.line_multicast ? RouteKind::kLineMulticast : RouteKind::kLinePush, {}, {}});
    case Platform::kWhatsApp:
      return DecideWhatsApp(recipient, broadcast, now, options, rules);
    case Platform::kMessenger:
    case Platform::kInstagram:
      break;
  }
  if (recipient.platform == Platform::kMessenger && broadcast.outside_window.utility_template &&
      broadcast.purpose == Purpose::kNonPromotional) {
    // The content is a utility template: it goes as one (messaging_type UTILITY) inside the
    // window and outside it alike, to anyone the Page knows.
    if (!broadcast.account.utility_messaging) return Decision::Skip(SkipReason::kNoPermission);
    if (!recipient.last_inbound_at) return Decision::Skip(SkipReason::kNeverInteracted);
    return Decision::Send({RouteKind::kUtilityTemplate, "UTILITY", {}});
  }
  if (WindowOpen(recipient, now, options)) {
    return Decision::Send({RouteKind::kStandardWindow, "UPDATE", {}});
  }
  // Non-promotional content may also use the marketing routes; promotional content never
  // the transactional ones (B1).
  std::optional<Decision> outside;
  if (broadcast.purpose == Purpose::kNonPromotional) {
    outside = TransactionalRoute(recipient, broadcast, allowed, now, rules);
  }
  if (!outside || !outside->sends()) {
    std::optional<Decision> marketing = MarketingRoute(recipient, broadcast, allowed, now, rules);
    if (marketing && (marketing->sends() || !outside)) outside = std::move(marketing);
  }
  if (outside) return *outside;
  if (!recipient.last_inbound_at) return Decision::Skip(SkipReason::kNeverInteracted);
  return Decision::Skip(SkipReason::kOutsideWindow);
}

// The dated rule a route lives by, if it is one that ends.
std::optional<RuleId> RuleOfRoute(RouteKind kind) {
  switch (kind) {
    case RouteKind::kMessageTag:
      return RuleId::kMessengerMessageTags;
    case RouteKind::kMarketingToken:
      return RuleId::kMarketingTokens;
    default:
      return std::nullopt;
  }
}

}  // namespace

Decision DecideRoute(const RecipientFacts& recipient, const BroadcastFacts& broadcast, Time now,
                     const PolicyOptions& options, const RuleTimeline& rules) {
  // A9 holds for dated rules as for windows: the copy may land up to the safety margin after
  // the decision, and a rule that changes in between (a tag retired at midnight, the +1 block
  // starting, the cool-down growing, a token expiring) would refuse it. So the chosen route
  // must hold at landing too; when it does not, the next route of the plan is tried. The
  // window itself is checked with the margin already, so it is not counted twice.
  PolicyOptions at_landing_options = options;
  at_landing_options.safety_margin = Duration::zero();
  PlanRoutes allowed;
  std::optional<Decision> first_refusal;
  for (;;) {
    const Decision at_send = DecideAt(recipient, broadcast, allowed, now, options, rules);
    if (!at_send.sends()) return first_refusal.value_or(at_send);
    if (options.safety_margin <= Duration::zero()) return at_send;
    // Whether the route chosen now still holds then, not which route would be best then.
    const Decision at_landing =
        DecideAt(recipient, broadcast, allowed & PlanRoutes::Only(at_send.route().kind),
                 now + options.safety_margin, at_landing_options, rules);
    if (at_landing.sends() && at_landing.route() == at_send.route()) return at_send;
    if (!first_refusal) {
      first_refusal = at_landing.sends() ? Decision::Skip(SkipReason::kRouteRetired,
                                                          RuleOfRoute(at_send.route().kind))
                                         : at_landing;
    }
    if (!allowed.Drop(at_send.route().kind)) return *first_refusal;
  }
}

}  // namespace crier
