#include "api/router.h"

#include <charconv>

#include "api/validator.h"

namespace kiln::api {
namespace {

using Json = nlohmann::json;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Converts a textual value (query, header, label) to the member's JSON
// type. Text that does not convert stays a string, so the validator
// reports it against the member ("Member must be an integer").
Json Convert(const Shape& s, const std::string& text) {
  switch (s.type) {
    case Shape::Type::kInteger:
    case Shape::Type::kLong: {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc() && p == text.data() + text.size() && !text.empty()) return n;
      return text;
    }
    case Shape::Type::kDouble: {
      try {
        size_t used = 0;
        double d = std::stod(text, &used);
        if (used == text.size()) return d;
      } catch (...) {
      }
      return text;
    }
    case Shape::Type::kBoolean:
      if (text == "true") return true;
      if (text == "false") return false;
      return text;
    default:
      return text;
  }
}

}  // namespace

Router::Router(const ServiceModel& model) {
  for (auto& op : model.operations()) {
    std::string_view uri = op->request_uri;
    uri = uri.substr(0, uri.find('?'));  // "/x?y" forms carry constant query keys
    if (uri.find('{') == std::string_view::npos) {
      literal_[std::string(uri)].push_back(op.get());
    } else {
      Route r{op.get(), {}};
      for (auto seg : SplitPath(uri)) r.segments.emplace_back(seg);
      templated_.push_back(std::move(r));
    }
  }
}

bool Router::MatchSegments(const Route& r, const std::vector<std::string_view>& path,
                           std::map<std::string, std::string>* labels) const {
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const std::string& seg = r.segments[i];
    bool label = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (label && seg[seg.size() - 2] == '+') {  // greedy label: the rest of the path
      if (i >= path.size()) return false;
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) rest += (j > i ? "/" : "") + std::string(path[j]);
      if (labels) (*labels)[seg.substr(1, seg.size() - 3)] = rest;
      return !rest.empty();
    }
    if (i >= path.size()) return false;
    if (label) {
      if (path[i].empty()) return false;
      if (labels) (*labels)[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
    } else if (seg != path[i]) {
      return false;
    }
  }
  return i == path.size();
}

Result<const Operation*> Router::Match(const HttpRequest& req) const {
  std::string_view path = req.Path();
  const std::vector<const Operation*>* candidates = nullptr;
  std::vector<const Operation*> templ;
  auto it = literal_.find(path);
  if (it != literal_.end()) {
    candidates = &it->second;
  } else {
    auto segs = SplitPath(path);
    for (auto& r : templated_) if (MatchSegments(r, segs, nullptr)) templ.push_back(r.op);
    candidates = &templ;
  }
  if (candidates->empty()) {
    return Status(Code::kNotFound, "no Image Builder operation is served at " +
                                       std::string(path.substr(0, 200)), kUnknownOperation);
  }
  std::string allowed;
  for (auto* op : *candidates) {
    if (op->method == req.method) return op;
    allowed += (allowed.empty() ? "" : ", ") + op->method + " (" + op->name + ")";
  }
  return Status(Code::kInvalidArgument,
                "method " + req.method.substr(0, 16) + " is not allowed on " +
                    std::string(path.substr(0, 200)) + "; use " + allowed,
                kMethodNotAllowed);
}

Result<Json> Router::Bind(const Operation& op, const HttpRequest& req) const {
  Json input = Json::object();
  if (!op.input) return input;
  const Shape& shape = *op.input;
  auto bad = [&](const std::string& m) {
    return Status(Code::kInvalidArgument, m, ValidationErrorType(op));
  };

  // URI labels.
  std::map<std::string, std::string> labels;
  for (auto& r : templated_) {
    if (r.op == &op) { MatchSegments(r, SplitPath(req.Path()), &labels); break; }
  }
  // Query string, decoded once.
  std::vector<std::pair<std::string, std::string>> query;
  if (!ParseQuery(req.Query(), &query)) return bad("the query string has malformed percent-encoding");

  bool has_body_members = false;
  for (const Member& m : shape.members) {
    switch (m.location) {
      case Location::kBody:
        has_body_members = true;
        break;
      case Location::kUri: {
        auto it = labels.find(m.location_name);
        if (it == labels.end()) break;
        std::string decoded;
        if (!PercentDecode(it->second, &decoded))
          return bad("the path segment for '" + m.name + "' has malformed percent-encoding");
        input[m.name] = Convert(*m.shape, decoded);
        break;
      }
      case Location::kQuery: {
        if (m.shape->type == Shape::Type::kList) {
          Json list = Json::array();
          for (auto& [k, v] : query)
            if (k == m.location_name) list.push_back(Convert(*m.shape->member, v));
          if (!list.empty()) input[m.name] = std::move(list);
        } else if (m.shape->type == Shape::Type::kMap) {
          // A query map takes every key no other member claims.
          Json map = Json::object();
          for (auto& [k, v] : query) {
            bool claimed = false;
            for (const Member& o : shape.members)
              claimed = claimed || (o.location == Location::kQuery && o.location_name == k &&
                                    o.shape->type != Shape::Type::kMap);
            if (!claimed && m.shape->value) map[k] = Convert(*m.shape->value, v);
          }
          if (!map.empty()) input[m.name] = std::move(map);
        } else {
          for (auto& [k, v] : query) {
            if (k == m.location_name) { input[m.name] = Convert(*m.shape, v); break; }
          }
        }
        break;
      }
      case Location::kHeader: {
        const std::string* h = req.Header(m.location_name);
        if (!h) break;
        if (m.shape->type == Shape::Type::kList) {
          Json list = Json::array();
          std::string_view rest = *h;
          while (!rest.empty()) {
            auto comma = rest.find(',');
            std::string item(rest.substr(0, comma));
            while (!item.empty() && item.front() == ' ') item.erase(0, 1);
            while (!item.empty() && item.back() == ' ') item.pop_back();
            list.push_back(Convert(*m.shape->member, item));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          }
          input[m.name] = std::move(list);
        } else {
          input[m.name] = Convert(*m.shape, *h);
        }
        break;
      }
    }
  }

  // Body: a JSON object; only body members are taken from it, so a body
  // cannot override a value bound from the URI or query.
  bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (has_body_members && !blank) {
    Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded())
      return Status(Code::kInvalidArgument, "the request body is not valid JSON", kSerialization);
    if (!body.is_object())
      return Status(Code::kInvalidArgument, "the request body must be a JSON object",
                    kSerialization);
    for (const Member& m : shape.members) {
      if (m.location != Location::kBody) continue;
      auto it = body.find(m.name);
      if (it != body.end()) input[m.name] = std::move(*it);
    }
  }
  return input;
}

}  // namespace kiln::api
