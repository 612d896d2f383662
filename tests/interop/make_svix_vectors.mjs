// Prints webhook signature vectors made by the real `svix` npm package (the version pinned in
// package.json), as JSON, so that tests/unit/webhook_signature_test.cpp can check the C++
// verifier against what Svix itself (and so Clerk) sends.
//
//   cd tests/interop && npm ci && node make_svix_vectors.mjs
//
// Every input is fixed, so the output is the same on every run: regenerate and compare to check
// a new svix release against the vectors pasted into the C++ test. The secrets are throwaway test
// keys, made once with crypto.randomBytes and chosen to contain '+' and '/' (and padding for the
// 32- and 64-byte keys), the base64 characters a careless decoder gets wrong.
import { Webhook } from "svix";
import { createRequire } from "node:module";

const svixVersion = createRequire(import.meta.url)("svix/package.json").version;

const kSecret24a = "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32";
const kSecret24b = "whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E";
const kSecret32 = "whsec_mpVq7T5Rwpb3VnsoWEbqUQzIvoC+oXg1x/PdQ1U3soA=";
const kSecret64NoPrefix =
  "+QFhqC2ih/hIfIYJZoViQVTPyH/+hkndzOzA6tx2qPfqZxm7ft6IAXd3fLUmeLoen0bixhLG9jbI9ty7YE36QQ==";

const kClerkUserCreated =
  '{"data":{"id":"user_2g7np7Hrk0SN6kj5rDMLmVsz1nM","object":"user","first_name":"Ada",' +
  '"last_name":"Lovelace","primary_email_address_id":"idn_2g7np5iR1sZ6VXnVkRJb8TQzJ6b",' +
  '"email_addresses":[{"id":"idn_2g7np5iR1sZ6VXnVkRJb8TQzJ6b","email_address":"ada@example.com"}],' +
  '"created_at":1716883200000,"updated_at":1716883200000},"object":"event","type":"user.created",' +
  '"timestamp":1716883200123,"instance_id":"ins_2g7nOB4KwRYwbmkzBLbNVB7s5JQ"}';

const cases = [
  { name: "clerk user.created, 24-byte key", secret: kSecret24a, id: "msg_2g7np9Xq4Pdw0TWo4J1d8mFvZ3K",
    timestamp: 1716883200, payload: kClerkUserCreated },
  { name: "non-ASCII UTF-8 body, 32-byte key with padding", secret: kSecret32, id: "msg_utf8",
    timestamp: 1716883260, payload: '{"first_name":"Zoë","last_name":"Ñúñez","note":"🚀 日本"}' },
  { name: "empty body", secret: kSecret24b, id: "msg_empty", timestamp: 1700000000, payload: "" },
  { name: "pretty JSON with newlines and trailing newline, 64-byte key without prefix",
    secret: kSecret64NoPrefix, id: "msg_pretty", timestamp: 1716883320,
    payload: '{\n  "type": "organization.deleted",\n  "data": {"deleted": true, "id": "org_1", "object": "organization"}\n}\n' },
  { name: "id with dots and timestamp far from the others", secret: kSecret24a, id: "evt.1.2",
    timestamp: 2000000000, payload: '{"a":"b.c.d"}' },
];

const vectors = cases.map((c) => ({
  ...c,
  signature: new Webhook(c.secret).sign(c.id, new Date(c.timestamp * 1000), c.payload),
}));

// Rotation as Svix sends it: one space-separated header with an entry per active secret.
const rotation = { name: "rotation: both secrets sign, header lists both", secrets: [kSecret24a, kSecret24b],
  id: "msg_rotation", timestamp: 1716883380, payload: '{"type":"user.updated"}' };
rotation.signature = rotation.secrets
  .map((secret) => new Webhook(secret).sign(rotation.id, new Date(rotation.timestamp * 1000), rotation.payload))
  .join(" ");

// Self-check: this svix still reproduces the Standard Webhooks published vector
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
const published = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
  .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(1614265330 * 1000), '{"test": 2432232314}');
if (published !== "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") {
  throw new Error(`svix ${svixVersion} no longer reproduces the Standard Webhooks vector: ${published}`);
}

console.log(JSON.stringify({ generator: `svix ${svixVersion} Webhook#sign`, vectors, rotation }, null, 2));
