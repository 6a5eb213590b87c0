// The registry as a whole store, for db migrate and db copy: its schema and
// its tables (defined with them, in registry_sql.cpp).
#pragma once
#include "pairkit/core/db_store.hpp"

namespace pairkit::pairing {

/// The pairing registry: schema namespace pairkit_registry, marker table requests.
const db::Store& registry_store();

}  // namespace pairkit::pairing
