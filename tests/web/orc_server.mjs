// Starts a real `orc serve` for the tests in this folder: on a free port of 127.0.0.1, with its
// state and data in a scratch directory, and an API token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const startTimeoutMs = 20000;

// Resolves to { orc, base, workDir, log(), stop() } once orc listens. `files` are written into its
// data directory first ({name: text}). stop() sends SIGTERM and resolves to
// { code, signal, ms } once it exited (ms: from the signal to the exit).
export async function startOrc(orcBinary, { token, files = {}, args = [] } = {}) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-web-test-'));
  const dataDir = path.join(workDir, 'data');
  fs.mkdirSync(dataDir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dataDir, name), text);
  const orc = spawn(orcBinary, ['serve', '--bind', '127.0.0.1:0', '--database-url',
    `sqlite:${path.join(workDir, 'orc.db')}`, '--data-dir', dataDir, '--workers', '2', ...args],
  { env: { ...process.env, ORC_API_TOKEN: token ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => {
    orc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`orc did not start:\n${log}`)), startTimeoutMs);
    orc.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/[^ ]+:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code }) => reject(new Error(`orc exited with ${code}:\n${log}`)));
  });
  let stopped;
  const stop = () => {
    if (!stopped) {
      const signalled = performance.now();
      orc.kill('SIGTERM');
      stopped = exited.then((exit) => {
        fs.rmSync(workDir, { recursive: true, force: true });
        return { ...exit, ms: performance.now() - signalled };
      });
    }
    return stopped;
  };
  return { orc, base, workDir, log: () => log, stop };
}
