// /api/v1/organizations and their members. Organizations and memberships normally come from Clerk
// (webhooks); these routes let operators read them and make local changes (development, fixtures,
// corrections). Clerk stays the source of truth: a newer Clerk event overwrites a local edit.
#include <algorithm>

#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "domain/memberships.h"
#include "domain/organization_deletion.h"
#include "http/api_support.h"
#include "http/identity_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/api_key_store.h"
#include "storage/identity_store.h"
#include "util/ids.h"

namespace mcp::http {

namespace {

using domain::Permission;
using nlohmann::json;

const char* kNoOrganization = "There is no such organization.";

bool is_valid_slug(const std::string& slug) {
  return std::all_of(slug.begin(), slug.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

std::optional<std::string> read_slug(const JsonBody& body) {
  auto slug = body.string("slug", false, 64, true);
  if (slug && !is_valid_slug(*slug)) throw_field_error("slug", "may contain only a-z, 0-9, '-' and '_'");
  return slug;
}

// Reads the organization and checks the principal's permission on it, in one read.
storage::OrganizationRecord authorized_organization(ApiRequest& r, Permission permission) {
  auto organization = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    return storage::find_organization_by_any_id(session, r.param("id"));
  });
  if (!organization) throw ApiError(404, kNoOrganization);
  domain::authorize(r.principal, permission, organization->id, kNoOrganization);
  if (organization->deleted_at && !(permission == Permission::Read && r.principal.platform_admin)) {
    throw ApiError(404, kNoOrganization);
  }
  return *organization;
}

json organization_schema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"clerk_id", {{"type", "string"}}},
            {"name", {{"type", "string"}}},
            {"slug", {{"type", {"string", "null"}}}},
            {"image_url", {{"type", {"string", "null"}}}},
            {"metadata", {{"type", "object"}}},
            {"deleted_at", {{"type", {"string", "null"}}, {"format", "date-time"}}},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
}

json membership_schema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"clerk_id", {{"type", "string"}}},
            {"organization_id", {{"type", "string"}}},
            {"user_id", {{"type", "string"}}},
            {"role", {{"enum", {"ADMIN", "MEMBER", "VIEWER"}}}},
            {"user", {{"type", "object"}}},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
}

json organization_body_schema(bool create) {
  json schema = {{"type", "object"},
                 {"additionalProperties", false},
                 {"properties",
                  {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 256}}},
                   {"slug", {{"type", {"string", "null"}}, {"pattern", "^[a-z0-9_-]{1,64}$"}}},
                   {"image_url", {{"type", {"string", "null"}}, {"maxLength", 2048}}},
                   {"metadata", {{"type", "object"}}}}}};
  if (create) {
    schema["properties"]["clerk_id"] = {{"type", "string"}, {"description", "Clerk's org_… id; generated when absent"}};
    schema["required"] = {"name"};
  }
  return schema;
}

// ---- organizations ----

void list_organizations(ApiRequest& r) {
  PageRequest page = read_page(r.ctx.req);
  json rows = json::array();
  const auto& principal = r.principal;
  storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    std::vector<storage::OrganizationRecord> organizations;
    if (principal.platform_admin) {
      bool include_deleted = query_param(r.ctx.req, "include_deleted").value_or("") == "true";
      organizations = storage::list_organizations(session, page.after_id, page.limit + 1, include_deleted);
    } else if (principal.user_id) {
      // A user sees every organization they belong to (to pick one to switch to: POST /api/v1/sessions).
      organizations = storage::list_organizations_of_user(session, *principal.user_id, page.after_id, page.limit + 1);
    } else if (principal.organization_id && (!page.after_id || *page.after_id < *principal.organization_id)) {
      if (auto own = storage::find_organization(session, *principal.organization_id); own && !own->deleted_at) {
        organizations.push_back(*own);
      }
    }
    for (const auto& organization : organizations) rows.push_back(organization_json(organization));
    return 0;
  });
  r.send(200, page_response(std::move(rows), page));
}

void create_organization(ApiRequest& r) {
  domain::authorize(r.principal, Permission::Platform, std::nullopt);
  JsonBody body(r.ctx.req, {"name", "slug", "image_url", "metadata", "clerk_id"});
  storage::OrganizationRecord organization;
  organization.name = *body.string("name", true, 256);
  organization.slug = read_slug(body);
  organization.clerk_slug = organization.slug;
  organization.image_url = body.string("image_url", false, 2048, true);
  organization.metadata = body.object("metadata").value_or(json::object());
  auto clerk_id = body.string("clerk_id", false, 128);
  if (clerk_id && clerk_id->rfind("org_", 0) != 0) throw_field_error("clerk_id", "must be a Clerk organization id (org_…)");
  organization.clerk_id = clerk_id.value_or("org_local_" + util::new_uuid_v7());
  auto created = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    storage::insert_organization(session, organization);
    auto stored = *storage::find_organization(session, organization.id);
    domain::AuditTrail(session, r.audit_actor())
        .record(stored.id, domain::audit_action::kOrganizationCreated, domain::audit_target::kOrganization, stored.id,
                nullptr, organization_json(stored));
    return stored;
  });
  r.send(201, organization_json(created));
}

void get_organization(ApiRequest& r) { r.send(200, organization_json(authorized_organization(r, Permission::Read))); }

void update_organization(ApiRequest& r) {
  storage::OrganizationRecord current = authorized_organization(r, Permission::Manage);
  JsonBody body(r.ctx.req, {"name", "slug", "image_url", "metadata"});
  storage::OrganizationRecord next = current;
  if (auto name = body.string("name", false, 256)) next.name = *name;
  if (body.has("slug")) next.slug = read_slug(body);
  if (body.has("image_url")) next.image_url = body.string("image_url", false, 2048, true);
  if (auto metadata = body.object("metadata")) next.metadata = *metadata;
  auto updated = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    if (!storage::update_organization_fields(session, next)) throw ApiError(404, kNoOrganization);
    auto stored = *storage::find_organization(session, next.id);
    domain::AuditTrail(session, r.audit_actor())
        .record(stored.id, domain::audit_action::kOrganizationUpdated, domain::audit_target::kOrganization, stored.id,
                organization_json(current), organization_json(stored));
    return stored;
  });
  r.send(200, organization_json(updated));
}

// Soft delete: the one cascade of an organization's deletion (domain/organization_deletion.h),
// the same as Clerk's organization.deleted.
void delete_organization(ApiRequest& r) {
  storage::OrganizationRecord current = authorized_organization(r, Permission::Platform);
  storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    // Read again inside the write: a webhook may have changed its slug since the check above.
    auto organization = storage::find_organization(session, current.id);
    if (!organization || organization->deleted_at) throw ApiError(404, kNoOrganization);
    domain::AuditTrail trail(session, r.audit_actor());
    if (!domain::delete_organization(trail, *organization, r.now_ms).organization_deleted) {
      throw ApiError(404, kNoOrganization);
    }
    return 0;
  });
  r.send_no_content();
}

// ---- members ----

void list_members(ApiRequest& r) {
  storage::OrganizationRecord organization = authorized_organization(r, Permission::Read);
  PageRequest page = read_page(r.ctx.req);
  json rows = json::array();
  storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    for (const auto& member : storage::list_members(session, organization.id, page.after_id, page.limit + 1)) {
      rows.push_back(membership_json(member.membership, &member.user));
    }
    return 0;
  });
  r.send(200, page_response(std::move(rows), page));
}

// A refused membership change as the API answers it: 409 for a member already there, else 404.
[[noreturn]] void answer_refusal(const domain::MembershipRefused& refusal) {
  throw ApiError(refusal.reason() == domain::MembershipRefused::Reason::AlreadyMember ? 409 : 404, refusal.what());
}

void add_member(ApiRequest& r) {
  storage::OrganizationRecord organization = authorized_organization(r, Permission::Manage);
  JsonBody body(r.ctx.req, {"user_id", "role"});
  std::string user_ref = *body.string("user_id", true, 128);
  std::string role = body.one_of("role", {"ADMIN", "MEMBER", "VIEWER"}).value_or("MEMBER");
  auto added = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, r.audit_actor());
    try {
      return domain::add_member(trail, organization.id, user_ref, role, r.principal.platform_admin);
    } catch (const domain::MembershipRefused& refusal) {
      answer_refusal(refusal);
    }
  });
  r.send(201, membership_json(added.membership, &added.user));
}

void update_member(ApiRequest& r) {
  storage::OrganizationRecord organization = authorized_organization(r, Permission::Manage);
  JsonBody body(r.ctx.req, {"role"});
  std::string role = *body.one_of("role", {"ADMIN", "MEMBER", "VIEWER"}, true);
  auto updated = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, r.audit_actor());
    try {
      return domain::change_member_role(trail, organization.id, r.param("user_id"), role);
    } catch (const domain::MembershipRefused& refusal) {
      answer_refusal(refusal);
    }
  });
  r.send(200, membership_json(updated.membership, &updated.user));
}

void remove_member(ApiRequest& r) {
  storage::OrganizationRecord organization = authorized_organization(r, Permission::Manage);
  storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, r.audit_actor());
    try {
      domain::remove_member(trail, organization.id, r.param("user_id"), r.now_ms);
    } catch (const domain::MembershipRefused& refusal) {
      answer_refusal(refusal);
    }
    return 0;
  });
  r.send_no_content();
}

}  // namespace

void add_organization_routes(Router& router, app::App& app) {
  const std::string tag = "organizations";
  json member_body = {{"type", "object"},
                      {"additionalProperties", false},
                      {"required", {"user_id"}},
                      {"properties",
                       {{"user_id", {{"type", "string"}, {"description", "internal id or Clerk id (user_…)"}}},
                        {"role", {{"enum", {"ADMIN", "MEMBER", "VIEWER"}}}}}}};
  json role_body = {{"type", "object"},
                    {"additionalProperties", false},
                    {"required", {"role"}},
                    {"properties", {{"role", {{"enum", {"ADMIN", "MEMBER", "VIEWER"}}}}}}};
  auto list_params = page_query();
  list_params.push_back({"include_deleted", "boolean", "platform admin only: include deleted organizations"});

  router.add("GET", "/api/v1/organizations", "List organizations the credential can see",
             api_handler(app, list_organizations), RouteDoc{.tag = tag, .authenticated = true, .query = list_params, .response_schema = page_schema(organization_schema())});
  router.add("POST", "/api/v1/organizations", "Create an organization (platform admin)",
             api_handler(app, create_organization),
             RouteDoc{.tag = tag, .authenticated = true, .request_schema = organization_body_schema(true), .success_status = 201, .response_schema = organization_schema()});
  router.add("GET", "/api/v1/organizations/{id}", "Get an organization", api_handler(app, get_organization),
             RouteDoc{.tag = tag, .authenticated = true, .response_schema = organization_schema()});
  router.add("PATCH", "/api/v1/organizations/{id}", "Change an organization's name, slug, image or metadata (ADMIN)",
             api_handler(app, update_organization),
             RouteDoc{.tag = tag, .authenticated = true, .request_schema = organization_body_schema(false), .response_schema = organization_schema()});
  router.add("DELETE", "/api/v1/organizations/{id}",
             "Delete an organization (platform admin): ends memberships and sessions, revokes keys",
             api_handler(app, delete_organization), RouteDoc{.tag = tag, .authenticated = true, .success_status = 204});
  router.add("GET", "/api/v1/organizations/{id}/members", "List an organization's members",
             api_handler(app, list_members), RouteDoc{.tag = tag, .authenticated = true, .query = page_query(), .response_schema = page_schema(membership_schema())});
  router.add("POST", "/api/v1/organizations/{id}/members", "Add a member (ADMIN)", api_handler(app, add_member),
             RouteDoc{.tag = tag, .authenticated = true, .request_schema = member_body, .success_status = 201, .response_schema = membership_schema()});
  router.add("PATCH", "/api/v1/organizations/{id}/members/{user_id}", "Change a member's role (ADMIN)",
             api_handler(app, update_member), RouteDoc{.tag = tag, .authenticated = true, .request_schema = role_body, .response_schema = membership_schema()});
  router.add("DELETE", "/api/v1/organizations/{id}/members/{user_id}", "Remove a member (ADMIN)",
             api_handler(app, remove_member), RouteDoc{.tag = tag, .authenticated = true, .success_status = 204});
}

}  // namespace mcp::http
