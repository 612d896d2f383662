#pragma once
// Rows the use-case tests start from, inserted straight through the store.
#include <string>

#include "storage/database.h"
#include "storage/identity_store.h"

namespace mcp::test {

// A live organization as Clerk's organization.created leaves it: the slug effective and Clerk's.
inline storage::OrganizationRecord insert_organization_row(storage::Transaction& session, const std::string& clerk_id,
                                                           const std::string& slug) {
  storage::OrganizationRecord record;
  record.clerk_id = clerk_id;
  record.name = slug;
  record.slug = slug;
  record.clerk_slug = slug;
  record.clerk_updated_at = 1000;
  storage::insert_organization(session, record);
  return record;
}

}  // namespace mcp::test
