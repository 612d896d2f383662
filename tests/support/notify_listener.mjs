// A stand-in for systemd's notification socket, for the tests: tests/support/notify_listener.py
// binds the AF_UNIX datagram socket (node cannot) and prints what arrives, one JSON line each.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LISTENER = fileURLToPath(new URL('./notify_listener.py', import.meta.url));

// Starts the listener; resolves once it is bound. messages() returns what arrived so far.
export async function notifyListener(socketPath) {
  const child = spawn('python3', [LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  let buffer = '';
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`notify listener exited (${code})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'bound') resolve();
        else messages.push(JSON.parse(line));
      }
    });
  });
  return { messages: () => messages, stop: () => child.kill('SIGKILL') };
}

