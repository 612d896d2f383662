// Holds a crowd of connections against a server for the crowd benchmark (run-crowd.sh):
//   IDLE kept-alive connections: one GET /api/health each, answered, then silence;
//   SLOW connections: a request header sent a byte a second, never finished.
// Connections the server closes (deadlines) are opened again, so the counts hold for the whole
// run. Prints one JSON line when the crowd is complete ({"event":"held",…}), then a line every
// 5 s with what is open; exits on SIGTERM or after MAX_SECONDS.
//   node crowd_holder.mjs PORT IDLE SLOW [MAX_SECONDS]
import net from 'node:net';

const [port, idleTarget, slowTarget, maxSeconds = '300'] = process.argv.slice(2).map(Number);
if (!(port > 0) || !(idleTarget >= 0) || !(slowTarget >= 0) || idleTarget + slowTarget > 30000) {
  console.error('usage: node crowd_holder.mjs PORT IDLE SLOW [MAX_SECONDS] (IDLE + SLOW <= 30000)');
  process.exit(2);
}

const open = { idle: 0, slow: 0 };
const stats = { reopened: 0, errors: 0, idleAnswered: 0 };
const slowSockets = new Set();
let stopping = false;

function openIdle() {
  const socket = net.connect(port, '127.0.0.1');
  let counted = false;
  socket.setNoDelay(true);
  socket.on('connect', () => {
    open.idle++;
    counted = true;
    socket.write('GET /api/health HTTP/1.1\r\nHost: crowd\r\n\r\n');
  });
  let seen = '';
  socket.on('data', (chunk) => {
    if (seen !== null) {
      seen += chunk;
      if (seen.includes('\r\n\r\n')) { stats.idleAnswered++; seen = null; }
    }
  });
  socket.on('error', () => { stats.errors++; });
  socket.on('close', () => {
    if (counted) open.idle--;
    if (!stopping) { stats.reopened++; setTimeout(openIdle, 100); }
  });
}

function openSlow() {
  const socket = net.connect(port, '127.0.0.1');
  let counted = false;
  socket.on('connect', () => {
    open.slow++;
    counted = true;
    slowSockets.add(socket);
    socket.write('GET /api/health HTTP/1.1\r\nHost: crowd\r\nX-Slow: ');
  });
  socket.on('data', () => {});
  socket.on('error', () => { stats.errors++; });
  socket.on('close', () => {
    slowSockets.delete(socket);
    if (counted) open.slow--;
    if (!stopping) { stats.reopened++; setTimeout(openSlow, 100); }
  });
}

// Opens in batches so the listen backlog is not overrun.
async function openMany(count, opener) {
  for (let i = 0; i < count; i++) {
    opener();
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
  }
}

setInterval(() => { for (const s of slowSockets) s.write('a'); }, 1000);
const started = Date.now();
await openMany(idleTarget, openIdle);
await openMany(slowTarget, openSlow);
while (open.idle < idleTarget || open.slow < slowTarget || stats.idleAnswered < idleTarget) {
  if (Date.now() - started > 60000) { console.error(`crowd incomplete after 60 s: ${JSON.stringify({ open, stats })}`); process.exit(1); }
  await new Promise((r) => setTimeout(r, 100));
}
console.log(JSON.stringify({ event: 'held', ...open, ms: Date.now() - started, ...stats }));
setInterval(() => console.log(JSON.stringify({ event: 'holding', ...open, ...stats })), 5000);
const finish = () => { stopping = true; process.exit(0); };
process.on('SIGTERM', finish);
setTimeout(finish, maxSeconds * 1000);
