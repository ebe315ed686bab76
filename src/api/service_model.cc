#include "api/service_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

extern const unsigned char kiln_service_model_json[];
extern const std::size_t kiln_service_model_json_size;

namespace kiln::api {
namespace {

using Json = nlohmann::json;

Result<Shape::Type> ParseType(const std::string& t) {
  static const std::map<std::string, Shape::Type> kTypes = {
      {"structure", Shape::Type::kStructure}, {"string", Shape::Type::kString},
      {"list", Shape::Type::kList},           {"map", Shape::Type::kMap},
      {"integer", Shape::Type::kInteger},     {"long", Shape::Type::kLong},
      {"double", Shape::Type::kDouble},       {"float", Shape::Type::kDouble},
      {"boolean", Shape::Type::kBoolean},     {"timestamp", Shape::Type::kTimestamp},
      {"blob", Shape::Type::kBlob}};
  auto it = kTypes.find(t);
  if (it == kTypes.end()) return Status::Invalid("unsupported shape type '" + t + "'");
  return it->second;
}

Result<Location> ParseLocation(const std::string& l) {
  if (l.empty()) return Location::kBody;
  if (l == "uri") return Location::kUri;
  if (l == "querystring") return Location::kQuery;
  if (l == "header") return Location::kHeader;
  return Status::Invalid("unsupported member location '" + l + "'");
}

// Marks shapes that contain a timestamp somewhere below (fixed point; the
// model's structures are recursive in places).
void PropagateTimestamps(std::map<std::string, std::unique_ptr<Shape>, std::less<>>& shapes) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& [name, s] : shapes) {
      if (s->has_timestamp) continue;
      bool has = s->type == Shape::Type::kTimestamp;
      for (auto& m : s->members) has = has || m.shape->has_timestamp;
      if (s->member) has = has || s->member->has_timestamp;
      if (s->value) has = has || s->value->has_timestamp;
      if (has) { s->has_timestamp = true; changed = true; }
    }
  }
}

}  // namespace

const Member* Shape::FindMember(std::string_view json_name) const {
  for (auto& m : members) if (m.name == json_name) return &m;
  return nullptr;
}

bool Operation::Declares(std::string_view error) const {
  return std::find(errors.begin(), errors.end(), error) != errors.end();
}

Result<std::unique_ptr<ServiceModel>> ServiceModel::Parse(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Invalid("service model is not JSON");
  auto model = std::unique_ptr<ServiceModel>(new ServiceModel());
  try {
    const Json& meta = doc.at("metadata");
    model->signing_name_ = meta.value("signingName", meta.value("endpointPrefix", ""));
    model->api_version_ = meta.value("apiVersion", "");
    const Json& shapes = doc.at("shapes");
    // Two passes: create every shape, then resolve references.
    for (auto& [name, js] : shapes.items()) {
      auto s = std::make_unique<Shape>();
      s->name = name;
      KILN_ASSIGN_OR_RETURN(s->type, ParseType(js.at("type").get<std::string>()));
      model->shapes_[name] = std::move(s);
    }
    auto ref = [&](const Json& j, const std::string& where) -> Result<const Shape*> {
      std::string target = j.at("shape").get<std::string>();
      const Shape* s = model->FindShape(target);
      if (!s) return Status::Invalid(where + " refers to unknown shape '" + target + "'");
      return s;
    };
    for (auto& [name, js] : shapes.items()) {
      Shape& s = *model->shapes_[name];
      if (js.contains("min")) s.min = js["min"].get<int64_t>();
      if (js.contains("max")) s.max = js["max"].get<int64_t>();
      if (js.contains("enum")) s.enum_values = js["enum"].get<std::vector<std::string>>();
      if (js.contains("pattern")) {
        auto p = Pattern::Compile(js["pattern"].get<std::string>());
        if (!p.ok()) return p.status().Prefixed("shape " + name);
        s.pattern = std::move(p).value();
      }
      if (js.contains("required")) {
        for (auto& r : js["required"]) s.required.insert(r.get<std::string>());
      }
      if (js.value("exception", false) || js.contains("error")) {
        s.is_error = true;
        if (js.contains("error")) s.http_status = js["error"].value("httpStatusCode", 400);
      }
      if (js.contains("members")) {
        for (auto& [mname, mj] : js["members"].items()) {
          Member m;
          m.name = mname;
          KILN_ASSIGN_OR_RETURN(m.shape, ref(mj, "member " + name + "." + mname));
          KILN_ASSIGN_OR_RETURN(m.location, ParseLocation(mj.value("location", "")));
          m.location_name = mj.value("locationName", mname);
          m.idempotency_token = mj.value("idempotencyToken", false);
          s.members.push_back(std::move(m));
        }
      }
      if (js.contains("member")) {
        KILN_ASSIGN_OR_RETURN(s.member, ref(js["member"], name + ".member"));
      }
      if (js.contains("key")) {
        KILN_ASSIGN_OR_RETURN(s.key, ref(js["key"], name + ".key"));
      }
      if (js.contains("value")) {
        KILN_ASSIGN_OR_RETURN(s.value, ref(js["value"], name + ".value"));
      }
    }
    for (auto& [name, oj] : doc.at("operations").items()) {
      auto op = std::make_unique<Operation>();
      op->name = name;
      op->method = oj.at("http").at("method").get<std::string>();
      op->request_uri = oj.at("http").at("requestUri").get<std::string>();
      if (oj.contains("input")) {
        KILN_ASSIGN_OR_RETURN(op->input, ref(oj["input"], name + " input"));
      }
      if (oj.contains("output")) {
        KILN_ASSIGN_OR_RETURN(op->output, ref(oj["output"], name + " output"));
      }
      for (auto& e : oj.value("errors", Json::array())) {
        op->errors.push_back(e.at("shape").get<std::string>());
      }
      model->by_name_[name] = op.get();
      model->operations_.push_back(std::move(op));
    }
  } catch (const Json::exception& e) {
    return Status::Invalid(std::string("service model is malformed: ") + e.what());
  }
  PropagateTimestamps(model->shapes_);
  return model;
}

std::string_view ServiceModel::EmbeddedJson() {
  return {reinterpret_cast<const char*>(kiln_service_model_json), kiln_service_model_json_size};
}

const ServiceModel& ServiceModel::Embedded() {
  static const ServiceModel* model = [] {
    auto m = Parse(EmbeddedJson());
    if (!m.ok()) {
      std::fprintf(stderr, "kiln: embedded service model is broken: %s\n",
                   m.status().ToString().c_str());
      std::abort();
    }
    return std::move(m).value().release();
  }();
  return *model;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : it->second.get();
}

}  // namespace kiln::api
