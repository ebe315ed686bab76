// kiln-toe: an AWSTOE-compatible component runner (same command line as
// `awstoe`, see docs/TOE.md). Fully static so it can be copied into any Linux
// root filesystem; also installed as `awstoe`.
//
// Exit codes: 0 success (or success with ignored failures), 1 failure or bad
// usage, 194 a step asked for a reboot (state saved; run the same command
// again after rebooting to continue).
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "toe/document_source.h"
#include "toe/executor.h"
#include "toe/run_config.h"

namespace {

using kiln::Status;
using kiln::toe::Json;

std::atomic<bool> g_cancelled{false};

void OnSignal(int) { g_cancelled = true; }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int Fail(const std::string& message) {
  std::cerr << "kiln-toe: " << message << "\n";
  return 1;
}

std::string Version() { return std::string("kiln-toe ") + KILN_VERSION + " (AWSTOE-compatible)"; }

// Reads a --config file from a local path or S3.
kiln::Result<std::string> ReadConfig(const std::string& location, const std::string& owner) {
  auto fetched = kiln::toe::FetchDocument(location, owner);
  if (!fetched.ok()) return fetched.status();
  return fetched->text;
}

// Uploads every file of the log folder to s3://bucket/prefix/<folder>/...
Status UploadLogs(const std::string& folder, const std::string& bucket, const std::string& prefix,
                  const std::string& owner) {
  const auto& put = kiln::toe::GetS3ObjectPutter();
  if (!put) return Status::Unimplemented("uploading logs to S3 is not supported by this build (no S3 client)");
  namespace fs = std::filesystem;
  const fs::path root(folder);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    std::string key = prefix;
    if (!key.empty() && key.back() != '/') key += '/';
    key += root.filename().string() + "/" + fs::relative(it->path(), root).string();
    KILN_RETURN_IF_ERROR(put(bucket, key, body.str(), owner));
  }
  if (ec) return Status::IOError("reading the log folder " + folder + ": " + ec.message());
  return Status::Ok();
}

struct RunFlags {
  kiln::toe::RunSettings cli;
  std::string config, version;
  bool trace = false, cw_ignore = false;
};

void AddOpt(CLI::App* app, const std::string& names, std::optional<std::string>* out, const std::string& help) {
  app->add_option_function<std::string>(names, [out](const std::string& v) { *out = v; }, help);
}

int Run(RunFlags& f) {
  kiln::toe::RunSettings cli = f.cli;
  if (f.trace) cli.trace = true;
  if (f.cw_ignore) cli.cw_ignore_failures = true;
  std::optional<kiln::toe::RunSettings> config;
  if (!f.config.empty() && (cli.documents || cli.parameters))  // checked before reading the file
    return Fail(kiln::toe::MergeSettings(cli, kiln::toe::RunSettings{}).status().message());
  if (!f.config.empty()) {
    auto text = ReadConfig(f.config, cli.document_s3_bucket_owner.value_or(""));
    if (!text.ok()) return Fail(text.status().message());
    auto parsed = kiln::toe::ParseConfigFile(*text, f.config);
    if (!parsed.ok()) return Fail(parsed.status().message());
    config = std::move(parsed).value();
  }
  auto merged = kiln::toe::MergeSettings(cli, config);
  if (!merged.ok()) return Fail(merged.status().message());
  const kiln::toe::RunSettings& s = *merged;
  if (s.cw_log_group || s.cw_log_stream || s.cw_log_region) {
    const std::string msg =
        "CloudWatch Logs streaming (--cw-log-group/--cw-log-stream/--cw-log-region) is not supported by kiln-toe; "
        "the run's output is in console.log in the log folder";
    if (!s.cw_ignore_failures.value_or(false)) return Fail(msg + " (add --cw-ignore-failures to run anyway)");
    std::cerr << "kiln-toe: warning: " << msg << "\n";
  }
  if (s.log_s3_bucket_name && !kiln::toe::GetS3ObjectPutter())
    return Fail("--log-s3-bucket-name: uploading logs to S3 is not supported by this build of kiln-toe (no S3 client)");
  auto opts = kiln::toe::ToRunOptions(s);
  if (!opts.ok()) return Fail(opts.status().message());
  if (opts->execution_id.find('/') != std::string::npos)
    return Fail("--execution-id must not contain '/' (it names the log folder)");
  opts->trace_stream = &std::cerr;
  opts->cancelled = [] { return g_cancelled.load(); };
  InstallSignalHandlers();
  auto outcome = kiln::toe::ExecuteRun(*opts);
  if (!outcome.ok()) return Fail(outcome.status().message());
  Json summary = outcome->summary;
  if (s.log_s3_bucket_name && outcome->exit_code != 194) {
    Status up = UploadLogs(outcome->log_folder, *s.log_s3_bucket_name, s.log_s3_key_prefix.value_or(""),
                           s.log_s3_bucket_owner.value_or(""));
    if (!up.ok()) {
      std::cerr << "kiln-toe: log upload failed: " << up.message() << "\n";
      if (outcome->exit_code == 0) outcome->exit_code = 1;
    } else {
      std::string prefix = s.log_s3_key_prefix.value_or("");
      if (!prefix.empty() && prefix.back() != '/') prefix += '/';
      summary["logUrl"] = "s3://" + *s.log_s3_bucket_name + "/" + prefix +
                          std::filesystem::path(outcome->log_folder).filename().string();
    }
  }
  std::cout << summary.dump(4) << std::endl;
  if (outcome->exit_code == 194)
    std::cerr << "kiln-toe: a step requested a reboot; the execution state is saved in "
              << kiln::toe::StateFilePath(*opts)
              << ". Reboot, then run the same command again to continue (exit code 194).\n";
  return outcome->exit_code;
}

int Validate(const std::string& documents, const std::string& owner) {
  auto locations = kiln::toe::SplitList(documents, "--documents");
  if (!locations.ok()) return Fail(locations.status().message());
  kiln::toe::Problems problems;
  Status st = kiln::toe::ValidateDocuments(*locations, owner, {}, &problems);
  for (const std::string& w : problems.warnings()) std::cerr << "warning: " << w << "\n";
  Json out = {{"status", st.ok() ? "success" : "failed"}, {"documents", *locations}};
  if (!st.ok()) {
    out["errors"] = problems.errors();
    for (const std::string& e : problems.errors()) std::cerr << "error: " << e << "\n";
  }
  std::cout << out.dump(4) << std::endl;
  return st.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kiln-toe: runs and validates AWSTOE component documents (a drop-in for awstoe)"};
  app.name(std::filesystem::path(argv[0]).filename().string());
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("-v,--version", version, "Print the application version and exit");

  RunFlags rf;
  CLI::App* run = app.add_subcommand("run", "Run component documents");
  run->add_option("-c,--config", rf.config, "JSON run configuration file (local path or s3://bucket/key)");
  AddOpt(run, "-d,--documents", &rf.cli.documents, "Documents to run: comma list (no spaces) of paths, S3 URIs or component ARNs");
  AddOpt(run, "--parameters", &rf.cli.parameters, "Parameter values: name1=value1,name2=value2");
  AddOpt(run, "-p,--phases", &rf.cli.phases, "Phases to run, comma list (default: all)");
  AddOpt(run, "-i,--execution-id", &rf.cli.execution_id, "ID of this run (default: a new GUID)");
  AddOpt(run, "-l,--log-directory", &rf.cli.log_directory, "Parent folder of the TOE_<datetime>_<id> log folder (default: .)");
  AddOpt(run, "-s,--state-directory", &rf.cli.state_directory, "Folder for reboot/resume state (default: the log directory)");
  AddOpt(run, "--document-s3-bucket-owner", &rf.cli.document_s3_bucket_owner, "Expected owner of S3 document buckets");
  AddOpt(run, "-b,--log-s3-bucket-name", &rf.cli.log_s3_bucket_name, "Upload the log folder to this S3 bucket");
  AddOpt(run, "-k,--log-s3-key-prefix", &rf.cli.log_s3_key_prefix, "Key prefix for uploaded logs");
  AddOpt(run, "--log-s3-bucket-owner", &rf.cli.log_s3_bucket_owner, "Expected owner of the log bucket");
  AddOpt(run, "--cw-log-group", &rf.cli.cw_log_group, "CloudWatch Logs group (not supported by kiln-toe)");
  AddOpt(run, "--cw-log-stream", &rf.cli.cw_log_stream, "CloudWatch Logs stream (not supported by kiln-toe)");
  AddOpt(run, "--cw-log-region", &rf.cli.cw_log_region, "CloudWatch Logs region (not supported by kiln-toe)");
  run->add_flag("--cw-ignore-failures", rf.cw_ignore, "Do not fail when CloudWatch logging fails");
  run->add_option("-v,--version", rf.version, "Component application version (accepted, ignored)");
  run->add_flag("-t,--trace", rf.trace, "Verbose logging to the console");

  std::string vdocs, vowner;
  bool vtrace = false;
  CLI::App* validate = app.add_subcommand("validate", "Check documents without running them");
  validate->add_option("-d,--documents", vdocs, "Documents to validate: comma list (no spaces)")->required();
  validate->add_option("--document-s3-bucket-owner", vowner, "Expected owner of S3 document buckets");
  validate->add_flag("-t,--trace", vtrace, "Verbose logging to the console");

  kiln::toe::InstallAwsClients();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.name() << ": " << e.what() << "\n" << "Run '" << app.name() << " --help' for usage.\n";
    return 1;
  }
  if (version) {
    std::cout << Version() << "\n";
    return 0;
  }
  if (*run) return Run(rf);
  if (*validate) return Validate(vdocs, vowner);
  std::cerr << app.help() << "\n";
  return 1;
}
