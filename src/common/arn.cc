#include "common/arn.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace kiln {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

std::string ArnSlug(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == ' ') c = '-';
    else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Arn::ToString() const {
  std::string s = "arn:" + partition + ":imagebuilder:" + region + ":" + account + ":" + type + "/";
  if (!workflow_type.empty()) s += workflow_type + "/";
  s += name;
  if (!version.empty()) s += "/" + version;
  if (build) s += "/" + std::to_string(*build);
  return s;
}

Result<Arn> ParseArn(const std::string& text) {
  auto fields = Split(text, ':');
  if (fields.size() != 6 || fields[0] != "arn" || fields[1].rfind("aws", 0) != 0 ||
      fields[2] != "imagebuilder") {
    return Status::Invalid("'" + text + "' is not an Image Builder ARN " +
                           "(arn:aws:imagebuilder:<region>:<owner>:<type>/<name>...)");
  }
  Arn arn;
  arn.partition = fields[1];
  arn.region = fields[3];
  arn.account = fields[4];
  if (arn.region.empty()) return Status::Invalid("ARN '" + text + "' has no region");
  if (arn.account.empty()) return Status::Invalid("ARN '" + text + "' has no owner account");
  auto path = Split(fields[5], '/');
  arn.type = path[0];
  size_t i = 1;
  if (arn.type == "workflow") {
    if (path.size() < 2 || (path[1] != "build" && path[1] != "test" && path[1] != "distribution")) {
      return Status::Invalid("workflow ARN '" + text +
                             "' must name a workflow type (build, test or distribution)");
    }
    arn.workflow_type = path[1];
    i = 2;
  }
  if (i >= path.size() || path[i].empty()) {
    return Status::Invalid("ARN '" + text + "' has no resource name");
  }
  arn.name = path[i++];
  if (i < path.size()) arn.version = path[i++];
  if (i < path.size()) {
    const std::string& b = path[i++];
    int64_t n = -1;
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), n);
    if (ec != std::errc() || p != b.data() + b.size() || n < 0) {
      return Status::Invalid("ARN '" + text + "': build version '" + b + "' is not a number");
    }
    arn.build = n;
  }
  if (i != path.size()) return Status::Invalid("ARN '" + text + "' has too many path segments");
  return arn;
}

}  // namespace kiln
