// Helpers shared by the sandbox's tests: a Sandbox on a FakeClock driven in-process through
// Handle(), and readers for the platforms' answers.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "net/http.h"
#include "sandbox/sandbox.h"

namespace crier::sandbox::testing {

namespace json = boost::json;

inline Time At(std::string_view rfc3339) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

inline net::Request MakeRequest(std::string method, std::string target, std::string body = {},
                                net::Headers headers = {}) {
  net::Request r;
  r.method = std::move(method);
  r.SetTarget(std::move(target));
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline json::object Parse(const net::Response& r) {
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body;
  return v.is_object() ? v.get_object() : json::object();
}

// A Graph answer (Messenger, Instagram, WhatsApp).
struct GraphAnswer {
  int status;
  json::object body;
  std::int64_t code() const { return body.at("error").at("code").as_int64(); }
  std::int64_t subcode() const {
    const auto* s = body.at("error").as_object().if_contains("error_subcode");
    return s ? s->as_int64() : 0;
  }
  std::string message() const { return std::string(body.at("error").at("message").as_string()); }
  std::string type() const { return std::string(body.at("error").at("type").as_string()); }
  std::string details() const {
    return std::string(body.at("error").at("error_data").at("details").as_string());
  }
};

class SandboxFixture : public ::testing::Test {
 protected:
  SandboxFixture() : clock_(At("2026-03-01T12:00:00Z")), sandbox_(clock_) {}

  net::Response Call(std::string method, std::string target, std::string body = {},
                     net::Headers headers = {}) {
    return sandbox_.Handle(
        MakeRequest(std::move(method), std::move(target), std::move(body), std::move(headers)));
  }

  // A control call that must succeed.
  json::object Control(std::string method, std::string target, const json::object& body,
                       int expected = 200) {
    auto r = Call(std::move(method), target, json::serialize(body));
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return Parse(r);
  }

  // The `field` of a control error, checking the status.
  std::string FieldOf(std::string target, const std::string& body, int status = 400) {
    auto r = Call("POST", std::move(target), body);
    EXPECT_EQ(r.status, status) << body << ": " << r.body;
    auto o = Parse(r);
    const auto* f = o.contains("error") ? o.at("error").as_object().if_contains("field") : nullptr;
    return f ? std::string(f->as_string()) : std::string();
  }

  json::object Stats() { return Parse(Call("GET", "/__sandbox/stats")); }
  json::object PlatformStats(std::string_view platform) {
    return Stats().at("platforms").at(platform).as_object();
  }
  json::array Messages(std::string query = {}) {
    return Parse(Call("GET", "/__sandbox/messages" + query)).at("items").as_array();
  }

  FakeClock clock_;
  Sandbox sandbox_;
};

inline constexpr std::string_view kPage = "1001";
inline constexpr std::string_view kToken = "page-token-1001";
inline constexpr std::string_view kIgPage = "2002";
inline constexpr std::string_view kIgToken = "ig-token-2002";
inline constexpr std::string_view kUser = "psid-1";

// Two Pages with the human_agent permission: Messenger 1001 and Instagram 2002.
class MessengerFixture : public SandboxFixture {
 protected:
  MessengerFixture() {
    AddPage(kPage, kToken, "messenger");
    AddPage(kIgPage, kIgToken, "instagram");
  }

  void AddPage(std::string_view id, std::string_view token, std::string_view platform,
               json::array permissions = {"human_agent"}) {
    json::object body{{"page_id", id},
                      {"access_token", token},
                      {"platform", platform},
                      {"permissions", std::move(permissions)}};
    auto r = Call("POST", "/__sandbox/pages", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  void Interact(std::string_view page, std::string_view user, Time at,
                std::string_view source = "organic") {
    json::object row{{"user_id", user}, {"at", FormatRfc3339(at)}, {"source", source}};
    json::object body{{"page_id", page}, {"interactions", json::array{row}}};
    auto r = Call("POST", "/__sandbox/interactions", json::serialize(body));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  static std::string TextBody(std::string_view user, std::string_view type = "UPDATE",
                              std::string_view tag = {}, std::string_view text = "hello") {
    json::object body{
        {"recipient", {{"id", user}}}, {"messaging_type", type}, {"message", {{"text", text}}}};
    if (!tag.empty()) body["tag"] = tag;
    return json::serialize(body);
  }

  GraphAnswer Send(const std::string& body, std::string_view page = kPage,
                   std::string_view token = kToken) {
    auto r = Call("POST", "/v25.0/" + std::string(page) + "/messages", body,
                  {{"Authorization", "Bearer " + std::string(token)}});
    return {r.status, Parse(r)};
  }
};

}  // namespace crier::sandbox::testing
