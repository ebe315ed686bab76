#include "engine/dockerfile.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

namespace kiln::engine {
using Json = nlohmann::json;

namespace {

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

bool IsPlaceholder(const std::string& line, const std::string& name) {
  std::string compact;
  for (char c : line)
    if (!isspace(static_cast<unsigned char>(c))) compact += c;
  return compact.find("{{{imagebuilder:" + name + "}}}") != std::string::npos;
}

// Shell-like words: whitespace-separated, with '...' and "..." quoting and
// backslash escapes (what ENV and LABEL take).
Result<std::vector<std::string>> Words(const std::string& s, int line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size()) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (isspace(static_cast<unsigned char>(c))) {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) return Status::Invalid("Dockerfile template line " + std::to_string(line) + ": unterminated quote");
  if (in_word) out.push_back(cur);
  return out;
}

// Exec form `["a", "b"]`, else nullopt.
std::optional<std::vector<std::string>> ExecForm(const std::string& args) {
  std::string t = Trim(args);
  if (t.empty() || t[0] != '[') return std::nullopt;
  Json j = Json::parse(t, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

// KEY=VALUE pairs, or the legacy "KEY VALUE..." form of ENV/LABEL.
Result<std::vector<std::pair<std::string, std::string>>> Pairs(const std::string& args, int line, bool legacy) {
  KILN_ASSIGN_OR_RETURN(auto words, Words(args, line));
  std::vector<std::pair<std::string, std::string>> out;
  if (words.empty()) return Status::Invalid("Dockerfile template line " + std::to_string(line) + ": needs KEY=VALUE");
  if (legacy && words[0].find('=') == std::string::npos) {
    size_t sp = Trim(args).find_first_of(" \t");
    if (sp == std::string::npos) return Status::Invalid("Dockerfile template line " + std::to_string(line) + ": needs a value");
    out.emplace_back(words[0], Trim(Trim(args).substr(sp)));
    return out;
  }
  for (const auto& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::Invalid("Dockerfile template line " + std::to_string(line) + ": '" + w + "' is not KEY=VALUE");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

}  // namespace

Result<DockerfileTemplate> ParseDockerfileTemplate(const std::string& text) {
  DockerfileTemplate t;
  bool components_seen = false, from_seen = false;
  std::istringstream in(text);
  std::string raw, joined;
  int line = 0, start = 0;
  while (std::getline(in, raw)) {
    line++;
    std::string s = Trim(raw);
    if (joined.empty() && (s.empty() || s[0] == '#')) continue;
    if (joined.empty()) start = line;
    if (!s.empty() && s.back() == '\\') {
      joined += s.substr(0, s.size() - 1) + " ";
      continue;
    }
    joined += s;
    const std::string where = "Dockerfile template line " + std::to_string(start);
    std::string full = Trim(joined);
    joined.clear();
    if (full.empty()) continue;
    size_t sp = full.find_first_of(" \t");
    std::string keyword = full.substr(0, sp);
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), ::toupper);
    std::string args = sp == std::string::npos ? "" : Trim(full.substr(sp));
    if (keyword == "FROM") {
      if (from_seen || !IsPlaceholder(args, "parentImage"))
        return Status::Invalid(where + ": only one FROM {{{ imagebuilder:parentImage }}} is supported (Kiln "
                               "builds on the recipe's parent image; multi-stage builds are not supported)");
      from_seen = true;
      continue;
    }
    if (IsPlaceholder(full, "environments")) continue;  // nothing to set up
    if (IsPlaceholder(full, "components")) {
      components_seen = true;
      continue;
    }
    if (keyword == "COPY" || keyword == "ADD")
      return Status::Invalid(where + ": " + keyword + " needs a build context, which container recipes do not "
                             "have; fetch files in a component (S3Download, WebDownload) instead");
    static const char* kKnown[] = {"RUN", "ENV", "ARG", "WORKDIR", "USER", "LABEL", "EXPOSE", "ENTRYPOINT",
                                   "CMD", "VOLUME", "STOPSIGNAL", "MAINTAINER"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return keyword == k; }) ==
        std::end(kKnown))
      return Status::Invalid(where + ": instruction " + keyword + " is not supported in Kiln container builds");
    (components_seen ? t.after : t.before).push_back({keyword, args, start});
  }
  if (!joined.empty()) return Status::Invalid("Dockerfile template ends inside a continued line");
  if (!from_seen) return Status::Invalid("Dockerfile template needs FROM {{{ imagebuilder:parentImage }}}");
  return t;
}

DockerfileState::DockerfileState(const Json& parent_config) : config_(parent_config.is_object() ? parent_config : Json::object()) {
  for (const auto& e : config_.value("Env", Json::array())) {
    if (!e.is_string()) continue;
    const std::string s = e.get<std::string>();
    size_t eq = s.find('=');
    if (eq != std::string::npos) env_.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  workdir_ = config_.value("WorkingDir", "/");
  if (workdir_.empty()) workdir_ = "/";
  user_ = config_.value("User", "");
}

std::string DockerfileState::Lookup(const std::string& name) const {
  for (auto it = env_.rbegin(); it != env_.rend(); ++it)
    if (it->first == name) return it->second;
  for (auto it = args_.rbegin(); it != args_.rend(); ++it)
    if (it->first == name) return it->second;
  return "";
}

std::string DockerfileState::Substitute(const std::string& s) const {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    size_t j = i + 1;
    std::string name;
    if (s[j] == '{') {
      size_t close = s.find('}', j);
      if (close == std::string::npos) { out += s[i]; continue; }
      name = s.substr(j + 1, close - j - 1);
      i = close;
    } else {
      while (j < s.size() && (isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) name += s[j++];
      if (name.empty()) { out += s[i]; continue; }
      i = j - 1;
    }
    out += Lookup(name);
  }
  return out;
}

std::vector<std::string> DockerfileState::run_env() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : args_) out.push_back(k + "=" + v);
  for (const auto& [k, v] : env_) out.push_back(k + "=" + v);
  return out;
}

Result<std::vector<std::string>> DockerfileState::Apply(const DockerInstruction& ins) {
  const std::string where = "Dockerfile template line " + std::to_string(ins.line) + " (" + ins.keyword + ")";
  const std::string& k = ins.keyword;
  if (k == "RUN") {
    if (auto exec = ExecForm(ins.args)) {
      if (exec->empty()) return Status::Invalid(where + ": empty command");
      return *exec;
    }
    if (ins.args.empty()) return Status::Invalid(where + ": empty command");
    return std::vector<std::string>{"/bin/sh", "-c", ins.args};
  }
  if (k == "ENV" || k == "LABEL") {
    KILN_ASSIGN_OR_RETURN(auto pairs, Pairs(ins.args, ins.line, true));
    for (auto& [key, value] : pairs) {
      value = Substitute(value);
      if (k == "LABEL") {
        changes_["Labels"][key] = value;
        continue;
      }
      env_.erase(std::remove_if(env_.begin(), env_.end(), [&](const auto& e) { return e.first == key; }), env_.end());
      env_.emplace_back(key, value);
    }
    if (k == "ENV") {
      Json env = Json::array();
      for (const auto& [key, value] : env_) env.push_back(key + "=" + value);
      changes_["Env"] = env;
    }
    return std::vector<std::string>{};
  }
  if (k == "ARG") {
    std::string a = Trim(ins.args);
    size_t eq = a.find('=');
    args_.emplace_back(a.substr(0, eq), eq == std::string::npos ? "" : a.substr(eq + 1));
    return std::vector<std::string>{};
  }
  if (k == "WORKDIR") {
    std::string dir = Substitute(Trim(ins.args));
    if (dir.empty()) return Status::Invalid(where + ": needs a directory");
    workdir_ = dir[0] == '/' ? dir : (workdir_ == "/" ? "" : workdir_) + "/" + dir;
    changes_["WorkingDir"] = workdir_;
    return std::vector<std::string>{};
  }
  if (k == "USER") {
    user_ = Substitute(Trim(ins.args));
    changes_["User"] = user_;
    return std::vector<std::string>{};
  }
  if (k == "EXPOSE") {
    KILN_ASSIGN_OR_RETURN(auto ports, Words(Substitute(ins.args), ins.line));
    for (auto p : ports) {
      if (p.find('/') == std::string::npos) p += "/tcp";
      changes_["ExposedPorts"][p] = Json::object();
    }
    return std::vector<std::string>{};
  }
  if (k == "ENTRYPOINT" || k == "CMD") {
    auto exec = ExecForm(ins.args);
    Json value = exec ? Json(*exec) : Json::array({"/bin/sh", "-c", ins.args});
    changes_[k == "CMD" ? "Cmd" : "Entrypoint"] = value;
    return std::vector<std::string>{};
  }
  if (k == "VOLUME") {
    auto exec = ExecForm(ins.args);
    std::vector<std::string> vols;
    if (exec) {
      vols = *exec;
    } else {
      KILN_ASSIGN_OR_RETURN(vols, Words(Substitute(ins.args), ins.line));
    }
    for (const auto& v : vols) changes_["Volumes"][v] = Json::object();
    return std::vector<std::string>{};
  }
  if (k == "STOPSIGNAL") {
    changes_["StopSignal"] = Substitute(Trim(ins.args));
    return std::vector<std::string>{};
  }
  if (k == "MAINTAINER") {
    changes_["Labels"]["maintainer"] = Trim(ins.args);
    return std::vector<std::string>{};
  }
  return Status::Invalid(where + ": not supported");
}

Json DockerfileState::ConfigChanges() const {
  Json out = changes_;
  // Labels, ports and volumes add to the parent's.
  for (const char* key : {"Labels", "ExposedPorts", "Volumes"}) {
    if (!out.contains(key)) continue;
    Json merged = config_.value(key, Json::object());
    if (!merged.is_object()) merged = Json::object();
    for (auto& [k, v] : out[key].items()) merged[k] = v;
    out[key] = merged;
  }
  return out;
}

}  // namespace kiln::engine
