// Runs component documents (awstoe.md §1.5, §6): phases in document order,
// steps in order, with `if`, loops, retries, timeouts, onFailure, chaining,
// the run's log folder, detailedoutput.json and the end-of-run summary, and
// reboot/resume through a state file in the state directory.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "toe/module.h"
#include "toe/problems.h"

namespace kiln::toe {

struct NamedValue {
  std::string name, value;
};

struct DocumentRequest {
  std::string location;               // local path, s3:// URI or component ARN
  std::vector<NamedValue> parameters;  // this document's values (config file)
};

struct RunOptions {
  std::vector<DocumentRequest> documents;
  std::vector<NamedValue> parameters;  // for every document (--parameters)
  std::vector<std::string> phases;     // empty = every phase
  std::string execution_id;            // empty = a new GUID
  std::string log_directory = ".";
  std::string state_directory;         // empty = the log directory
  std::string document_s3_bucket_owner;
  bool trace = false;
  std::ostream* trace_stream = nullptr;  // terminal for --trace output
  std::function<bool()> cancelled;       // SIGINT/SIGTERM seen
  int max_reboots = 10;  // more reboot requests in one execution fail the step

  Json ToJson() const;
  static RunOptions FromJson(const Json& j);
};

struct RunOutcome {
  Json summary;            // executedStepCount ... status (awstoe.md §1.10)
  std::string log_folder;
  int exit_code = 0;       // 0 success, 1 failure, 194 reboot requested
  bool resumed = false;    // this run continued a rebooted execution
};

// The state file kept in the state directory while a reboot is pending.
std::string StateFilePath(const RunOptions& options);

// Fetches, parses and validates documents. Every problem in every document is
// reported; `phases` that no document has are reported too.
Status ValidateDocuments(const std::vector<std::string>& locations, const std::string& s3_owner,
                         const std::vector<std::string>& phases, Problems* problems);

// Runs (or, when the state directory holds a pending execution, resumes) the
// documents. A Status error means nothing ran (bad documents, unusable log
// directory); step failures are reported in the outcome.
Result<RunOutcome> ExecuteRun(const RunOptions& options);

}  // namespace kiln::toe
