// docs/openapi.yaml must describe every route the server serves, and nothing it does not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "api/routes.h"

namespace crier::api {
namespace {

using Operation = std::pair<std::string, std::string>;  // path, upper-case method

// Path keys are indented by two spaces and start with '/'; operations under them by four.
std::set<Operation> DocumentedOperations(std::istream& in) {
  static const std::set<std::string> kMethods = {"get",   "put",  "post",   "delete",
                                                 "patch", "head", "options"};
  std::set<Operation> ops;
  std::string line, path;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      continue;
    }
    if (line.size() > 2 && line[0] != ' ') path.clear();  // a new top-level section
    if (path.empty() || line.rfind("    ", 0) != 0 || line.size() < 5 || line[4] == ' ') continue;
    const std::string key = line.substr(4, line.find(':') - 4);
    if (kMethods.contains(key)) {
      std::string upper = key;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ops.insert({path, upper});
    }
  }
  return ops;
}

TEST(OpenApi, DocumentsExactlyTheServedRoutes) {
  std::ifstream file(CRIER_OPENAPI_PATH);
  ASSERT_TRUE(file) << "cannot open " << CRIER_OPENAPI_PATH;
  const std::set<Operation> documented = DocumentedOperations(file);
  std::set<Operation> served;
  for (const ApiRoute& r : ApiRoutes())
    served.insert({std::string(r.pattern), std::string(r.method)});
  for (const Operation& op : served) {
    EXPECT_TRUE(documented.contains(op)) << op.second << " " << op.first << " is not documented";
  }
  for (const Operation& op : documented) {
    EXPECT_TRUE(served.contains(op))
        << op.second << " " << op.first << " is documented, not served";
  }
  EXPECT_EQ(served.size(), 42u);
}

TEST(OpenApi, IsVersion303WithBearerAuth) {
  std::ifstream file(CRIER_OPENAPI_PATH);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::HasSubstr("openapi: 3.0.3"));
  EXPECT_THAT(text, ::testing::HasSubstr("scheme: bearer"));
}

}  // namespace
}  // namespace crier::api
