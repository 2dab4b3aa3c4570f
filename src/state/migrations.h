// The state schema, as versioned migrations embedded in the binary.
//
// ApplyMigrations() brings a database up to the newest version inside one transaction, recording
// each applied version in schema_migrations; running it again is a no-op. Two processes starting
// at once do not race: PostgreSQL serializes them with an advisory lock, SQLite with its write
// lock. A database whose schema is newer than this binary knows is refused.
#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "state/database_url.h"
#include "state/sql/sql_connection.h"

namespace orc {

// The newest schema version this binary knows.
int LatestSchemaVersion();

Status ApplyMigrations(SqlConnection& connection, DatabaseBackend backend, Clock& clock);

}  // namespace orc
