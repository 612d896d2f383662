-- Per-tool decisions at the gateway (README "Gateway authorization", "Tool policies"): an
-- organization's policy for one service, as JSON {"allow":[globs],"deny":[globs],
-- "require_method_headers":bool}. NULL is the default policy (every tool the role may call).
ALTER TABLE organization_services ADD COLUMN tool_policy TEXT;
