// The CA index as a whole store, for db migrate and db copy: its schemas and
// its tables (defined with them, in index_sql.cpp).
#pragma once
#include "pairkit/core/db_store.hpp"

namespace pairkit::ca {

/// The CA index: schema namespace pairkit_ca, marker table certs.
const db::Store& index_store();

}  // namespace pairkit::ca
