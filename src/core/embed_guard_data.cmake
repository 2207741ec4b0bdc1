# Writes OUT: a C++ source that holds every DIR/*.txt (in name order) as bytes, behind
# crier::guard::BuiltInRuleFiles() (core/guard_data.h). Run with cmake -P at build time.
file(GLOB files RELATIVE "${DIR}" "${DIR}/*.txt")
list(SORT files)
set(arrays "")
set(entries "")
set(i 0)
foreach(name IN LISTS files)
  file(READ "${DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const unsigned char kFile${i}[] = {${bytes}0x00};\n")
  string(APPEND entries
         "      {\"${name}\", {reinterpret_cast<const char*>(kFile${i}), ${size}}},\n")
  math(EXPR i "${i} + 1")
endforeach()
set(source "// Generated from data/guard/*.txt by src/core/embed_guard_data.cmake; do not edit.
#include \"core/guard_data.h\"

namespace crier::guard {
namespace {
${arrays}}  // namespace

std::span<const EmbeddedFile> BuiltInRuleFiles() {
  // The last entry only keeps the array non-empty when there are no files.
  static const EmbeddedFile kFiles[] = {
${entries}      {\"\", {}},
  };
  return {kFiles, ${i}};
}

}  // namespace crier::guard
")
file(WRITE "${OUT}.tmp" "${source}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
