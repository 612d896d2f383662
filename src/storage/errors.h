#pragma once
// Storage errors, translated at the storage edge from engine codes (SQLite extended result codes,
// PostgreSQL SQLSTATEs) into the few kinds callers act on. Messages are safe to log; they never
// carry parameter values.
#include <stdexcept>
#include <string>

namespace mcp::storage {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A UNIQUE or PRIMARY KEY constraint refused the write (SQLite CONSTRAINT_UNIQUE, PostgreSQL 23505).
class UniqueViolation : public StorageError {
 public:
  using StorageError::StorageError;
};

// A FOREIGN KEY constraint refused the write (SQLite CONSTRAINT_FOREIGNKEY, PostgreSQL 23503).
class ForeignKeyViolation : public StorageError {
 public:
  using StorageError::StorageError;
};

// A CHECK or NOT NULL constraint refused the write (PostgreSQL 23514 / 23502).
class CheckViolation : public StorageError {
 public:
  using StorageError::StorageError;
};

// Concurrent transactions got in each other's way (PostgreSQL deadlock 40P01, serialization
// failure 40001): nothing of the write was kept, and running it again is expected to succeed.
class Conflict : public StorageError {
 public:
  using StorageError::StorageError;
};

// What kind of unavailability, in a fixed vocabulary that is safe to show anyone (health's
// "reason"): the message says where (host, user, database, file path), the reason only what kind.
enum class UnavailableReason { Unavailable, Unreachable, Busy, IoError, DiskFull, ReadOnly, Corrupt, FileRemoved, FileReplaced, Closing };

// The reason's name as /api/health answers it: "unreachable", "file_replaced", …
inline const char* unavailable_reason_name(UnavailableReason reason) {
  switch (reason) {
    case UnavailableReason::Unreachable: return "unreachable";
    case UnavailableReason::Busy: return "busy";
    case UnavailableReason::IoError: return "io_error";
    case UnavailableReason::DiskFull: return "disk_full";
    case UnavailableReason::ReadOnly: return "read_only";
    case UnavailableReason::Corrupt: return "corrupt";
    case UnavailableReason::FileRemoved: return "file_removed";
    case UnavailableReason::FileReplaced: return "file_replaced";
    case UnavailableReason::Closing: return "closing";
    case UnavailableReason::Unavailable: break;
  }
  return "unavailable";
}

// The database cannot be reached or used right now (I/O error, disk full, file removed, server
// down): retrying later may succeed. HTTP maps it to 503.
class Unavailable : public StorageError {
 public:
  explicit Unavailable(const std::string& message, UnavailableReason reason = UnavailableReason::Unavailable)
      : StorageError(message), reason_(reason) {}
  UnavailableReason reason() const { return reason_; }

 private:
  UnavailableReason reason_;
};

// The schema in the database does not match what this binary expects (drift, pending migrations).
class SchemaError : public StorageError {
 public:
  using StorageError::StorageError;
};

}  // namespace mcp::storage
