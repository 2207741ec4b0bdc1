// Messenger and Instagram as Graph plays them: the Send API (`POST /{version}/{page-id}/
// messages`) with standard, tagged, utility-template and marketing-token sends, and the
// Marketing Message API (`POST /{version}/act_{ad-account-id}/messages`), with Graph's checks
// in Graph's order, its success shapes and its error envelope (graph_rules.h holds the facts).
// Control handlers register what a real Page would have: tokens, permissions, users'
// interactions, utility templates, marketing-message tokens and ad accounts.
//
// Thread-safe: every method may be called concurrently. Standard sends take a shared lock;
// sends that spend something (a token's cool-down, a campaign's budget) take it exclusively.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "core/clock.h"
#include "net/http.h"
#include "sandbox/common.h"
#include "sandbox/record.h"

namespace crier::sandbox::detail {

class GraphPlatform {
 public:
  explicit GraphPlatform(Recorder& recorder);
  ~GraphPlatform();
  GraphPlatform(const GraphPlatform&) = delete;
  GraphPlatform& operator=(const GraphPlatform&) = delete;

  bool HasPage(std::string_view id) const;
  // Instagram when the request's Page (by id, or by token for `me`) is an Instagram one.
  Platform PlatformOf(const net::Request& request, std::string_view page_in_path) const;

  // POST /{version}/{page-id}/messages (also unversioned and /me/messages).
  net::Response HandleSend(const net::Request& request, std::string_view page_in_path, Time now);
  // POST /{version}/act_{ad-account-id}/messages; `account_id` is without "act_".
  net::Response HandleMarketingApi(const net::Request& request, std::string_view account_id,
                                   Time now);
  // Graph's answer to any other method on an object: 100/33 "Unsupported <method> request".
  net::Response UnsupportedMethod(std::string_view method, std::string_view id, Platform platform);
  // A Graph 5xx (code 2, transient), for fault injection.
  static net::Response ServerError(int status);

  // --- Control endpoints (crier's envelope) ----------------------------------------------
  // POST /__sandbox/pages. `graph_id_taken`: whether another platform already uses the id.
  net::Response AddPage(const net::Request& request,
                        const std::function<bool(std::string_view)>& graph_id_taken);
  net::Response AddInteractions(const net::Request& request, Time now);  // /__sandbox/interactions
  net::Response AddTemplates(const net::Request& request);   // /__sandbox/messenger/templates
  net::Response AddTokens(const net::Request& request);      // /__sandbox/messenger/tokens
  net::Response AddAdAccounts(const net::Request& request);  // /__sandbox/messenger/ad_accounts

 private:
  class State;
  Recorder& recorder_;
  std::unique_ptr<State> state_;
};

}  // namespace crier::sandbox::detail
