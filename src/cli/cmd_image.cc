// `kiln image`: the local image store (list, inspect, import, export, rm)
// and container registries (pull, push).
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "engine/build.h"
#include "engine/local_build.h"
#include "image/export.h"
#include "image/registry.h"
#include "image/store.h"

namespace {

int Fail(const kiln::Status& s) {
  std::fprintf(stderr, "kiln image: %s\n", s.message().c_str());
  return 1;
}

int RunImageCommand(int argc, char** argv) {
  CLI::App app{"Manage the local image store (an OCI image layout under DATA_DIR/images).", "kiln image"};
  std::string data_dir = kiln::engine::DefaultDataDir();
  app.add_option("--data-dir", data_dir, "Image store directory ($KILN_DATA_DIR)");
  app.require_subcommand(1);
  auto* list = app.add_subcommand("list", "List images");
  std::string name, source, format = "oci-layout", output, tag, compression;
  auto* inspect = app.add_subcommand("inspect", "Print an image's manifest digest, config and layers as JSON");
  inspect->add_option("name", name, "Image name, e.g. hello:1.0.0")->required();
  auto* rm = app.add_subcommand("rm", "Remove an image (and blobs no other image uses)");
  rm->add_option("name", name)->required();
  auto* import = app.add_subcommand("import", "Import busybox, oci:DIR[:TAG] or a root filesystem directory");
  import->add_option("source", source, "busybox | oci:DIR[:TAG] | /rootfs/dir")->required();
  import->add_option("name", name, "Name in the store")->required();
  std::string parent;
  auto* commit = app.add_subcommand("commit", "Snapshot a directory (overlayfs upper form: 0/0 char devices are "
                                              "whiteouts) as a new layer on top of PARENT");
  commit->add_option("parent", parent, "Parent image name")->required();
  commit->add_option("dir", source, "Directory holding the changes")->required();
  commit->add_option("name", name, "Name of the new image")->required();
  commit->add_option("--compression", compression, "zstd (default) | gzip | none");
  auto* exp = app.add_subcommand("export", "Export an image");
  exp->add_option("name", name)->required();
  exp->add_option("--format", format, "oci-layout | oci-archive | raw | qcow2");
  exp->add_option("--output", output, "Directory (oci-layout) or file")->required();
  exp->add_option("--tag", tag, "Tag inside an OCI layout (default: the version part of the name)");
  exp->add_option("--compression", compression, "Recompress layers: gzip | zstd (default: as stored)");
  std::string ref;
  bool insecure = false;
  auto* pull = app.add_subcommand("pull", "Pull an image from a registry (layers the store has are not downloaded)");
  pull->add_option("ref", ref, "[docker://]HOST[:PORT]/REPO[:TAG|@sha256:...], or a Docker Hub name (debian:12)")
      ->required();
  pull->add_option("name", name, "Name in the store (default: the full reference)");
  pull->add_flag("--insecure", insecure, "Use plain http for this registry (also: KILN_INSECURE_REGISTRIES)");
  auto* push = app.add_subcommand("push", "Push an image to a registry");
  push->add_option("name", name, "Image name in the store")->required();
  push->add_option("ref", ref, "[docker://]HOST[:PORT]/REPO[:TAG]")->required();
  push->add_option("--compression", compression, "Recompress layers: gzip | zstd (default: as stored)");
  push->add_flag("--insecure", insecure, "Use plain http for this registry (also: KILN_INSECURE_REGISTRIES)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::error_code ec;
  data_dir = std::filesystem::absolute(data_dir, ec).string();
  auto store = kiln::image::ImageStore::Open(data_dir);
  if (!store.ok()) return Fail(store.status());

  if (*list) {
    auto images = store->List();
    if (!images.ok()) return Fail(images.status());
    std::printf("%-32s %-8s %s\n", "NAME", "LAYERS", "MANIFEST");
    for (const auto& i : *images) {
      std::printf("%-32s %-8zu %s\n", i.name.c_str(), i.layers.size(), i.manifest_digest.c_str());
    }
    return 0;
  }
  if (*inspect) {
    auto img = store->Get(name);
    if (!img.ok()) return Fail(img.status());
    kiln::image::Json layers = kiln::image::Json::array();
    for (const auto& l : img->layers) {
      layers.push_back({{"digest", l.digest}, {"diffId", l.diff_id}, {"mediaType", l.media_type}, {"size", l.size}});
    }
    kiln::image::Json out = {{"name", img->name}, {"manifestDigest", img->manifest_digest},
                             {"config", img->config}, {"layers", layers}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (*rm) {
    kiln::Status s = store->Remove(name);
    return s.ok() ? 0 : Fail(s);
  }
  if (*import) {
    auto img = source == "busybox" ? [&]() -> kiln::Result<kiln::image::Image> {
      auto bb = store->Busybox();
      if (!bb.ok()) return bb;
      kiln::Status s = store->Tag(name, bb->manifest_digest, bb->manifest_size);
      if (!s.ok()) return s;
      return store->Get(name);
    }()
                                     : source.rfind("oci:", 0) == 0 ? [&]() -> kiln::Result<kiln::image::Image> {
      std::string rest = source.substr(4);
      size_t colon = rest.find(':');
      return store->ImportOciLayout(rest.substr(0, colon), colon == std::string::npos ? "" : rest.substr(colon + 1), name);
    }()
                                                                    : store->ImportRootfs(source, name);
    if (!img.ok()) return Fail(img.status());
    std::printf("%s %s\n", img->name.c_str(), img->manifest_digest.c_str());
    return 0;
  }
  if (*commit) {
    auto base = parent == "busybox" ? store->Busybox() : store->Get(parent);
    if (!base.ok()) return Fail(base.status());
    kiln::image::CommitOptions o;
    o.name = name;
    o.created_by = "kiln image commit " + source;
    if (!compression.empty()) {
      auto c = kiln::image::ParseCompression(compression);
      if (!c.ok()) return Fail(c.status());
      o.layer.compression = *c;
    }
    auto img = store->Commit(*base, source, o);
    if (!img.ok()) return Fail(img.status());
    const auto& top = img->layers.back();
    std::printf("%s %s layer %s (%lld bytes)\n", img->name.c_str(), img->manifest_digest.c_str(), top.digest.c_str(),
                static_cast<long long>(top.size));
    return 0;
  }
  if (*pull || *push) {
    kiln::image::RegistryOptions o;
    o.progress = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
    auto parsed = kiln::image::ImageReference::Parse(ref);
    if (!parsed.ok()) return Fail(parsed.status());
    if (insecure) o.insecure_registries.push_back(parsed->registry);
    if (*pull) {
      auto r = kiln::image::PullImage(*store, ref, o, name);
      if (!r.ok()) return Fail(r.status());
      std::printf("%s %s (from %s@%s: %d blobs downloaded, %.1f MB; %d already in the store)\n",
                  r->image.name.c_str(), r->image.manifest_digest.c_str(), r->reference.c_str(),
                  r->registry_digest.c_str(), r->blobs_downloaded, static_cast<double>(r->bytes_downloaded) / 1e6,
                  r->blobs_cached);
      return 0;
    }
    auto img = store->Get(name);
    if (!img.ok()) return Fail(img.status());
    if (!compression.empty()) {
      auto c = kiln::image::ParseCompression(compression);
      if (!c.ok()) return Fail(c.status());
      o.compression = *c;
    }
    auto r = kiln::image::PushImage(*store, *img, ref, o);
    if (!r.ok()) return Fail(r.status());
    std::printf("%s -> %s@%s (%d blobs uploaded, %.1f MB; %d already there)\n", img->name.c_str(),
                r->reference.c_str(), r->manifest_digest.c_str(), r->blobs_uploaded,
                static_cast<double>(r->bytes_uploaded) / 1e6, r->blobs_existing);
    return 0;
  }
  if (*exp) {
    auto img = store->Get(name);
    if (!img.ok()) return Fail(img.status());
    kiln::image::ExportOptions o;
    auto f = kiln::image::ParseExportFormat(format);
    if (!f.ok()) return Fail(f.status());
    o.format = *f;
    o.output = output;
    o.tag = tag;
    if (!compression.empty()) {
      auto c = kiln::image::ParseCompression(compression);
      if (!c.ok()) return Fail(c.status());
      o.compression = *c;
    }
    kiln::Status s = kiln::image::ExportImage(*store, *img, o);
    if (!s.ok()) return Fail(s);
    std::printf("%s -> %s (%s)\n", img->name.c_str(), output.c_str(), format.c_str());
    return 0;
  }
  return 2;
}

}  // namespace

KILN_REGISTER_COMMAND(image, "image", "List, import, export and remove local images", RunImageCommand);
