// Builders of realistic Clerk webhook payloads, and a client that delivers them signed by the real
// `svix` package, the way Clerk (through Svix) does.
//
// The shapes follow Clerk's published examples of each event (Dashboard → Webhooks → Testing →
// Example payloads, and the Backend API's User / Organization / OrganizationMembership objects):
// every `*_at` is in milliseconds; `user.deleted` / `organization.deleted` carry only
// `{deleted:true, id, object}`; the three membership events carry the whole membership with its
// nested `organization` and `public_user_data`; the envelope is
// `{data, object:"event", type, timestamp, instance_id, event_attributes:{http_request:{…}}}`.
//
// Every builder is deterministic: ids are derived from names (clerkId), times are given by the
// caller, so two runs build byte-identical bodies.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { Webhook } from 'svix';

export const SVIX_VERSION = createRequire(import.meta.url)('svix/package.json').version;

export const INSTANCE_ID = 'ins_2g7nOB4KwRYwbmkzBLbNVB7s5JQ';
export const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) '
  + 'Chrome/128.0.0.0 Safari/537.36';

// Throwaway signing secrets (24 random bytes, base64, whsec_ prefix, as Clerk shows them).
export const SECRET = 'whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32';
export const SECRET_2 = 'whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E';
export const FOREIGN_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// A story's clock: Clerk-side times (ms) start here. Far from "now" on purpose: only the
// svix-timestamp header has to be recent, the payload's own times are Clerk's.
export const T0 = 1716883200000;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// A Clerk-looking id (`user_2g7np7Hrk0SN6kj5rDMLmVsz1nM`: prefix + 27 base62 characters), derived
// from `name` so that tests can name entities and still get realistic, stable ids.
export function clerkId(prefix, name) {
  const digest = createHash('sha256').update(`${prefix}:${name}`).digest();
  let id = '2';
  for (let i = 0; id.length < 27; i += 1) id += BASE62[digest[i % digest.length] % 62];
  return `${prefix}_${id}`;
}

export const userId = (name) => clerkId('user', name);
export const orgId = (name) => clerkId('org', name);
export const membershipId = (name) => clerkId('orgmem', name);
export const emailId = (name) => clerkId('idn', name);

// ---- envelope ----------------------------------------------------------------------------------

export function envelope(type, data, { timestamp, instanceId = INSTANCE_ID, clientIp = '203.0.113.7', userAgent = BROWSER_UA } = {}) {
  const event = {
    data,
    event_attributes: { http_request: { client_ip: clientIp, user_agent: userAgent } },
    instance_id: instanceId,
    object: 'event',
    timestamp: timestamp ?? data.updated_at ?? T0,
    type,
  };
  return event;
}

// ---- users -------------------------------------------------------------------------------------

// A Clerk User object. `name` names the user (its id, email id); `email` its primary address;
// `extraEmails` more (non-primary) addresses, which must never be taken as the email.
export function userData({
  name,
  id = userId(name),
  email = `${name}@example.com`,
  extraEmails = [],
  firstName = name ? name[0].toUpperCase() + name.slice(1) : null,
  lastName = 'Tester',
  imageUrl = `https://img.clerk.com/${id}.png`,
  createdAt = T0,
  updatedAt = createdAt,
  lastSignInAt = null,
  publicMetadata = {},
  privateMetadata = {},
  unsafeMetadata = {},
  username = null,
  phone = null,
  externalAccounts = [],
} = {}) {
  const primaryId = emailId(`${id}:${email}`);
  const addresses = [...extraEmails, email].map((address) => ({
    email_address: address,
    id: emailId(`${id}:${address}`),
    linked_to: [],
    object: 'email_address',
    reserved: false,
    verification: { attempts: null, expire_at: null, status: 'verified', strategy: address === email ? 'email_code' : 'admin' },
  }));
  const phones = phone ? [{
    default_second_factor: false,
    id: clerkId('idn', `${id}:${phone}`),
    linked_to: [],
    object: 'phone_number',
    phone_number: phone,
    reserved: false,
    reserved_for_second_factor: false,
    verification: { attempts: 1, expire_at: createdAt + 600000, status: 'verified', strategy: 'phone_code' },
  }] : [];
  return {
    backup_code_enabled: false,
    banned: false,
    birthday: '',
    create_organization_enabled: true,
    created_at: createdAt,
    delete_self_enabled: true,
    email_addresses: addresses,
    external_accounts: externalAccounts,
    external_id: null,
    first_name: firstName,
    gender: '',
    has_image: true,
    id,
    image_url: imageUrl,
    last_active_at: lastSignInAt ?? createdAt,
    last_name: lastName,
    last_sign_in_at: lastSignInAt,
    legal_accepted_at: null,
    locked: false,
    lockout_expires_in_seconds: null,
    object: 'user',
    passkeys: [],
    password_enabled: true,
    phone_numbers: phones,
    primary_email_address_id: primaryId,
    primary_phone_number_id: phones[0]?.id ?? null,
    primary_web3_wallet_id: null,
    private_metadata: privateMetadata,
    profile_image_url: 'https://www.gravatar.com/avatar?d=mp',
    public_metadata: publicMetadata,
    saml_accounts: [],
    totp_enabled: false,
    two_factor_enabled: false,
    unsafe_metadata: unsafeMetadata,
    updated_at: updatedAt,
    username,
    verification_attempts_remaining: 100,
    web3_wallets: [],
  };
}

// A Google account as Clerk lists it in external_accounts.
export function googleAccount(email, { createdAt = T0 } = {}) {
  return {
    approved_scopes: 'email https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid profile',
    email_address: email,
    family_name: 'Tester',
    given_name: 'Google',
    google_id: '104538935614758563459',
    id: clerkId('idn', `google:${email}`),
    label: null,
    object: 'google_account',
    picture: 'https://lh3.googleusercontent.com/a/example',
    provider: 'oauth_google',
    public_metadata: {},
    username: null,
    verification: { attempts: null, expire_at: createdAt + 600000, status: 'verified', strategy: 'oauth_google' },
  };
}

export const userCreated = (opts, env = {}) => envelope('user.created', userData(opts), env);
export const userUpdated = (opts, env = {}) => envelope('user.updated', userData(opts), env);
// `timestamp`: when Clerk deleted the user (the envelope's timestamp; the data has no time).
export const userDeleted = (id, { timestamp, ...env } = {}) =>
  envelope('user.deleted', { deleted: true, id, object: 'user' }, { timestamp, ...env });

// ---- organizations -----------------------------------------------------------------------------

export function orgData({
  name,
  id = orgId(name),
  displayName = name ? `${name[0].toUpperCase()}${name.slice(1)} Inc` : 'Org',
  slug = name,
  imageUrl = `https://img.clerk.com/${id}.png`,
  createdAt = T0,
  updatedAt = createdAt,
  createdBy = null,
  membersCount = 1,
  maxAllowedMemberships = 5,
  adminDeleteEnabled = true,
  publicMetadata = {},
  privateMetadata = {},
} = {}) {
  return {
    admin_delete_enabled: adminDeleteEnabled,
    created_at: createdAt,
    created_by: createdBy,
    has_image: true,
    id,
    image_url: imageUrl,
    logo_url: null,
    max_allowed_memberships: maxAllowedMemberships,
    members_count: membersCount,
    name: displayName,
    object: 'organization',
    pending_invitations_count: 0,
    private_metadata: privateMetadata,
    public_metadata: publicMetadata,
    slug,
    updated_at: updatedAt,
  };
}

export const organizationCreated = (opts, env = {}) => envelope('organization.created', orgData(opts), env);
export const organizationUpdated = (opts, env = {}) => envelope('organization.updated', orgData(opts), env);
export const organizationDeleted = (id, { timestamp, ...env } = {}) =>
  envelope('organization.deleted', { deleted: true, id, object: 'organization' }, { timestamp, ...env });

// ---- memberships -------------------------------------------------------------------------------

const PERMISSIONS = {
  admin: ['org:sys_profile:manage', 'org:sys_profile:delete', 'org:sys_memberships:read', 'org:sys_memberships:manage',
    'org:sys_domains:read', 'org:sys_domains:manage'],
  member: ['org:sys_memberships:read'],
};

export function permissionsFor(role) {
  return /admin/.test(role) ? PERMISSIONS.admin : PERMISSIONS.member;
}

// `org`: orgData options (the organization as Clerk shows it at the membership event's time);
// `user`: { name, id, email, firstName, lastName, imageUrl } (public_user_data).
export function membershipData({
  name,
  id = membershipId(name),
  role = 'org:member',
  org,
  user,
  createdAt = T0,
  updatedAt = createdAt,
  publicMetadata = {},
  privateMetadata = {},
}) {
  const userName = user.name;
  const uid = user.id ?? userId(userName);
  return {
    created_at: createdAt,
    id,
    object: 'organization_membership',
    organization: orgData(org),
    permissions: permissionsFor(role),
    private_metadata: privateMetadata,
    public_metadata: publicMetadata,
    public_user_data: {
      first_name: user.firstName === undefined ? (userName ? userName[0].toUpperCase() + userName.slice(1) : null) : user.firstName,
      has_image: true,
      identifier: user.email ?? `${userName}@example.com`,
      image_url: user.imageUrl ?? `https://img.clerk.com/${uid}.png`,
      last_name: user.lastName === undefined ? 'Tester' : user.lastName,
      profile_image_url: 'https://www.gravatar.com/avatar?d=mp',
      user_id: uid,
    },
    role,
    role_name: /admin/.test(role) ? 'Admin' : /viewer/.test(role) ? 'Viewer' : 'Member',
    updated_at: updatedAt,
  };
}

export const membershipCreated = (opts, env = {}) => envelope('organizationMembership.created', membershipData(opts), env);
export const membershipUpdated = (opts, env = {}) => envelope('organizationMembership.updated', membershipData(opts), env);
// The deleted membership as Clerk sends it: the whole membership; `timestamp` is when it was deleted.
export const membershipDeleted = (opts, env = {}) => envelope('organizationMembership.deleted', membershipData(opts), env);

// Events the sync does not handle (stored, answered 2xx, ignored).
export function sessionCreated({ userName = 'ada', createdAt = T0 } = {}) {
  const data = {
    abandon_at: createdAt + 7 * 86400000,
    actor: null,
    client_id: clerkId('client', userName),
    created_at: createdAt,
    expire_at: createdAt + 7 * 86400000,
    id: clerkId('sess', userName),
    last_active_at: createdAt,
    last_active_organization_id: null,
    object: 'session',
    status: 'active',
    updated_at: createdAt,
    user_id: userId(userName),
  };
  return envelope('session.created', data, { timestamp: createdAt });
}

export function emailCreated({ to = 'ada@example.com', createdAt = T0 } = {}) {
  const data = {
    body: '<p>Your code is 123456</p>',
    body_plain: 'Your code is 123456',
    data: { app: { name: 'mcp-admin test' }, otp_code: '123456' },
    delivered_by_clerk: true,
    email_address_id: emailId(to),
    from_email_name: 'notifications',
    id: clerkId('ema', to),
    object: 'email',
    slug: 'verification_code',
    status: 'queued',
    subject: '123456 is your verification code',
    to_email_address: to,
    user_id: null,
  };
  return envelope('email.created', data, { timestamp: createdAt });
}

// ---- delivery ----------------------------------------------------------------------------------

// One keep-alive agent for every delivery: thousands of deliveries must not use up loopback ports.
export const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

const HEADER_NAMES = {
  svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
  webhook: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
};

// The signature header Svix sends: one `v1,<base64>` entry per secret, space-separated.
export function sign(secrets, svixId, date, body) {
  return [].concat(secrets).map((secret) => new Webhook(secret).sign(svixId, date, body)).join(' ');
}

// POSTs `payload` (an object, serialized once, or a string sent as is) to `url`
// (…/api/webhooks/clerk), signed with `secret` (or opts.secrets, several for a rotation).
// opts:
//   timestamp   the svix-timestamp header: a Date or seconds (default now); a string is sent as is
//               (and the signature is made over it as given)
//   headerNames 'svix' (default) | 'webhook' | {id, timestamp, signature} exact names to send
//   omit        header keys not to send: ['id' | 'timestamp' | 'signature']
//   signature   the signature header to send instead of the computed one
//   sendBody    bytes to send instead of the signed ones (tampering)
//   headers     more headers
// Resolves to { status, headers, text, json, sentHeaders } (json undefined when the body is not JSON).
export async function signedPost(url, secret, svixId, payload, opts = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  let timestampText;
  let date;
  if (typeof opts.timestamp === 'string') {
    timestampText = opts.timestamp;
    date = null;
  } else {
    date = opts.timestamp instanceof Date ? opts.timestamp
      : new Date(opts.timestamp === undefined ? Date.now() : opts.timestamp * 1000);
    timestampText = String(Math.floor(date.getTime() / 1000));
  }
  let signature = opts.signature;
  if (signature === undefined) {
    if (date) {
      signature = sign(opts.secrets ?? secret, svixId, date, body);
    } else {
      // A malformed timestamp: sign the content Svix would, with the header text as given.
      const { createHmac } = await import('node:crypto');
      signature = [].concat(opts.secrets ?? secret).map((s) => {
        const key = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
        return `v1,${createHmac('sha256', key).update(`${svixId}.${timestampText}.${body}`).digest('base64')}`;
      }).join(' ');
    }
  }
  const names = typeof opts.headerNames === 'object' ? opts.headerNames : HEADER_NAMES[opts.headerNames ?? 'svix'];
  const omit = new Set(opts.omit ?? []);
  const headers = { 'Content-Type': 'application/json', 'User-Agent': 'Svix-Webhooks/1.24.0' };
  if (!omit.has('id')) headers[names.id] = svixId;
  if (!omit.has('timestamp')) headers[names.timestamp] = timestampText;
  if (!omit.has('signature')) headers[names.signature] = signature;
  Object.assign(headers, opts.headers ?? {});
  const sent = opts.sendBody ?? body;
  const response = await post(url, sent, headers, opts);
  response.sentHeaders = headers;
  return response;
}

// A raw POST (node:http keeps header names exactly as given on the wire).
export function post(url, body, headers, { timeoutMs = 30000 } = {}) {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Length': String(buffer.length) },
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(buffer);
  });
}

// ---- small helpers for tests -------------------------------------------------------------------

// A seeded PRNG (mulberry32): the same seed, the same sequence.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle(items, random) {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Runs `worker(item)` over `items` with at most `concurrency` at once; resolves to the results in order.
export async function pool(items, concurrency, worker) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await worker(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
