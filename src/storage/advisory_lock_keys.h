#pragma once

#include <cstdint>
#include <string>

// PostgreSQL transaction-level advisory locks (pg_advisory_xact_lock), one key per purpose, all
// here. Two purposes sharing a key make unrelated transactions wait on each other: a batch that
// handed over a slug early would hold every other writer's commit until its own end, and with
// row locks between them that is a deadlock.
namespace mcp::storage::advisory_lock {

// Migrations and the creation of a missing schema, across instances.
inline constexpr int64_t kMigration = 7268461923;
// The hand-over of an organization slug (taken mid-transaction, held to its end).
inline constexpr int64_t kSlugHandOver = 7268461924;
// The end of a write transaction that wrote audit rows (taken just before COMMIT).
inline constexpr int64_t kCommitOrder = 7268461925;

inline std::string lock_statement(int64_t key) { return "SELECT pg_advisory_xact_lock(" + std::to_string(key) + ")"; }

}  // namespace mcp::storage::advisory_lock
