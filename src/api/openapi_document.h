// orc's OpenAPI document as written in src/api/openapi.json, compiled into the binary by
// cmake/EmbedOpenApi.cmake. openapi_handler.h serves it.
#pragma once

#include <string_view>

namespace orc {

std::string_view OpenApiDocumentText();

}  // namespace orc
