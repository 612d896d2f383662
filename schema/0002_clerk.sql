-- Clerk from day one.
--
-- Clerk's session events (session.created|pending|ended|removed|revoked) keep sessions in step by
-- clerk_session_id: Clerk's status of the session and the updated_at of the data last applied
-- (the webhook sync's staleness rule). A status that ended the session in Clerk is a tombstone.
ALTER TABLE sessions ADD COLUMN clerk_status TEXT;
ALTER TABLE sessions ADD COLUMN clerk_updated_at BIGINT;

-- `serve --clerk-sync-every`: one row ('clerk-sync') that is both the lease that lets one instance
-- at a time reconcile with Clerk (several instances on one database) and the record of the last
-- run that /api/health and /metrics report, whichever instance ran it.
CREATE TABLE clerk_sync_state (
  id                TEXT PRIMARY KEY,
  lease_owner       TEXT,
  lease_until       BIGINT,
  last_started_at   BIGINT,
  last_finished_at  BIGINT,
  last_outcome      TEXT CHECK (last_outcome IN ('ok', 'failed')),
  last_error        TEXT,
  last_counts       TEXT NOT NULL DEFAULT '{}',
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);
