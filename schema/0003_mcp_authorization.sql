-- MCP authorization (README "MCP clients: OAuth discovery", "Tool policies").
--
-- Per-tool decisions at the gateway: an organization's policy for one service, as JSON
-- {"allow":[globs],"deny":[globs],"require_method_headers":bool}. NULL is the default policy
-- (every tool the role may call).
ALTER TABLE organization_services ADD COLUMN tool_policy TEXT;

-- The OAuth client (an access token's client_id) through which a change was made; NULL for API
-- keys and Clerk session tokens.
ALTER TABLE audit_logs ADD COLUMN client_id TEXT;
