#include "toe/run_config.h"

namespace kiln::toe {

Result<std::vector<std::string>> SplitList(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) return Status::Invalid(what + ": empty entry in '" + text + "' (use a comma list with no spaces)");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<NamedValue>> ParseParameterList(const std::string& text) {
  KILN_ASSIGN_OR_RETURN(auto items, SplitList(text, "--parameters"));
  std::vector<NamedValue> out;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return Status::Invalid("--parameters: '" + item + "' must be name=value with both parts given");
    out.push_back({item.substr(0, eq), item.substr(eq + 1)});
  }
  return out;
}

namespace {

Result<std::vector<NamedValue>> NameValueList(const Json& j, const std::string& where) {
  if (!j.is_array()) return Status::Invalid(where + " must be a list of {\"name\", \"value\"}");
  std::vector<NamedValue> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& p = j[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || !p.contains("value") ||
        !p["value"].is_string())
      return Status::Invalid(at + " needs string \"name\" and \"value\"");
    out.push_back({p["name"], p["value"]});
  }
  return out;
}

}  // namespace

Result<RunSettings> ParseConfigFile(const std::string& text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    return Status::Invalid("--config " + source + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return Status::Invalid("--config " + source + ": must be a JSON object");
  RunSettings s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    const std::string at = "--config " + source + ": \"" + k + "\"";
    auto str = [&](std::optional<std::string>* out) -> Status {
      if (!v.is_string()) return Status::Invalid(at + " must be a string");
      *out = v.get<std::string>();
      return Status::Ok();
    };
    auto boolean = [&](std::optional<bool>* out) -> Status {
      if (!v.is_boolean()) return Status::Invalid(at + " must be true or false");
      *out = v.get<bool>();
      return Status::Ok();
    };
    if (k == "documents") {
      if (!v.is_array() || v.empty()) return Status::Invalid(at + " must be a non-empty list");
      for (size_t i = 0; i < v.size(); ++i) {
        const Json& d = v[i];
        const std::string dat = at + "[" + std::to_string(i) + "]";
        if (!d.is_object() || !d.contains("path") || !d["path"].is_string() || d["path"].get<std::string>().empty())
          return Status::Invalid(dat + " needs a string \"path\"");
        DocumentRequest r;
        r.location = d["path"];
        for (auto dk = d.begin(); dk != d.end(); ++dk)
          if (dk.key() != "path" && dk.key() != "parameters")
            return Status::Invalid(dat + ": unknown key \"" + dk.key() + "\"");
        if (d.contains("parameters")) {
          KILN_ASSIGN_OR_RETURN(r.parameters, NameValueList(d["parameters"], dat + ".parameters"));
        }
        s.config_documents.push_back(std::move(r));
      }
    } else if (k == "parameters") {
      KILN_ASSIGN_OR_RETURN(s.config_parameters, NameValueList(v, at));
    } else if (k == "phases") {
      KILN_RETURN_IF_ERROR(str(&s.phases));
    } else if (k == "executionId" || k == "executonId") {  // the guide spells it both ways
      KILN_RETURN_IF_ERROR(str(&s.execution_id));
    } else if (k == "logDirectory") {
      KILN_RETURN_IF_ERROR(str(&s.log_directory));
    } else if (k == "stateDirectory") {
      KILN_RETURN_IF_ERROR(str(&s.state_directory));
    } else if (k == "documentS3BucketOwner") {
      KILN_RETURN_IF_ERROR(str(&s.document_s3_bucket_owner));
    } else if (k == "logS3BucketName") {
      KILN_RETURN_IF_ERROR(str(&s.log_s3_bucket_name));
    } else if (k == "logS3KeyPrefix") {
      KILN_RETURN_IF_ERROR(str(&s.log_s3_key_prefix));
    } else if (k == "logS3BucketOwner") {
      KILN_RETURN_IF_ERROR(str(&s.log_s3_bucket_owner));
    } else if (k == "cwLogGroup") {
      KILN_RETURN_IF_ERROR(str(&s.cw_log_group));
    } else if (k == "cwLogRegion") {
      KILN_RETURN_IF_ERROR(str(&s.cw_log_region));
    } else if (k == "cwLogStream") {
      KILN_RETURN_IF_ERROR(str(&s.cw_log_stream));
    } else if (k == "cwIgnoreFailures") {
      KILN_RETURN_IF_ERROR(boolean(&s.cw_ignore_failures));
    } else if (k == "trace") {
      KILN_RETURN_IF_ERROR(boolean(&s.trace));
    } else {
      return Status::Invalid("--config " + source + ": unknown key \"" + k + "\"");
    }
  }
  if (s.config_documents.empty())
    return Status::Invalid("--config " + source + ": \"documents\" is required (a list of {\"path\": ...})");
  return s;
}

Result<RunSettings> MergeSettings(const RunSettings& cli, const std::optional<RunSettings>& config) {
  if (!config) {
    if (!cli.documents) return Status::Invalid("give the documents to run with --documents or --config");
    return cli;
  }
  if (cli.documents) return Status::Invalid("--documents cannot be combined with --config (list them in the config file)");
  if (cli.parameters) return Status::Invalid("--parameters cannot be combined with --config (list them in the config file)");
  RunSettings s = *config;
  auto take = [](auto& dst, const auto& src) {
    if (src) dst = src;
  };
  take(s.phases, cli.phases);
  take(s.execution_id, cli.execution_id);
  take(s.log_directory, cli.log_directory);
  take(s.state_directory, cli.state_directory);
  take(s.document_s3_bucket_owner, cli.document_s3_bucket_owner);
  take(s.log_s3_bucket_name, cli.log_s3_bucket_name);
  take(s.log_s3_key_prefix, cli.log_s3_key_prefix);
  take(s.log_s3_bucket_owner, cli.log_s3_bucket_owner);
  take(s.cw_log_group, cli.cw_log_group);
  take(s.cw_log_region, cli.cw_log_region);
  take(s.cw_log_stream, cli.cw_log_stream);
  take(s.cw_ignore_failures, cli.cw_ignore_failures);
  take(s.trace, cli.trace);
  return s;
}

Result<RunOptions> ToRunOptions(const RunSettings& s) {
  RunOptions o;
  if (s.documents) {
    KILN_ASSIGN_OR_RETURN(auto locations, SplitList(*s.documents, "--documents"));
    for (const std::string& l : locations) o.documents.push_back({l, {}});
  } else {
    o.documents = s.config_documents;
  }
  if (s.parameters) {
    KILN_ASSIGN_OR_RETURN(o.parameters, ParseParameterList(*s.parameters));
  } else {
    o.parameters = s.config_parameters;
  }
  if (s.phases && !s.phases->empty()) {
    KILN_ASSIGN_OR_RETURN(o.phases, SplitList(*s.phases, "--phases"));
  }
  o.execution_id = s.execution_id.value_or("");
  o.log_directory = s.log_directory.value_or(".");
  o.state_directory = s.state_directory.value_or("");
  o.document_s3_bucket_owner = s.document_s3_bucket_owner.value_or("");
  o.trace = s.trace.value_or(false);
  return o;
}

}  // namespace kiln::toe
