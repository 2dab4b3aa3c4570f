// How the postgres destination reconciles a source column's type with the type the target
// table's column has: the PostgreSQL types as format_type() writes them ("integer",
// "numeric(10,2)", "character varying(20)", "text[]").
//
// A column fits when the table's type holds every value of the source's (int4 into int8, anything
// into text, date into a timestamp). It is widened (ALTER COLUMN ... TYPE) where PostgreSQL widens
// without loss: smallint → integer → bigint → numeric, real → double precision, varchar(n) → text,
// numeric(p,s) → a numeric with room for both. Anything else is refused.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

namespace orc {

struct TypeChange {
  enum class Verdict { kFits, kWiden, kRefuse };
  Verdict verdict = Verdict::kFits;
  std::string widened_type;  // kWiden: the column's new type
};

TypeChange ReconcileTypes(const std::string& source_type, const std::string& table_type);

}  // namespace orc
