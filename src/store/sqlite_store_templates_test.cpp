// The template registry (schema version 8): definitions kept whole, unique per scope, name
// and language, listed by WABA / Page / name, updated and deleted; and template messages of
// broadcasts keeping what the registry filled in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using ::testing::HasSubstr;

const Time kT0 = FromUnixMillis(1'790'000'000'000);

class TemplateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    page_ = MakeAccount(Platform::kMessenger, "page-1", "");
    number_ = MakeAccount(Platform::kWhatsApp, "15550001", "111");
  }

  void Open() {
    store_.reset();
    auto opened = OpenSqliteStore({.path = dir_.File("crier.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Id MakeAccount(Platform platform, const std::string& external_id, const std::string& waba) {
    NewChannelAccount in;
    in.platform = platform;
    in.name = external_id;
    in.external_id = external_id;
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    in.capabilities.waba_id = waba;
    auto created = store_->CreateChannelAccount(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  static TemplateDefinition WhatsApp(std::string waba = "111", std::string language = "en_US") {
    TemplateDefinition t;
    t.platform = Platform::kWhatsApp;
    t.waba_id = std::move(waba);
    t.name = "order_update";
    t.language = std::move(language);
    t.category = TemplateCategory::kMarketing;
    t.status = TemplateStatus::kApproved;
    t.header_kind = TemplateHeaderKind::kImage;
    t.header_parameters = 1;
    t.body_parameters = 3;
    t.buttons = {{TemplateButtonType::kQuickReply, "Stop", ButtonBehaviour::kUnsubscribe, ""},
                 {TemplateButtonType::kQuickReply, "Menu", ButtonBehaviour::kBotFlow, "MENU"},
                 {TemplateButtonType::kUrl, "Track", ButtonBehaviour::kNone, "", true}};
    return t;
  }

  TemplateDefinition Messenger() const {
    TemplateDefinition t;
    t.platform = Platform::kMessenger;
    t.channel_account_id = page_;
    t.name = "order_update";
    t.language = "en_US";
    t.body_parameters = 2;
    return t;
  }

  std::vector<Id> Ids(const TemplateQuery& q) {
    auto page = store_->ListTemplates(q);
    EXPECT_TRUE(page.ok()) << page.error().ToString();
    std::vector<Id> ids;
    if (page.ok()) {
      for (const auto& t : page->items) ids.push_back(t.id);
    }
    return ids;
  }

  crier::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Id page_ = 0;
  Id number_ = 0;
};

TEST_F(TemplateStoreTest, KeepsADefinitionWholeAcrossARestart) {
  auto created = store_->CreateTemplate(WhatsApp(), kT0);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  Open();
  auto got = store_->GetTemplate(created->id);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(static_cast<const TemplateDefinition&>(*got), WhatsApp());
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->updated_at, kT0);
  EXPECT_EQ(store_->GetTemplate(created->id + 1).error().code, ErrorCode::kNotFound);
}

TEST_F(TemplateStoreTest, IsUniqueOnScopeNameAndLanguage) {
  ASSERT_TRUE(store_->CreateTemplate(WhatsApp(), kT0).ok());
  auto again = store_->CreateTemplate(WhatsApp(), kT0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "name");
  EXPECT_THAT(again.error().message, HasSubstr("WABA 111"));
  // Another language, another WABA, or a Page of the same name are other templates.
  EXPECT_TRUE(store_->CreateTemplate(WhatsApp("111", "zh_TW"), kT0).ok());
  EXPECT_TRUE(store_->CreateTemplate(WhatsApp("222"), kT0).ok());
  EXPECT_TRUE(store_->CreateTemplate(Messenger(), kT0).ok());
  auto page_again = store_->CreateTemplate(Messenger(), kT0);
  ASSERT_FALSE(page_again.ok());
  EXPECT_EQ(page_again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(TemplateStoreTest, RefusesAnInvalidDefinitionNamingTheMember) {
  TemplateDefinition t = WhatsApp();
  t.buttons[1].payload.clear();
  auto bad = store_->CreateTemplate(t, kT0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "buttons[1].payload");

  // A Messenger template's account must exist and be a Messenger Page.
  TemplateDefinition m = Messenger();
  m.channel_account_id = number_;
  auto not_a_page = store_->CreateTemplate(m, kT0);
  ASSERT_FALSE(not_a_page.ok());
  EXPECT_EQ(not_a_page.error().field, "channel_account_id");
  EXPECT_THAT(not_a_page.error().message, HasSubstr("whatsapp"));
  m.channel_account_id = 999;
  EXPECT_EQ(store_->CreateTemplate(m, kT0).error().field, "channel_account_id");
  auto page = store_->ListTemplates({});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

TEST_F(TemplateStoreTest, ListsByWabaPageNameAndLanguageAPageAtATime) {
  const Id a = store_->CreateTemplate(WhatsApp(), kT0)->id;
  const Id b = store_->CreateTemplate(WhatsApp("111", "zh_TW"), kT0)->id;
  const Id c = store_->CreateTemplate(WhatsApp("222"), kT0)->id;
  const Id d = store_->CreateTemplate(Messenger(), kT0)->id;
  EXPECT_EQ(Ids({}), (std::vector<Id>{a, b, c, d}));
  EXPECT_EQ(Ids({.waba_id = "111"}), (std::vector<Id>{a, b}));
  EXPECT_EQ(Ids({.channel_account_id = page_}), (std::vector<Id>{d}));
  EXPECT_EQ(Ids({.name = "order_update", .language = "en_US"}), (std::vector<Id>{a, c, d}));
  EXPECT_EQ(Ids({.name = "other"}), (std::vector<Id>{}));

  auto first = store_->ListTemplates({.page = {0, 2}});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_EQ(first->next_after_id, b);
  EXPECT_EQ(Ids({.page = {b, 2}}), (std::vector<Id>{c, d}));
  EXPECT_EQ(store_->ListTemplates({.page = {0, 0}}).error().field, "limit");
}

TEST_F(TemplateStoreTest, UpdatesStatusAndCategoryOnly) {
  const Id id = store_->CreateTemplate(WhatsApp(), kT0)->id;
  const Time later = kT0 + std::chrono::seconds(5);
  auto paused = store_->UpdateTemplate(id, {.status = TemplateStatus::kPaused}, later);
  ASSERT_TRUE(paused.ok()) << paused.error().ToString();
  EXPECT_EQ(paused->status, TemplateStatus::kPaused);
  EXPECT_EQ(paused->category, TemplateCategory::kMarketing);
  EXPECT_EQ(paused->updated_at, later);
  auto got = store_->GetTemplate(id);
  EXPECT_EQ(got->status, TemplateStatus::kPaused);
  EXPECT_EQ(got->updated_at, later);
  auto recategorised = store_->UpdateTemplate(id, {.category = TemplateCategory::kUtility}, later);
  EXPECT_EQ(recategorised->category, TemplateCategory::kUtility);
  EXPECT_EQ(recategorised->status, TemplateStatus::kPaused);

  // A Messenger template stays a utility template.
  const Id m = store_->CreateTemplate(Messenger(), kT0)->id;
  auto refused = store_->UpdateTemplate(m, {.category = TemplateCategory::kMarketing}, later);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "category");
  EXPECT_EQ(store_->GetTemplate(m)->category, TemplateCategory::kUtility);
  EXPECT_EQ(store_->UpdateTemplate(999, {}, later).error().code, ErrorCode::kNotFound);
}

TEST_F(TemplateStoreTest, DeletesOnceAndFreesTheKey) {
  const Id id = store_->CreateTemplate(WhatsApp(), kT0)->id;
  ASSERT_TRUE(store_->DeleteTemplate(id).ok());
  EXPECT_EQ(store_->GetTemplate(id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteTemplate(id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->CreateTemplate(WhatsApp(), kT0).ok());
}

TEST_F(TemplateStoreTest, ABroadcastKeepsWhatTheRegistryFilledIn) {
  NewBroadcast in;
  in.name = "promo";
  in.channel_account_id = number_;
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "order_update";
  m.template_message.language = "en_US";
  m.template_message.category = TemplateCategory::kMarketing;
  m.template_message.header_parameters = {"https://cdn.example/a.png"};
  m.template_message.body_parameters = {"a", "b", "c"};
  m.template_message.button_parameters = {"order/{{contact.attr.order}}"};
  m.template_message.header_kind = TemplateHeaderKind::kImage;
  m.template_message.buttons = {{0, TemplateButtonType::kQuickReply, "crier:unsubscribe"},
                                {1, TemplateButtonType::kQuickReply, "MENU"},
                                {2, TemplateButtonType::kUrl, ""}};
  in.messages = {m};
  auto created = store_->CreateBroadcast(in, kT0);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  Open();
  auto got = store_->GetBroadcast(created->id);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->messages.size(), 1u);
  EXPECT_EQ(got->messages[0].template_message, m.template_message);
}

}  // namespace
}  // namespace crier
