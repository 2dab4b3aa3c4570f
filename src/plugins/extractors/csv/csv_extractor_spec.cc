// csv: rows from a CSV file or a glob of files (gzip/zstd by extension).
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {
namespace {

Status SingleCharacter(const nlohmann::json& value) {
  if (value.get<std::string>().size() != 1) return InvalidArgumentError("must be one character");
  return Status::Ok();
}

}  // namespace

PluginSpec CsvExtractorSpec() {
  return {PluginKind::kExtractor,
          "csv",
          {{"path", FieldType::kString, true, CheckNotEmpty},
           {"delimiter", FieldType::kString, false, SingleCharacter},
           {"quote", FieldType::kString, false, SingleCharacter},
           {"escape", FieldType::kString, false, SingleCharacter},
           {"header", FieldType::kBool},
           {"null_string", FieldType::kString},
           {"skip_rows", FieldType::kInteger, false, Between(0, 1'000'000'000)},
           {"columns", FieldType::kObject},
           {"ignore_errors", FieldType::kBool}}};
}

}  // namespace orc
