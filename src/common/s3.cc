// Designated initializers leave the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "common/s3.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "common/digest.h"
#include "common/time.h"

namespace kiln::s3 {
namespace fs = std::filesystem;
namespace {

// The environment being read: a step's list, or the process's.
thread_local const std::vector<std::string>* g_env = nullptr;

std::string Env(const char* name) {
  if (g_env && !g_env->empty()) {
    std::string prefix = std::string(name) + "=";
    for (const std::string& kv : *g_env) {
      if (kv.starts_with(prefix)) return kv.substr(prefix.size());
    }
    return "";
  }
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Reads one profile from an AWS shared credentials (INI) file.
sigv4::Credentials FromCredentialsFile(const std::string& path, const std::string& profile) {
  sigv4::Credentials c;
  std::ifstream in(path);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = Trim(line.substr(0, eq)), v = Trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key_id = v;
    if (k == "aws_secret_access_key") c.secret_access_key = v;
    if (k == "aws_session_token") c.session_token = v;
  }
  return c;
}

// Pulls Code and Message out of an S3 XML error body.
std::string ErrorText(const http::Response& r) {
  std::string code, message;
  try {
    std::istringstream in(r.body);
    boost::property_tree::ptree tree;
    boost::property_tree::read_xml(in, tree);
    code = tree.get<std::string>("Error.Code", "");
    message = tree.get<std::string>("Error.Message", "");
  } catch (const std::exception&) {
    // Not XML (HEAD responses, proxies): the HTTP status must do.
  }
  std::string out = code.empty() ? r.reason : code;
  if (!message.empty()) out += ": " + message;
  return out + " (HTTP " + std::to_string(r.status) + ")";
}

Status StatusFor(const http::Response& r, const std::string& what) {
  std::string msg = what + ": " + ErrorText(r);
  switch (r.status) {
    case 404: return Status::NotFound(msg);
    case 401:
    case 403: return Status::PermissionDenied(msg);
    case 400: return Status::Invalid(msg);
    case 409: return Status::AlreadyExists(msg);
    default: return r.status >= 500 ? Status::Unavailable(msg) : Status::IOError(msg);
  }
}

std::string TempPathBeside(const std::string& path) {
  static std::atomic<int> counter{0};
  return path + ".kiln-part-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

bool IsS3Uri(std::string_view text) { return text.substr(0, 5) == "s3://"; }

Result<S3Uri> S3Uri::Parse(std::string_view uri) {
  if (!IsS3Uri(uri)) return Status::Invalid("'" + std::string(uri) + "' is not an S3 URI (s3://bucket/key)");
  std::string_view rest = uri.substr(5);
  size_t slash = rest.find('/');
  S3Uri out;
  out.bucket = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.key = rest.substr(slash + 1);
  if (out.bucket.empty()) return Status::Invalid("S3 URI '" + std::string(uri) + "' has no bucket name");
  for (char c : out.bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.' || c == '_' || std::isupper(static_cast<unsigned char>(c)))) {
      return Status::Invalid("S3 URI '" + std::string(uri) + "' has an invalid bucket name '" + out.bucket + "'");
    }
  }
  return out;
}

Result<Config> Config::FromEnvironment(const std::vector<std::string>& env) {
  g_env = &env;
  struct Reset {
    ~Reset() { g_env = nullptr; }
  } reset;
  Config c;
  c.credentials.access_key_id = Env("AWS_ACCESS_KEY_ID");
  c.credentials.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  c.credentials.session_token = Env("AWS_SESSION_TOKEN");
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    std::string file = Env("AWS_SHARED_CREDENTIALS_FILE");
    if (file.empty() && !Env("HOME").empty()) file = Env("HOME") + "/.aws/credentials";
    std::string profile = Env("AWS_PROFILE").empty() ? "default" : Env("AWS_PROFILE");
    if (!file.empty()) c.credentials = FromCredentialsFile(file, profile);
  }
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return Status::Unauthenticated(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in "
        "~/.aws/credentials); EC2 instance-profile credentials are not supported by Kiln");
  }
  if (!Env("AWS_REGION").empty()) {
    c.region = Env("AWS_REGION");
  } else if (!Env("AWS_DEFAULT_REGION").empty()) {
    c.region = Env("AWS_DEFAULT_REGION");
  }
  c.endpoint = !Env("AWS_ENDPOINT_URL_S3").empty() ? Env("AWS_ENDPOINT_URL_S3") : Env("AWS_ENDPOINT_URL");
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  return c;
}

Result<http::Response> Client::Send(const Call& call, const RequestOptions& opt) const {
  // Custom endpoints and dotted bucket names use path-style addressing.
  std::string base, path;
  std::string encoded_key = sigv4::UriEncode(call.key, /*keep_slash=*/true);
  if (!config_.endpoint.empty() || call.bucket.find('.') != std::string::npos) {
    base = config_.endpoint.empty() ? "https://s3." + config_.region + ".amazonaws.com" : config_.endpoint;
    path = "/" + call.bucket + (call.key.empty() ? "" : "/" + encoded_key);
  } else {
    base = "https://" + call.bucket + ".s3." + config_.region + ".amazonaws.com";
    path = "/" + encoded_key;
  }
  std::string url_text = base + path + (call.query.empty() ? "" : "?" + call.query);
  KILN_ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(url_text));

  std::string payload_hash;
  if (!call.body_file.empty()) {
    KILN_ASSIGN_OR_RETURN(payload_hash, FileDigestHex(DigestAlgorithm::kSha256, call.body_file));
  } else {
    payload_hash = Sha256Hex(call.body);
  }
  sigv4::OutgoingRequest out;
  out.method = call.method;
  out.target = url.target;
  out.headers = {{"Host", url.HostHeader()}};
  if (!opt.expected_bucket_owner.empty()) {
    out.headers.emplace_back("x-amz-expected-bucket-owner", opt.expected_bucket_owner);
  }
  sigv4::SigningParams params;
  params.credentials = config_.credentials;
  params.region = config_.region;
  params.service = "s3";
  params.now_millis = NowMillis();
  params.uri_mode = sigv4::UriMode::kS3;
  params.payload_hash = payload_hash;
  params.add_content_sha256_header = true;
  KILN_RETURN_IF_ERROR(sigv4::Sign(out, params));

  http::Request req;
  req.method = call.method;
  req.url = url.ToString();
  req.headers = out.headers;
  req.body = std::string(call.body);
  req.body_file = call.body_file;
  http::Options hopt;
  hopt.deadline_ms = opt.deadline_ms;
  hopt.cancelled = opt.cancelled;
  hopt.max_redirects = 0;  // a redirect from S3 means a wrong region: report it
  hopt.output_file = call.output_file;
  std::string what = "S3 " + call.method + " s3://" + call.bucket + "/" + call.key;
  auto resp = http::Send(req, hopt);
  if (!resp.ok()) return resp.status().Prefixed(what);
  if (resp->status / 100 != 2) {
    Status s = StatusFor(*resp, what);
    if (resp->status == 301 || resp->status == 307) {
      return Status::Invalid(s.message() + "; the bucket is in another region than '" + config_.region +
                             "' (set AWS_REGION)");
    }
    return s;
  }
  return resp;
}

Result<std::string> Client::GetObject(const std::string& bucket, const std::string& key,
                                      const RequestOptions& opt) const {
  KILN_ASSIGN_OR_RETURN(http::Response r, Send({.bucket = bucket, .key = key}, opt));
  return std::move(r.body);
}

Status Client::GetObjectToFile(const std::string& bucket, const std::string& key, const std::string& path,
                               const RequestOptions& opt) const {
  std::string tmp = TempPathBeside(path);
  auto r = Send({.bucket = bucket, .key = key, .output_file = tmp}, opt);
  std::error_code ec;
  if (!r.ok()) {
    fs::remove(tmp, ec);
    return r.status();
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::IOError("cannot move the download of s3://" + bucket + "/" + key + " into place at '" +
                           path + "': " + ec.message());
  }
  return Status::Ok();
}

Status Client::PutObject(const std::string& bucket, const std::string& key, std::string_view data,
                         const RequestOptions& opt) const {
  return Send({.method = "PUT", .bucket = bucket, .key = key, .body = data}, opt).status();
}

Status Client::PutObjectFromFile(const std::string& bucket, const std::string& key, const std::string& path,
                                 const RequestOptions& opt) const {
  return Send({.method = "PUT", .bucket = bucket, .key = key, .body_file = path}, opt).status();
}

Status Client::CreateBucket(const std::string& bucket, const RequestOptions& opt) const {
  std::string body;
  if (config_.region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
           "<LocationConstraint>" + config_.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  return Send({.method = "PUT", .bucket = bucket, .body = body}, opt).status();
}

Result<std::vector<ObjectInfo>> Client::ListObjects(const std::string& bucket, const std::string& prefix,
                                                    size_t max_objects, const RequestOptions& opt) const {
  std::vector<ObjectInfo> objects;
  std::string token;
  while (true) {
    // Canonical order (sorted keys) so the signature matches whatever the
    // server canonicalises.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + sigv4::UriEncode(token) + "&";
    query += "list-type=2&prefix=" + sigv4::UriEncode(prefix);
    KILN_ASSIGN_OR_RETURN(http::Response r, Send({.bucket = bucket, .query = query}, opt));
    boost::property_tree::ptree tree;
    try {
      std::istringstream in(r.body);
      boost::property_tree::read_xml(in, tree);
      const auto& result = tree.get_child("ListBucketResult");
      for (const auto& [name, node] : result) {
        if (name != "Contents") continue;
        ObjectInfo info;
        info.key = node.get<std::string>("Key");
        info.size = node.get<uint64_t>("Size", 0);
        info.etag = node.get<std::string>("ETag", "");
        objects.push_back(std::move(info));
      }
      bool truncated = result.get<std::string>("IsTruncated", "false") == "true";
      token = truncated ? result.get<std::string>("NextContinuationToken", "") : "";
    } catch (const std::exception& e) {
      return Status::IOError("S3 ListObjectsV2 s3://" + bucket + "/" + prefix +
                             ": cannot parse the response: " + e.what());
    }
    if (max_objects > 0 && objects.size() > max_objects) {
      return Status::FailedPrecondition("s3://" + bucket + "/" + prefix + " holds more than " +
                                        std::to_string(max_objects) + " objects");
    }
    if (token.empty()) return objects;
  }
}

Status UploadDirectory(const Client& client, const std::string& dir, const std::string& bucket,
                       const std::string& prefix, const RequestOptions& opt) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return Status::IOError("cannot read folder '" + dir + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError("cannot read folder '" + dir + "': " + ec.message());
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), dir).generic_string();
    KILN_RETURN_IF_ERROR(client.PutObjectFromFile(bucket, prefix + rel, it->path().string(), opt));
  }
  return Status::Ok();
}

}  // namespace kiln::s3
