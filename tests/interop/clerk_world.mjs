// A deterministic Clerk instance for `clerk sync` tests and the benchmark: users, organizations and
// memberships as Clerk's Backend API lists them (oldest first), built from indexes so that a large
// world is made on demand (lazyWorld) and a small one can be held and edited (world).
import { T0, membershipData, membershipId, orgData, orgId, userData, userId } from './clerk_payloads.mjs';

const ROLES = ['org:admin', 'org:member', 'org:member', 'org:viewer', 'basic_member'];

const userName = (i) => `u${i}`;
const orgName = (i) => `o${i}`;

function userAt(i) {
  return userData({ name: userName(i), createdAt: T0 + i * 1000, updatedAt: T0 + i * 1000 + 7,
    lastSignInAt: i % 3 === 0 ? T0 + i * 1000 + 99 : null, publicMetadata: i % 5 === 0 ? { plan: 'pro', n: i } : {} });
}

function orgAt(i) {
  return orgData({ name: orgName(i), createdAt: T0 + i * 997, updatedAt: T0 + i * 997 + 3,
    publicMetadata: i % 4 === 0 ? { tier: 'gold' } : {} });
}

// Membership k: user (k mod users) in organization (k mod organizations) — distinct pairs while
// k < users * organizations / gcd; every user belongs to at least one organization when
// memberships >= users.
function membershipAt(k, users, organizations) {
  const u = k % users;
  const o = (k + Math.floor(k / users)) % organizations;
  return membershipData({
    name: `m${k}`,
    role: ROLES[k % ROLES.length],
    org: { name: orgName(o), createdAt: T0 + o * 997, updatedAt: T0 + o * 997 + 3, publicMetadata: o % 4 === 0 ? { tier: 'gold' } : {} },
    user: { name: userName(u) },
    createdAt: T0 + 5_000_000 + k * 11,
    updatedAt: T0 + 5_000_000 + k * 11 + 1,
  });
}

// Arrays, to hold and edit: { users, organizations, memberships }.
export function world({ users, organizations, memberships = users + Math.floor(users / 4) }) {
  return {
    users: Array.from({ length: users }, (_, i) => userAt(i)),
    organizations: Array.from({ length: organizations }, (_, i) => orgAt(i)),
    memberships: Array.from({ length: memberships }, (_, k) => membershipAt(k, users, organizations)),
  };
}

// Collections built on demand ({size, at, byId}) for the benchmark's 100,000 users.
export function lazyWorld({ users, organizations, memberships = users }) {
  const index = (prefix, count, name) => {
    const ids = new Map();
    return (id) => {
      if (!ids.size) for (let i = 0; i < count; i += 1) ids.set(prefix(name(i)), i);
      return ids.get(id);
    };
  };
  const userIndex = index(userId, users, userName);
  const orgIndex = index(orgId, organizations, orgName);
  return {
    users: { size: () => users, at: userAt, byId: (id) => (userIndex(id) === undefined ? undefined : userAt(userIndex(id))) },
    organizations: { size: () => organizations, at: orgAt, byId: (id) => (orgIndex(id) === undefined ? undefined : orgAt(orgIndex(id))) },
    memberships: { size: () => memberships, at: (k) => membershipAt(k, users, organizations),
      byId: (id) => { for (let k = 0; k < memberships; k += 1) if (membershipId(`m${k}`) === id) return membershipAt(k, users, organizations); return undefined; } },
  };
}
