// Shared by the package tests: the static binary they package, and what to do without it.
import { spawn, spawnSync } from 'node:child_process';

export const STATIC_BIN = process.env.MCP_ADMIN_STATIC_BIN;
export const IS_ROOT = process.getuid?.() === 0;

// Why a package test cannot run here, or false.
export function cannotRun(needs = []) {
  if (!STATIC_BIN) {
    return 'MCP_ADMIN_STATIC_BIN is not set: these tests package the static binary (packaging/build-static.sh; '
      + 'packaging/test.sh configures CTest with it)';
  }
  if (!IS_ROOT) return 'needs root (dpkg -i, chroot, a system user)';
  for (const command of needs) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} is not installed`;
  }
  return false;
}

// Runs a command to completion; throws with its output when it fails (unless allowFail).
export function sh(command, args, { allowFail = false, env, cwd, timeoutMs = 120000 } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: env ?? process.env, cwd, timeout: timeoutMs });
  if (result.error) throw result.error;
  if (!allowFail && result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

// Starts a long-running command and resolves with its first stdout line (the ready line).
export async function startUntilReady(command, args, { env, cwd, timeoutMs = 20000 } = {}) {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  child.stdout.setEncoding('utf8');
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`exited ${JSON.stringify(status)} before it was ready:\n${stderr}`));
    });
  });
  return {
    child,
    ready: JSON.parse(line),
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}
