#include "api/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace kiln::api {
namespace {

// One match-data block per thread, reused across matches.
struct ThreadMatchData {
  pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
  ~ThreadMatchData() { pcre2_match_data_free(data); }
};

pcre2_match_data* MatchData() {
  thread_local ThreadMatchData md;
  return md.data;
}

}  // namespace

Result<std::unique_ptr<Pattern>> Pattern::Compile(const std::string& source) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                   PCRE2_UTF, &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Status::Invalid("pattern '" + source + "' does not compile at offset " +
                           std::to_string(offset) + ": " + reinterpret_cast<char*>(buf));
  }
  // JIT is an optimisation only; without it (e.g. no executable memory)
  // pcre2_match interprets.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  std::unique_ptr<Pattern> p(new Pattern());
  p->source_ = source;
  p->code_ = code;
  return p;
}

Pattern::~Pattern() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool Pattern::Search(std::string_view text) const {
  int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(text.data()),
                       text.size(), 0, 0, MatchData(), nullptr);
  return rc >= 0;  // PCRE2_ERROR_NOMATCH, UTF errors and limits all mean "no"
}

}  // namespace kiln::api
