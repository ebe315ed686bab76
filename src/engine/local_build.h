// The one-command local build: `kiln build FILE`, no server involved.
//
// FILE is a build recipe in YAML (docs/BUILDS.md has the full schema):
//
//   name: hello                  # image name
//   version: 1.0.0               # semantic version
//   parentImage: busybox         # busybox | oci:DIR[:TAG] | image:NAME | /rootfs/dir
//   instanceType: t3.small       # optional (instance_types.h), default t3.medium
//   network: false               # optional: host network inside instances
//   components:                  # build components, run in order
//     - path: components/hello-build.yml     # relative to the recipe
//     - name: update-linux                   # a Kiln-managed component
//     - arn: arn:aws:imagebuilder:...:component/x/1.0.0/1   # from KILN_ENDPOINT
//     - arn: s3://bucket/key.yml             # (also accepted under path:)
//       parameters:
//         - name: greeting
//           value: hi            # a string, or a list of one string (as Image Builder)
//   testComponents:
//     - path: components/hello-test.yml
//   imageTests: {enabled: true, timeoutMinutes: 60}
//   layerCompression: zstd       # zstd | gzip
//   outputs:
//     - {format: oci-layout, path: out/hello}    # oci-layout | oci-archive | raw | qcow2
//
// Unknown keys and wrong types are errors naming the key and line.
#pragma once

#include <string>

#include "common/status.h"
#include "engine/build.h"

namespace kiln::engine {

// A parsed recipe: the plan minus the resolved parent image.
struct RecipeFile {
  BuildPlan plan;           // everything except plan.parent
  std::string parent_ref;   // as written (see ResolveParent)
};

// Parses and checks a recipe. Relative paths are resolved against the
// recipe's directory; component documents must exist.
Result<RecipeFile> ParseRecipeFile(const std::string& path);
Result<RecipeFile> ParseRecipeText(const std::string& text, const std::string& base_dir,
                                   const std::string& source_name);

// $KILN_DATA_DIR, else /var/lib/kiln: where `kiln build`, `kiln image` and
// `kiln instance` keep the image store and instances.
std::string DefaultDataDir();

struct LocalBuildOptions {
  std::string data_dir;     // image store, instances, build work files
  std::string toe_binary;   // kiln-toe on the host (validated with, mounted into instances)
  bool verbose = false;     // stream component output
  bool keep_logs = false;
  std::function<bool()> cancelled = [] { return false; };
  // The document of a Kiln-managed component by name ("update-linux"), for
  // recipe entries `name: ...` (the catalogue lives in the API layer).
  std::function<Result<std::string>(const std::string& name)> managed_component;
};

// Parses the recipe, validates its components with `kiln-toe validate`,
// runs the build printing progress to stdout, and prints where the image
// and outputs are. Returns the process exit code (0 success, 1 failure,
// 2 bad recipe).
int RunLocalBuild(const std::string& recipe_path, const LocalBuildOptions& options);

}  // namespace kiln::engine
