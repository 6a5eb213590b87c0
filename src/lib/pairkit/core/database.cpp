// What both engines share (see database.hpp): plain wording, and opening a
// location with the engine it names.
#include "pairkit/core/database.hpp"

#include "pairkit/core/postgres.hpp"
#include "pairkit/core/sqlite.hpp"

namespace pairkit::db {

std::string describe_plainly(const FailureInfo& f) {
  switch (f.kind) {
    case Failure::cannot_open: return "cannot open database " + f.path + ": " + std::string(f.message);
    case Failure::busy:
      return "database " + f.path + " is busy: another process held it for more than " +
             std::to_string(f.busy_timeout.count()) + " ms";
    case Failure::not_a_database:
      return f.path + " is not a usable database (" + std::string(f.message) + ")";
    case Failure::connection_lost: return "lost the connection to " + f.path + ": " + std::string(f.message);
    case Failure::constraint:
    case Failure::other: break;
  }
  return f.path + ": " + std::string(f.what) + ": " + std::string(f.message);
}

std::unique_ptr<Connection> connect(const DbLocation& where, const ConnectionOptions& options) {
  switch (where.engine) {
    case DbEngine::sqlite: return sqlite::open(where.target, options);
    case DbEngine::postgres: return postgres::open(where.target, options);
  }
  throw InputError("unknown database engine");
}

}  // namespace pairkit::db
