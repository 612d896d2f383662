// The Clerk Backend API stand-in of the tests, serving a large instance built on demand, for
// run-clerk-sync.sh: prints {"url":…} on stdout once listening; stops on SIGTERM.
//   node tests/bench/clerk_standin_server.mjs SECRET USERS ORGANIZATIONS
import { startClerkStandin } from '../interop/clerk_backend_standin.mjs';
import { lazyWorld } from '../interop/clerk_world.mjs';

const [secret, users, organizations] = process.argv.slice(2);
const standin = await startClerkStandin({
  secret,
  ...lazyWorld({ users: Number(users), organizations: Number(organizations), memberships: Number(users) }),
});
// The request log would grow with every page; the benchmark does not read it.
standin.requests.push = () => 0;
process.stdout.write(`${JSON.stringify({ url: standin.url })}\n`);
process.on('SIGTERM', async () => {
  await standin.close();
  process.exit(0);
});
