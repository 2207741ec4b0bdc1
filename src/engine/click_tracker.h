// Click tracking (PRODUCT.md G3). A broadcast that tracks clicks sends every link through
// crier's redirect: `{public_url}/r/{token}/{link}`, where the token names the run and the
// recipient and is signed, so that a press is recorded for the person it was sent to and a
// made-up address records nothing. The link's number is its place in FindLinks' order
// (core/links.h); the redirect reads the broadcast's stored messages to find where it goes,
// so nothing per copy is stored when it is sent.
//
// Thread-safety: after Create, every member is const or goes through the Store: a tracker may
// be used from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"
#include "store/store.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace crier::engine {

// Why a broadcast that tracks clicks cannot be sent by a server without a public URL.
inline constexpr std::string_view kNoPublicUrl =
    "click tracking needs the server's public URL (crier serve --public-url)";

// The path crier's redirect is served under.
inline constexpr std::string_view kRedirectPath = "/r";

// `url` as the public base of crier's redirect: http or https, with a host, and no user,
// query, fragment or braces; trailing slashes dropped ("https://crier.example/links/" ->
// "https://crier.example/links"). kInvalidArgument on `field` otherwise.
Result<std::string> NormalisePublicUrl(std::string_view url, std::string_view field);

// Whether `user_agent` is a link-preview fetcher (Meta's crawler, WhatsApp's preview): they
// fetch a link when a message arrives, not when a person presses it.
bool IsLinkPreviewFetcher(std::string_view user_agent);

// Where a press goes.
struct ClickTarget {
  std::string location;   // the link's own address, filled in for the person when personalised
  bool recorded = false;  // counted as a click
};

// Who a token was made for.
struct ClickRef {
  Id run_id = 0;
  Id contact_id = 0;
  friend bool operator==(const ClickRef&, const ClickRef&) = default;
};

class ClickTracker {
 public:
  // `public_url` must be normalised (NormalisePublicUrl). The signing key is made once per
  // database (Store::EnsureSecret), so every node that shares it makes and reads the same
  // tokens. `store` and `clock` must outlive the tracker.
  static Result<std::unique_ptr<ClickTracker>> Create(Store& store, const Clock& clock,
                                                      std::string public_url);

  // public_url + kRedirectPath: what WithTrackedLinks puts before each link's token.
  const std::string& redirect_base() const { return redirect_base_; }

  // The token of `contact_id`'s copies of run `run_id` ("2s.9ix.Qk3v0aZ1xYw_"): the ids in
  // base 36 and 72 bits of an HMAC-SHA256 over them, base64url.
  std::string Token(Id run_id, Id contact_id) const;
  // Who `token` was made for; nullopt when this database's key did not make it.
  std::optional<ClickRef> Verify(std::string_view token) const;

  // A press of link `link` (its number, in decimal) of the copy `token` was made for: where
  // to send the person, recorded as a click unless a link-preview fetcher asks. kNotFound
  // when the token is not one crier made, the run's broadcast does not track clicks, or it
  // has no such link (or the link's address, filled in for this person, is not an http(s)
  // address).
  Result<ClickTarget> Follow(std::string_view token, std::string_view link,
                             std::string_view user_agent) const;

 private:
  using DigestState = std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)>;
  ClickTracker(Store& store, const Clock& clock, std::string public_url, DigestState inner,
               DigestState outer);
  std::string Mac(std::string_view ids) const;

  Store& store_;
  const Clock& clock_;
  std::string redirect_base_;
  // HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once: a token costs two
  // SHA-256 finishes, not a key schedule and a digest lookup (OpenSSL's one-shot HMAC spends
  // about a microsecond on those). Read-only after Create; each call hashes in a copy.
  DigestState inner_;
  DigestState outer_;
};

}  // namespace crier::engine
