-- One audit vocabulary (README "Audit logs"): the admin API recorded membership changes as
-- membership.created|updated|deleted with target_type "membership", the Clerk sync as
-- organization_membership.*. Rows already written take the one name, so that a filter by action
-- finds every membership change, whoever made it.
UPDATE audit_logs SET action = 'organization_membership.' || substr(action, 12)
  WHERE action IN ('membership.created', 'membership.updated', 'membership.deleted');
UPDATE audit_logs SET target_type = 'organization_membership' WHERE target_type = 'membership';
