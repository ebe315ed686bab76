// Hashing and encodings on OpenSSL: SHA-256, HMAC-SHA256, hex, base64.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

std::string Sha256(std::string_view data);                           // raw 32 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);                        // lower-case
std::string Base64Encode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
Result<std::string> Base64UrlDecode(std::string_view text);
// A random string of `bytes` random bytes, hex-encoded (IDs, secrets).
std::string RandomHex(size_t bytes);

// "8-4-4-4-12" lower-case hex from RandomHex (step, execution and job ids).
std::string RandomUuid();

}  // namespace kiln
