#include "core/model.h"

#include "core/enum_names.h"

namespace crier {
namespace {

using internal::NameOf;
using internal::Names;
using internal::ValueOf;

constexpr Names<Platform, 4> kPlatforms{{{Platform::kMessenger, "messenger"},
                                         {Platform::kInstagram, "instagram"},
                                         {Platform::kWhatsApp, "whatsapp"},
                                         {Platform::kLine, "line"}}};
constexpr Names<SubscriptionStatus, 2> kSubscriptions{
    {{SubscriptionStatus::kSubscribed, "subscribed"},
     {SubscriptionStatus::kUnsubscribed, "unsubscribed"}}};
constexpr Names<WindowOpener, 2> kOpeners{
    {{WindowOpener::kOrganic, "organic"}, {WindowOpener::kAd, "ad"}}};
constexpr Names<TemplateCategory, 3> kTemplateCategories{
    {{TemplateCategory::kMarketing, "marketing"},
     {TemplateCategory::kUtility, "utility"},
     {TemplateCategory::kAuthentication, "authentication"}}};
constexpr Names<TemplateHeaderKind, 5> kTemplateHeaderKinds{
    {{TemplateHeaderKind::kNone, "none"},
     {TemplateHeaderKind::kText, "text"},
     {TemplateHeaderKind::kImage, "image"},
     {TemplateHeaderKind::kVideo, "video"},
     {TemplateHeaderKind::kDocument, "document"}}};
constexpr Names<TemplateButtonType, 2> kTemplateButtonTypes{
    {{TemplateButtonType::kQuickReply, "quick_reply"}, {TemplateButtonType::kUrl, "url"}}};
constexpr Names<Purpose, 2> kPurposes{
    {{Purpose::kPromotional, "promotional"}, {Purpose::kNonPromotional, "non_promotional"}}};
constexpr Names<MessageKind, 7> kMessageKinds{{{MessageKind::kText, "text"},
                                               {MessageKind::kTemplate, "template"},
                                               {MessageKind::kImage, "image"},
                                               {MessageKind::kVideo, "video"},
                                               {MessageKind::kAudio, "audio"},
                                               {MessageKind::kFile, "file"},
                                               {MessageKind::kCard, "card"}}};
constexpr Names<ButtonAction, 4> kButtonActions{{{ButtonAction::kUrl, "url"},
                                                 {ButtonAction::kPostback, "postback"},
                                                 {ButtonAction::kSubscribe, "subscribe"},
                                                 {ButtonAction::kUnsubscribe, "unsubscribe"}}};
constexpr Names<CardLayout, 5> kCardLayouts{{{CardLayout::kButtons, "buttons"},
                                             {CardLayout::kCarousel, "carousel"},
                                             {CardLayout::kQuickReplies, "quick_replies"},
                                             {CardLayout::kList, "list"},
                                             {CardLayout::kFlex, "flex"}}};
constexpr Names<BroadcastStatus, 4> kBroadcastStatuses{
    {{BroadcastStatus::kDraft, "draft"},
     {BroadcastStatus::kSending, "sending"},
     {BroadcastStatus::kCompleted, "completed"},
     {BroadcastStatus::kCancelled, "cancelled"}}};
constexpr Names<RunStatus, 4> kRunStatuses{{{RunStatus::kPlanning, "planning"},
                                            {RunStatus::kSending, "sending"},
                                            {RunStatus::kCompleted, "completed"},
                                            {RunStatus::kCancelled, "cancelled"}}};
constexpr Names<ConversationState, 3> kConversationStates{
    {{ConversationState::kOpen, "open"},
     {ConversationState::kInProgress, "in_progress"},
     {ConversationState::kClosed, "closed"}}};
constexpr Names<DeliveryState, 5> kDeliveryStates{{{DeliveryState::kPlanned, "planned"},
                                                   {DeliveryState::kSending, "sending"},
                                                   {DeliveryState::kSent, "sent"},
                                                   {DeliveryState::kFailed, "failed"},
                                                   {DeliveryState::kSkipped, "skipped"}}};

}  // namespace

std::string_view ToString(Platform p) { return NameOf(kPlatforms, p); }
std::optional<Platform> ParsePlatform(std::string_view s) { return ValueOf(kPlatforms, s); }
std::string_view ToString(SubscriptionStatus s) { return NameOf(kSubscriptions, s); }
std::optional<SubscriptionStatus> ParseSubscriptionStatus(std::string_view s) {
  return ValueOf(kSubscriptions, s);
}
std::string_view ToString(WindowOpener o) { return NameOf(kOpeners, o); }
std::optional<WindowOpener> ParseWindowOpener(std::string_view s) { return ValueOf(kOpeners, s); }
std::string_view ToString(TemplateCategory c) { return NameOf(kTemplateCategories, c); }
std::optional<TemplateCategory> ParseTemplateCategory(std::string_view s) {
  return ValueOf(kTemplateCategories, s);
}
std::string_view ToString(TemplateHeaderKind k) { return NameOf(kTemplateHeaderKinds, k); }
std::optional<TemplateHeaderKind> ParseTemplateHeaderKind(std::string_view s) {
  return ValueOf(kTemplateHeaderKinds, s);
}
std::string_view ToString(TemplateButtonType t) { return NameOf(kTemplateButtonTypes, t); }
std::optional<TemplateButtonType> ParseTemplateButtonType(std::string_view s) {
  return ValueOf(kTemplateButtonTypes, s);
}
std::string_view ToString(Purpose p) { return NameOf(kPurposes, p); }
std::optional<Purpose> ParsePurpose(std::string_view s) { return ValueOf(kPurposes, s); }
std::string_view ToString(MessageKind k) { return NameOf(kMessageKinds, k); }
std::optional<MessageKind> ParseMessageKind(std::string_view s) {
  return ValueOf(kMessageKinds, s);
}
std::string_view ToString(ButtonAction a) { return NameOf(kButtonActions, a); }
std::optional<ButtonAction> ParseButtonAction(std::string_view s) {
  return ValueOf(kButtonActions, s);
}
std::string_view ToString(CardLayout l) { return NameOf(kCardLayouts, l); }
std::optional<CardLayout> ParseCardLayout(std::string_view s) { return ValueOf(kCardLayouts, s); }
std::string_view ToString(BroadcastStatus s) { return NameOf(kBroadcastStatuses, s); }
std::optional<BroadcastStatus> ParseBroadcastStatus(std::string_view s) {
  return ValueOf(kBroadcastStatuses, s);
}
std::string_view ToString(RunStatus s) { return NameOf(kRunStatuses, s); }
std::optional<RunStatus> ParseRunStatus(std::string_view s) { return ValueOf(kRunStatuses, s); }
std::string_view ToString(ConversationState s) { return NameOf(kConversationStates, s); }
std::optional<ConversationState> ParseConversationState(std::string_view s) {
  return ValueOf(kConversationStates, s);
}
std::string_view ToString(DeliveryState s) { return NameOf(kDeliveryStates, s); }
std::optional<DeliveryState> ParseDeliveryState(std::string_view s) {
  return ValueOf(kDeliveryStates, s);
}

}  // namespace crier
