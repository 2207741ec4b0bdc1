#include "engine/click_tracker.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <span>

#include "core/links.h"
#include "core/personalize.h"

namespace crier::engine {
namespace {

constexpr std::string_view kSecretName = "click_tracking_key";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMacBytes = 9;  // 72 bits: 12 base64url characters
constexpr std::string_view kBase36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base36(Id id) {
  auto v = static_cast<std::uint64_t>(id);
  std::string out;
  do {
    out.push_back(kBase36[v % 36]);
    v /= 36;
  } while (v > 0);
  std::reverse(out.begin(), out.end());
  return out;
}

// A positive id in base 36 as Base36 writes it (no leading zeros, lower case).
std::optional<Id> ParseBase36(std::string_view s) {
  if (s.empty() || s.size() > 12 || s.front() == '0') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const std::size_t digit = kBase36.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    v = v * 36 + digit;
  }
  if (v == 0 || v > static_cast<std::uint64_t>(std::numeric_limits<Id>::max())) {
    return std::nullopt;
  }
  return static_cast<Id>(v);
}

std::string Hex(std::span<const unsigned char> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Bytes a Location header may not carry as they are: spaces, controls, quotes and the like,
// and everything outside ASCII. What a personalised address was filled with may hold them.
std::string PercentEncodeUnsafe(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F ||
        std::string_view("\"<>\\^`{|}").find(ch) != std::string_view::npos) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace

Result<std::string> NormalisePublicUrl(std::string_view url, std::string_view field) {
  const std::string f(field);
  std::string out(url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (HostOf(out).empty()) {
    return InvalidArgument(f, "must be an http:// or https:// URL with a host");
  }
  for (char c : out) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return InvalidArgument(f, "may hold printable ASCII only (no spaces)");
    }
  }
  if (out.find_first_of("?#{}") != std::string::npos) {
    return InvalidArgument(f, "may not have a query, a fragment or braces");
  }
  if (out.substr(0, out.find('/', out.find("://") + 3)).find('@') != std::string::npos) {
    return InvalidArgument(f, "may not name a user");
  }
  return out;
}

bool IsLinkPreviewFetcher(std::string_view user_agent) {
  // Meta's crawler fetches links for Messenger and Instagram previews, WhatsApp's servers
  // and apps for theirs; the others are the common chat unfurlers a link is pasted into.
  static constexpr std::string_view kFetchers[] = {
      "facebookexternalhit", "facebot",        "meta-externalagent", "whatsapp/",
      "twitterbot",          "slackbot",       "telegrambot",        "discordbot",
      "linkedinbot",         "skypeuripreview"};
  std::string lowered(user_agent);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(std::begin(kFetchers), std::end(kFetchers),
                     [&](std::string_view f) { return lowered.find(f) != std::string::npos; });
}

Result<std::unique_ptr<ClickTracker>> ClickTracker::Create(Store& store, const Clock& clock,
                                                           std::string public_url) {
  std::array<unsigned char, kKeyBytes> fresh{};
  if (RAND_bytes(fresh.data(), static_cast<int>(fresh.size())) != 1) {
    return Internal("no random bytes for the click-tracking key");
  }
  auto key = store.EnsureSecret(kSecretName, Hex(fresh), clock.Now());
  if (!key.ok()) return key.error();
  // RFC 2104: the key (hashed first if longer than a block) zero-padded to SHA-256's 64-byte
  // block, XORed with 0x36 for the inner hash and 0x5c for the outer.
  constexpr std::size_t kBlock = 64;
  std::array<unsigned char, kBlock> block{};
  if (key->size() > kBlock) {
    unsigned int n = 0;
    if (EVP_Digest(key->data(), key->size(), block.data(), &n, EVP_sha256(), nullptr) != 1) {
      return Internal("cannot hash the click-tracking key");
    }
  } else {
    std::copy(key->begin(), key->end(), block.begin());
  }
  const auto padded = [&](unsigned char pad) -> Result<DigestState> {
    DigestState state(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::array<unsigned char, kBlock> x{};
    for (std::size_t i = 0; i < kBlock; ++i) x[i] = block[i] ^ pad;
    if (!state || EVP_DigestInit_ex(state.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(state.get(), x.data(), x.size()) != 1) {
      return Internal("cannot set up the click-tracking HMAC");
    }
    return state;
  };
  auto inner = padded(0x36);
  if (!inner.ok()) return inner.error();
  auto outer = padded(0x5c);
  if (!outer.ok()) return outer.error();
  return std::unique_ptr<ClickTracker>(
      new ClickTracker(store, clock, std::move(public_url), std::move(*inner), std::move(*outer)));
}

ClickTracker::ClickTracker(Store& store, const Clock& clock, std::string public_url,
                           DigestState inner, DigestState outer)
    : store_(store),
      clock_(clock),
      redirect_base_(std::move(public_url) + std::string(kRedirectPath)),
      inner_(std::move(inner)),
      outer_(std::move(outer)) {}

std::string ClickTracker::Mac(std::string_view ids) const {
  // One working state per thread, reused: copying a keyed state allocates nothing once made.
  thread_local const DigestState work(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const bool hashed = work && EVP_MD_CTX_copy_ex(work.get(), inner_.get()) == 1 &&
                      EVP_DigestUpdate(work.get(), ids.data(), ids.size()) == 1 &&
                      EVP_DigestFinal_ex(work.get(), digest.data(), &length) == 1 &&
                      EVP_MD_CTX_copy_ex(work.get(), outer_.get()) == 1 &&
                      EVP_DigestUpdate(work.get(), digest.data(), length) == 1 &&
                      EVP_DigestFinal_ex(work.get(), digest.data(), &length) == 1;
  // Only an allocation failure can stop a keyed SHA-256; no token is then better than a
  // wrong one, and no token verifies.
  if (!hashed) return {};
  std::string out;
  // 9 bytes are 72 bits: exactly 12 characters, no padding.
  for (std::size_t i = 0; i < kMacBytes; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{digest[i]} << 16) | (std::uint32_t{digest[i + 1]} << 8) | digest[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Url[(v >> shift) & 63]);
  }
  return out;
}

std::string ClickTracker::Token(Id run_id, Id contact_id) const {
  std::string ids = Base36(run_id) + "." + Base36(contact_id);
  return ids + "." + Mac(ids);
}

std::optional<ClickRef> ClickTracker::Verify(std::string_view token) const {
  const std::size_t last = token.rfind('.');
  if (last == std::string_view::npos) return std::nullopt;
  const std::string_view ids = token.substr(0, last);
  const std::string_view mac = token.substr(last + 1);
  const std::size_t dot = ids.find('.');
  if (dot == std::string_view::npos || mac.size() != kMacBytes / 3 * 4) return std::nullopt;
  const auto run = ParseBase36(ids.substr(0, dot));
  const auto contact = ParseBase36(ids.substr(dot + 1));
  if (!run || !contact) return std::nullopt;
  const std::string expected = Mac(ids);
  if (expected.size() != mac.size()) return std::nullopt;
  if (CRYPTO_memcmp(expected.data(), mac.data(), expected.size()) != 0) return std::nullopt;
  return ClickRef{*run, *contact};
}

Result<ClickTarget> ClickTracker::Follow(std::string_view token, std::string_view link,
                                         std::string_view user_agent) const {
  const auto gone = [] { return NotFound("no such tracked link"); };
  std::size_t index = 0;
  const auto parsed = std::from_chars(link.data(), link.data() + link.size(), index);
  if (link.empty() || link.size() > 6 || parsed.ec != std::errc() ||
      parsed.ptr != link.data() + link.size()) {
    return gone();
  }
  const std::optional<ClickRef> ref = Verify(token);
  if (!ref) return gone();
  auto run = store_.GetRun(ref->run_id);
  if (!run.ok()) return run.error().code == ErrorCode::kNotFound ? gone() : run.error();
  auto broadcast = store_.GetBroadcast(run->broadcast_id);
  if (!broadcast.ok()) {
    return broadcast.error().code == ErrorCode::kNotFound ? gone() : broadcast.error();
  }
  if (!broadcast->track_clicks) return gone();
  const std::vector<Link> links = FindLinks(broadcast->messages, {});
  if (index >= links.size()) return gone();
  std::string location = links[index].url;
  if (location.find("{{") != std::string::npos) {
    // A personalised address: filled in for the person the copy went to, as it would have
    // been without tracking.
    auto compiled = personalize::Template::Compile(location, links[index].field);
    if (!compiled.ok()) return gone();
    auto contact = store_.GetContact(ref->contact_id);
    Contact someone;
    if (contact.ok()) {
      someone = std::move(*contact);
    } else if (contact.error().code != ErrorCode::kNotFound) {
      return contact.error();
    }
    location = compiled->RenderPlain(someone);
  }
  location = PercentEncodeUnsafe(location);
  if (HostOf(location).empty()) return gone();
  ClickTarget target{std::move(location), false};
  if (!IsLinkPreviewFetcher(user_agent)) {
    CRIER_RETURN_IF_ERROR(store_.RecordClick({ref->run_id, ref->contact_id, index, clock_.Now()}));
    target.recorded = true;
  }
  return target;
}

}  // namespace crier::engine
