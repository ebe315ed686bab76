// The run configuration: command-line values and the --config JSON file
// (awstoe.md §1.4, §1.6), merged into RunOptions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "toe/executor.h"

namespace kiln::toe {

// "a=1,b=x=y" -> {a: 1, b: x=y}. Both name and value are required.
Result<std::vector<NamedValue>> ParseParameterList(const std::string& text);
// "a,b" -> {a, b}; empty entries are an error naming `what`.
Result<std::vector<std::string>> SplitList(const std::string& text, const std::string& what);

// Settings that may come from the command line or the config file. An unset
// optional means "not given here".
struct RunSettings {
  std::optional<std::string> documents, parameters, phases, execution_id, log_directory,
      state_directory, document_s3_bucket_owner, log_s3_bucket_name, log_s3_key_prefix,
      log_s3_bucket_owner, cw_log_group, cw_log_region, cw_log_stream;
  std::optional<bool> cw_ignore_failures, trace;
  std::vector<DocumentRequest> config_documents;  // from the config file
  std::vector<NamedValue> config_parameters;      // global, from the config file
};

// Parses the JSON text of a --config file (unknown keys are an error).
Result<RunSettings> ParseConfigFile(const std::string& json_text, const std::string& source);

// Command-line values win over config values; --documents/--parameters
// together with --config is an error.
Result<RunSettings> MergeSettings(const RunSettings& cli, const std::optional<RunSettings>& config);

// Builds the executor options (documents and parameters resolved).
Result<RunOptions> ToRunOptions(const RunSettings& s);

}  // namespace kiln::toe
