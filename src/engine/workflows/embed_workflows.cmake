# Compiles the managed workflow documents (workflows/<type>/<name>.yaml) into
# the binary as C++ raw strings (cmake -P).
#   -DDIR=<workflows dir> -DOUT=<generated .cc>
file(GLOB_RECURSE files RELATIVE "${DIR}" "${DIR}/*.yaml")
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ "${DIR}/${f}" text)
  string(APPEND body "    {\"${f}\", R\"KILNYAML(${text})KILNYAML\"},\n")
endforeach()
file(WRITE "${OUT}.tmp"
  "// Generated from src/engine/workflows by embed_workflows.cmake; do not edit.\n"
  "#include \"engine/managed_workflows.h\"\n"
  "namespace kiln::engine {\n"
  "const std::vector<EmbeddedFile>& EmbeddedWorkflowFiles() {\n"
  "  static const std::vector<EmbeddedFile> kFiles = {\n${body}  };\n"
  "  return kFiles;\n}\n}  // namespace kiln::engine\n")
file(RENAME "${OUT}.tmp" "${OUT}")
