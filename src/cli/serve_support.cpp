// The parts of `crier serve` that need none of the server's modules (kept apart so that the
// client side and its tests link without them).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/serve.h"

namespace crier::cli {

std::string ServerUrl(const std::string& host, std::uint16_t port) {
  std::string h = host;
  if (h.empty() || h == "0.0.0.0") h = "127.0.0.1";
  if (h == "::" || h == "[::]") h = "[::1]";
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port);
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto fail = [&](const std::string& which) {
    return Error{
        ErrorCode::kUnavailable, "cannot write " + which + ": " + std::strerror(errno), {}};
  };
  if (fd < 0) return fail(tmp);
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Error e = fail(tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Error e = fail(path);
    ::unlink(tmp.c_str());
    return e;
  }
  return Status::Ok();
}

}  // namespace crier::cli
