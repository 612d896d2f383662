#pragma once
// Committed changes that can alter an access decision (a user, organization, membership, session,
// API key, service or MCP server changed), announced to what this process keeps decisions in: the
// gateway's cache (src/app/gateway_authorizer.h). Every path that commits such a change announces it
// here after the commit — the admin API, webhook deliveries, `clerk sync` — so this instance's
// gateway answers from the new state at once; other instances within the cache's 500 ms.
namespace mcp::domain {

using AccessChangeListener = void (*)();

// Whoever caches decisions subscribes (one listener per process; the last one set wins). Commands
// that cache nothing set none, and announcing is then a no-op.
void listen_for_access_changes(AccessChangeListener listener);

// Call after the commit of a change that can alter an access decision.
void announce_access_change();

}  // namespace mcp::domain
