# Turns a file into a C++ byte array at build time (cmake -P): the service
# model is compiled into `kiln` so the binary needs nothing beside it.
#   -DIN=<file> -DOUT=<generated .cc> -DSYMBOL=<C identifier>
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# One line per 64 bytes keeps the generated file readable by editors.
string(REGEX REPLACE "((0x..,){64})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by embed_file.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "extern const unsigned char ${SYMBOL}[] = {\n${bytes}0x00};\n"
  "extern const std::size_t ${SYMBOL}_size = ${size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
