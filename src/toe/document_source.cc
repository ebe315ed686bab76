#include "toe/document_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kiln::toe {
namespace {

S3ObjectGetter& Getter() {
  static S3ObjectGetter g;
  return g;
}

// Documents are small text files; refuse anything huge (a wrong path to a
// disk image, say) rather than read it into memory.
constexpr off_t kMaxDocumentBytes = 16 << 20;

Result<FetchedDocument> ReadLocal(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return Status::NotFound("document '" + path + "': " + strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::Invalid("document '" + path + "' is not a regular file");
  if (st.st_size > kMaxDocumentBytes) return Status::Invalid("document '" + path + "' is larger than 16 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read document '" + path + "': " + strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  FetchedDocument d;
  d.text = ss.str();
  char real[PATH_MAX];
  d.identity = realpath(path.c_str(), real) ? real : path;
  d.local_dir = d.identity.substr(0, d.identity.rfind('/'));
  if (d.local_dir.empty()) d.local_dir = "/";
  return d;
}

}  // namespace

S3ObjectPutter& Putter() {
  static S3ObjectPutter p;
  return p;
}

ComponentFetcher& Fetcher() {
  static ComponentFetcher f;
  return f;
}
void SetComponentFetcher(ComponentFetcher f) { Fetcher() = std::move(f); }

void SetS3ObjectPutter(S3ObjectPutter p) { Putter() = std::move(p); }
const S3ObjectPutter& GetS3ObjectPutter() { return Putter(); }
void SetS3ObjectGetter(S3ObjectGetter g) { Getter() = std::move(g); }
const S3ObjectGetter& GetS3ObjectGetter() { return Getter(); }

bool SplitS3Uri(const std::string& uri, std::string* bucket, std::string* key) {
  if (uri.rfind("s3://", 0) != 0) return false;
  size_t slash = uri.find('/', 5);
  if (slash == std::string::npos || slash == 5 || slash + 1 >= uri.size()) return false;
  *bucket = uri.substr(5, slash - 5);
  *key = uri.substr(slash + 1);
  return true;
}

Result<FetchedDocument> FetchDocument(const std::string& location, const std::string& expected_owner,
                                      const std::string& base_dir) {
  if (location.empty()) return Status::Invalid("empty document location");
  if (location.rfind("s3://", 0) == 0) {
    std::string bucket, key;
    if (!SplitS3Uri(location, &bucket, &key))
      return Status::Invalid("document '" + location + "' is not a valid S3 URI (s3://bucket/key)");
    if (!Getter())
      return Status::Unimplemented("document '" + location +
                                   "': S3 documents are not supported by this build of kiln-toe (no S3 client)");
    auto text = Getter()(bucket, key, expected_owner);
    if (!text.ok()) return text.status().Prefixed("document '" + location + "'");
    return FetchedDocument{std::move(text).value(), location, ""};
  }
  if (location.rfind("arn:", 0) == 0) {
    if (location.find(":component/") == std::string::npos)
      return Status::Invalid("document '" + location + "' is not an Image Builder component ARN");
    const char* endpoint = getenv("KILN_ENDPOINT");
    if (!endpoint || !*endpoint)
      return Status::FailedPrecondition("document '" + location +
                                        "': component ARNs need a Kiln server: set KILN_ENDPOINT");
    if (!Fetcher())
      return Status::Unimplemented("document '" + location + "': fetching component ARNs from KILN_ENDPOINT (" +
                                   endpoint + ") is not supported by this build of kiln-toe (no HTTP client)");
    auto text = Fetcher()(location, endpoint);
    if (!text.ok()) return text.status().Prefixed("document '" + location + "'");
    return FetchedDocument{std::move(text).value(), location, ""};
  }
  auto local = ReadLocal(location);
  if (!local.ok() && local.status().code() == Code::kNotFound && !base_dir.empty() && location[0] != '/') {
    auto alt = ReadLocal(base_dir + "/" + location);
    if (alt.ok()) return alt;
  }
  return local;
}

}  // namespace kiln::toe
