# Writes orc's OpenAPI document (src/api/openapi.json) as a C++ string: orc serves it from memory.
#   cmake -DINPUT=src/api/openapi.json -DOUTPUT=openapi_document.cc -P EmbedOpenApi.cmake
file(READ "${INPUT}" document)
set(delimiter "orc_openapi")
string(FIND "${document}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains ')${delimiter}\"', which would end the raw string early")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from src/api/openapi.json by cmake/EmbedOpenApi.cmake; do not edit.\n"
  "#include \"api/openapi_document.h\"\n\n"
  "namespace orc {\n\n"
  "std::string_view OpenApiDocumentText() {\n"
  "  return R\"${delimiter}(${document})${delimiter}\";\n}\n\n}  // namespace orc\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
