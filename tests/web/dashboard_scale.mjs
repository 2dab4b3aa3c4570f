// How fast the dashboard's list pages paint with a big state database: 10,000 jobs and 1,000,000
// finished runs (written straight into a SQLite state database, as orc's schema has them), served
// by a real orc and drawn by Debian's chromium. Prints, per page, the milliseconds from navigation
// to the first page of rows on screen, and the API requests the page made. A measurement to run by
// hand, not a pass/fail test (the numbers depend on the machine):
//
//   node tests/web/dashboard_scale.mjs ORC_BINARY [JOBS] [RUNS]
//
// With ORC_SCALE_DIR=DIR the database is kept in DIR and reused by the next measurement (writing
// 1,000,000 runs takes a minute or two).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [orcBinary, jobsArg, runsArg] = process.argv.slice(2);
if (!orcBinary) {
  console.error('usage: dashboard_scale.mjs ORC_BINARY [JOBS] [RUNS]');
  process.exit(2);
}
const jobCount = Number(jobsArg || 10000);
const runCount = Number(runsArg || 1000000);
const token = 'scale-token';
const keep = Boolean(process.env.ORC_SCALE_DIR);
const workDir = keep ? process.env.ORC_SCALE_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'orc-web-scale-'));
const database = path.join(workDir, 'orc.db');
const dataDir = path.join(workDir, 'data');
fs.mkdirSync(dataDir, { recursive: true });
const cleanUp = () => { if (!keep) fs.rmSync(workDir, { recursive: true, force: true }); };

// Starts `orc serve` on the database; resolves to {base, stop()} once it listens.
function serve() {
  const orc = spawn(orcBinary, ['serve', '--bind', '127.0.0.1:0', '--database-url',
    `sqlite:${database}`, '--data-dir', dataDir, '--workers', '1'],
  { env: { ...process.env, ORC_API_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => orc.on('exit', resolve));
  let log = '';
  return new Promise((resolve, reject) => {
    orc.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/[^ ]+:\d+)/.exec(log);
      if (match) resolve({ base: match[1], stop: () => { orc.kill('SIGTERM'); return exited; } });
    });
    exited.then((code) => reject(new Error(`orc exited with ${code}:\n${log}`)));
  });
}

function fill() {
  const now = Date.now() * 1000;  // orc stores times in microseconds since the epoch
  const minute = 60 * 1e6;
  const first = now - runCount * minute;
  execFileSync('sqlite3', [database], { input: `
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${jobCount - 1})
INSERT INTO jobs (job_id, job_name, schedule, timezone, is_active, created_at, updated_at)
SELECT printf('00000000-0000-4000-8000-%012d', i), printf('job_%05d', i), '0 6 * * *',
  'Europe/Berlin', 1, ${first} + i, ${first} + i FROM n;
INSERT INTO tasks (task_id, job_id, task_order, task_name, transform_config)
SELECT printf('00000000-0000-4000-9000-%s', substr(job_id, 25)), job_id, 1, 'transform',
  '{"type":"sql","db_path":"w.duckdb","sql":"SELECT 1"}' FROM jobs;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${runCount - 1})
INSERT INTO runs (run_id, job_id, status, triggered_by, scheduled_for, queued_at, available_at,
  started_at, finished_at, attempt, created_at, updated_at, error_message)
SELECT printf('%08x-0000-7000-8000-000000000000', i),
  printf('00000000-0000-4000-8000-%012d', i % ${jobCount}),
  CASE WHEN i % 97 = 0 THEN 'failed' ELSE 'success' END, 'scheduler',
  ${first} + i * ${minute}, ${first} + i * ${minute}, ${first} + i * ${minute},
  ${first} + i * ${minute} + 1000, ${first} + i * ${minute} + 900000, 1,
  ${first} + i * ${minute}, ${first} + i * ${minute},
  CASE WHEN i % 97 = 0 THEN 'task transform failed after 1 attempt: boom' ELSE '' END FROM n;
COMMIT;
` });
}

async function measure(page, base, label, hash, rows) {
  const requests = [];
  const onResponse = async (response) => {
    if (!response.url().startsWith(base) || response.url() === base + '/') return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    // A route with a long query (a page's job ids) is shown by its start.
    const route = response.url().slice(base.length);
    requests.push(`${route.length > 60 ? route.slice(0, 57) + '...' : route} ` +
      `${(body.length / 1024).toFixed(0)} KiB`);
  };
  page.on('response', onResponse);
  await page.goto('about:blank');
  await page.goto(base + '/' + hash);
  await page.locator(rows).first().waitFor({ timeout: 60000 });
  const painted = await page.evaluate(() => performance.now());
  page.off('response', onResponse);
  console.log(`${label}: ${painted.toFixed(0)} ms to the first rows; requests: ${requests.join(', ')}`);
}

async function main() {
  if (!fs.existsSync(database)) {
    const started = performance.now();
    const first = await serve();  // creates the schema
    await first.stop();
    fill();
    console.log(`${jobCount} jobs, ${runCount} runs written in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const { base, stop } = await serve();
  // The API alone: the fastest of three answers to each request the list pages make.
  for (const route of ['/jobs?limit=100', '/runs?latest_per_job=true', '/runs?limit=100',
    '/runs?limit=100&status=failed', '/jobs?limit=1000']) {
    let fastest = Infinity;
    for (let i = 0; i < 3; i++) {
      const begun = performance.now();
      const response = await fetch(base + route, { headers: { Authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      fastest = Math.min(fastest, performance.now() - begun);
    }
    console.log(`GET ${route}: ${fastest.toFixed(0)} ms`);
  }
  const browser = await chromium.launch({ executablePath: process.env.ORC_CHROMIUM || '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.addInitScript((value) => sessionStorage.setItem('orc.api_token', value), token);
    for (let round = 1; round <= 2; round++) {
      await measure(page, base, `jobs page (round ${round})`, '#/jobs', '#jobs tbody tr[data-job]');
      await measure(page, base, `runs page (round ${round})`, '#/runs', 'table.runs tbody tr[data-run]');
      const deep = Math.max(1, Math.floor(runCount / 200));
      await measure(page, base, `runs page ${deep} (round ${round})`, `#/runs?page=${deep}`,
        'table.runs tbody tr[data-run]');
      await measure(page, base, `runs of one job (round ${round})`,
        '#/runs?job=00000000-0000-4000-8000-000000000007', 'table.runs tbody tr[data-run]');
      await measure(page, base, `failed runs (round ${round})`, '#/runs?status=failed',
        'table.runs tbody tr[data-run]');
      await measure(page, base, `job page (round ${round})`,
        '#/jobs/00000000-0000-4000-8000-000000000007', '#history-grid th.run-head');
    }
  } finally {
    await browser.close();
    await stop();
    cleanUp();
  }
}

main().catch((error) => {
  console.error(error);
  cleanUp();
  process.exit(1);
});
