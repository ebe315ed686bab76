// WebDownload (awstoe.md §5.8): downloads http(s) URLs to files.
// - A destination ending in '/' is a folder; the file name is the URL
//   path's last segment.
// - overwrite false + existing file: error. overwrite true + checksum and
//   algorithm + existing file with that hash: the download is skipped.
// - Up to 5 attempts per download with exponential backoff (1, 2, 4, 8 s)
//   for network errors and 5xx/429 answers; any other non-200 status fails
//   at once (D-toe-modules-4). Redirects are followed.
// - The body goes to a temporary file that is checked against the checksum
//   and only then renamed into place.
// Output `destination`: the final paths, one line per input item.
// Designated initializers leave the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/digest.h"
#include "common/http_client.h"
#include "common/sigv4.h"
#include "common/time.h"
#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

constexpr int kAttempts = 5;

// The file name a URL downloads to: its path's last segment, decoded.
Result<std::string> FileNameOf(const http::Url& url) {
  std::string path = url.target.substr(0, url.target.find('?'));
  std::string name = sigv4::UriDecode(path.substr(path.rfind('/') + 1));
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::Invalid("cannot derive a file name from the URL '" + url.ToString() +
                           "'; give a destination file path instead of a folder");
  }
  return name;
}

class WebDownloadModule : public ListModule {
 public:
  WebDownloadModule() : ListModule("WebDownload", kAllPlatforms) {}

 protected:
  std::string_view output_key() const override { return "destination"; }

  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(
        item, {"source", "destination", "overwrite", "checksum", "algorithm", "ignoreCertificateErrors"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "source", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "destination", true));
    KILN_RETURN_IF_ERROR(CheckBool(item, "overwrite"));
    KILN_RETURN_IF_ERROR(CheckString(item, "checksum", false));
    KILN_RETURN_IF_ERROR(CheckString(item, "algorithm", false));
    KILN_RETURN_IF_ERROR(CheckBool(item, "ignoreCertificateErrors"));
    std::string src = GetStringOr(item, "source", "");
    if (src.find("{{") == std::string::npos) {
      if (auto u = http::Url::Parse(src); !u.ok()) return u.status().Prefixed("input 'source'");
    }
    std::string algo = GetStringOr(item, "algorithm", "");
    if (!algo.empty() && algo.find("{{") == std::string::npos) {
      if (auto a = ParseDigestAlgorithm(algo); !a.ok()) return a.status().Prefixed("input 'algorithm'");
    }
    bool has_sum = !GetStringOr(item, "checksum", "").empty();
    if (has_sum != !algo.empty()) {
      return Status::Invalid("inputs 'checksum' and 'algorithm' must be given together to verify the download");
    }
    return Status::Ok();
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string& output) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string source, GetString(item, "source"));
    KILN_ASSIGN_OR_RETURN(std::string destination, GetString(item, "destination"));
    KILN_ASSIGN_OR_RETURN(bool overwrite, GetBool(item, "overwrite", true));
    KILN_ASSIGN_OR_RETURN(bool insecure, GetBool(item, "ignoreCertificateErrors", false));
    std::string checksum = GetStringOr(item, "checksum", "");
    std::string algo_text = GetStringOr(item, "algorithm", "");
    if (checksum.empty() != algo_text.empty()) {
      return Status::Invalid("inputs 'checksum' and 'algorithm' must be given together to verify the download");
    }
    for (char& c : checksum) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    KILN_ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(source));

    fs::path dest = destination;
    if (fsu::EndsWithSeparator(destination)) {
      KILN_ASSIGN_OR_RETURN(std::string name, FileNameOf(url));
      dest = fs::path(destination) / name;
    }
    output = dest.string();
    std::optional<DigestAlgorithm> algo;
    if (!algo_text.empty()) {
      KILN_ASSIGN_OR_RETURN(algo, ParseDigestAlgorithm(algo_text));
    }

    std::error_code ec;
    auto st = fs::status(dest, ec);
    if (fs::is_directory(st)) return Status::AlreadyExists("'" + dest.string() + "' is a folder; end the destination with '/' to download into it");
    if (fs::exists(st)) {
      if (!overwrite) {
        return Status::AlreadyExists("the file '" + dest.string() + "' already exists and 'overwrite' is false");
      }
      if (algo) {
        auto have = FileDigestHex(*algo, dest.string());
        if (have.ok() && *have == checksum) {
          if (ctx.console) *ctx.console << "WebDownload: " << dest.string() << " already has the expected checksum; skipping the download\n";
          return Status::Ok();
        }
      }
    }
    KILN_RETURN_IF_ERROR(fsu::EnsureParent(dest));

    static std::atomic<int> counter{0};
    fs::path tmp = dest;
    tmp += ".kiln-part-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    Status last;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
      last = DownloadOnce(source, tmp, insecure, ctx);
      if (last.ok()) break;
      fs::remove(tmp, ec);
      bool retryable = last.code() == Code::kIOError || last.code() == Code::kUnavailable;
      if (!retryable || attempt == kAttempts) break;
      int64_t wait_ms = 1000LL << (attempt - 1);
      if (ctx.console) {
        *ctx.console << "WebDownload: attempt " << attempt << " of " << kAttempts << " failed (" << last.message()
                     << "); retrying in " << wait_ms / 1000 << " s\n";
      }
      int64_t until = MonotonicMillis() + wait_ms;
      while (MonotonicMillis() < until) {
        KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (!last.ok()) {
      fs::remove(tmp, ec);
      return last;
    }
    if (algo) {
      auto got = FileDigestHex(*algo, tmp.string());
      if (!got.ok() || *got != checksum) {
        fs::remove(tmp, ec);
        return Status::FailedPrecondition("the " + std::string(DigestAlgorithmName(*algo)) + " checksum of " + source +
                                          " is " + (got.ok() ? *got : got.status().message()) + ", expected " + checksum);
      }
    }
    fs::rename(tmp, dest, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return fsu::IoError("moving the download into place at", dest, ec);
    }
    if (ctx.console) *ctx.console << "WebDownload: " << source << " -> " << dest.string() << "\n";
    return Status::Ok();
  }

 private:
  static Status DownloadOnce(const std::string& source, const fsu::fs::path& tmp, bool insecure,
                             const StepContext& ctx) {
    http::Options opt;
    opt.output_file = tmp.string();
    opt.verify_tls = !insecure;
    opt.deadline_ms = ctx.deadline_ms;
    opt.cancelled = ctx.cancelled;
    KILN_ASSIGN_OR_RETURN(http::Response r, http::Send({.url = source}, opt));
    if (r.status == 200) return Status::Ok();
    std::string msg = "downloading " + source + " failed: HTTP " + std::to_string(r.status) + " " + r.reason;
    if (r.status >= 500 || r.status == 429) return Status::Unavailable(msg);
    return Status::FailedPrecondition(msg);
  }
};

}  // namespace

std::unique_ptr<Module> NewWebDownloadModule() { return std::make_unique<WebDownloadModule>(); }

}  // namespace kiln::toe
