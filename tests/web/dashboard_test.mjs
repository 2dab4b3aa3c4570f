// Browser test of orc's dashboard: a real orc server (with an API token), Debian's chromium
// driven by Playwright, in the Europe/Berlin zone. Creates a job through the form, sees its task
// graph, triggers it, sees it succeed on the run's timeline, searches, filters and downloads its
// log, re-runs it, backfills it (after a preview of the slots), reads its history grid, edits its
// definition, pauses it; sees a retried task on a timeline; pages through more than 100 runs
// filtered by job and status; draws each page in dark mode too; runs a job with parameters from
// its form, retries its failed run from failure and clears a task; shows hostile names and
// notification deliveries as text; lists the nodes (the serving one alive, leading, refreshed;
// lost nodes, hostile text, an empty list and a failed refresh from faked answers); checks that
// the page fetches nothing but the API. Saves a screenshot of each view into the output directory.
//
//   node tests/web/dashboard_test.mjs ORC_BINARY OUTPUT_DIR
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startOrc } from './orc_server.mjs';

const [orcBinary, outputDir] = process.argv.slice(2);
if (!orcBinary || !outputDir) {
  console.error('usage: dashboard_test.mjs ORC_BINARY OUTPUT_DIR');
  process.exit(2);
}
const chromiumPath = process.env.ORC_CHROMIUM || '/usr/bin/chromium';
const token = 'dashboard-test-token';
const timeout = 20000;

async function apiGet(base, route) {
  const response = await fetch(base + route, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, `GET ${route}`);
  return response.json();
}

async function apiGetWithTotal(base, route) {
  const response = await fetch(base + route, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, `GET ${route}`);
  return { items: await response.json(), total: Number(response.headers.get('X-Total-Count')) };
}

async function apiPost(base, route, body) {
  const response = await fetch(base + route, { method: 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  assert.ok(response.ok, `POST ${route}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

async function main() {
  fs.mkdirSync(outputDir, { recursive: true });
  const server = await startOrc(orcBinary, {
    token,
    files: { 'orders.csv': 'order_id,customer,amount\n1,ada,12.5\n2,grace,7.25\n3,alan,99.0\n' },
  });
  let browser;
  try {
    const { base } = server;
    browser = await chromium.launch({ executablePath: chromiumPath });
    // A zone other than the server's UTC, so that the test sees every time say its zone.
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 },
      timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    page.setDefaultTimeout(timeout);
    const foreign = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) {
        foreign.push(request.url());
      }
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The top of the page, down to its end or `most` pixels: the README's images.
    const readmeShot = async (name, most) => {
      const height = await page.evaluate(() => document.querySelector('main').getBoundingClientRect().bottom +
        window.scrollY);
      await page.screenshot({ path: path.join(outputDir, `${name}.png`), fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: Math.min(Math.ceil(height), most) } });
    };
    // A full page, and what a screen shows of it.
    const shot = async (name) => {
      await page.screenshot({ path: path.join(outputDir, `${name}.png`), fullPage: true });
      await page.screenshot({ path: path.join(outputDir, `${name}-screen.png`) });
    };

    // The shell loads without a token, then asks for it once.
    await page.goto(base + '/');
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    await page.fill('#token-input', token);
    await page.click('#token-form button[type=submit]');
    await page.locator('#jobs').waitFor();
    await page.getByText('No jobs yet').waitFor();

    // Create a job from the form; a wrong field is reported next to it first.
    await page.click('a[data-nav=new]');
    await page.fill('[data-field=job_name]', 'web_orders');
    await page.fill('[data-field=schedule]', '*/5 * * * *');
    await page.locator('[data-role=schedule-preview]', { hasText: 'Next:' }).waitFor();
    await page.fill('[data-field="tasks[0].extractor_config.path"]', 'orders.csv');
    await page.click('#job-form button[type=submit]');
    const tableError = page.locator('[data-error-for="tasks[0].loader_config.table_name"]');
    await tableError.filter({ hasText: 'table_name' }).waitFor();
    await shot('new-job-error');
    await page.fill('[data-field="tasks[0].loader_config.table_name"]', 'orders');
    await page.fill('[data-field="tasks[1].transform_config.sql"]',
      'CREATE OR REPLACE TABLE revenue AS SELECT sum(amount) AS total FROM orders');
    await page.click('#job-form button[type=submit]');
    await page.locator('h1', { hasText: 'web_orders' }).waitFor();
    await page.getByText('every 5 minutes').first().waitFor();
    const jobUrl = page.url();

    // Its graph: a node per task, an edge per dependency, the dependent task a layer further
    // right; no run yet. The next run is shown in the browser's zone and in the job's (UTC).
    const graph = page.locator('#job-graph');
    const loadNode = graph.locator('g.node[data-task=load]');
    const transformNode = graph.locator('g.node[data-task=transform]');
    await loadNode.waitFor();
    assert.equal(await graph.locator('g.node').count(), 2);
    assert.equal(await graph.locator('path.edge[data-edge="load>transform"]').count(), 1);
    assert.equal(await loadNode.getAttribute('data-status'), 'none');
    const x = async (node) => Number(/translate\(([\d.]+),/.exec(await node.getAttribute('transform'))[1]);
    assert.ok(await x(transformNode) > await x(loadNode), 'transform is drawn right of load');
    const nextRun = page.locator('[data-role=next-run]');
    await nextRun.filter({ hasText: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CET/ }).waitFor();
    await nextRun.filter({ hasText: "UTC in the job's zone (UTC)" }).waitFor();
    await shot('job');

    // Trigger it, watch it succeed, read its log.
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('h1', { hasText: 'Run' }).waitFor();
    await page.locator('.toolbar [data-status=success]').waitFor();
    const log = page.locator('#run-log');
    await log.filter({ hasText: '[load] succeeded' }).waitFor();
    await log.filter({ hasText: '3 rows loaded' }).waitFor();
    await log.filter({ hasText: '[transform] succeeded' }).waitFor();
    await log.filter({ hasText: 'run success' }).waitFor();
    // Its timeline: the queue, then one successful attempt per task, transform after load.
    const timeline = page.locator('#timeline');
    const loadBar = timeline.locator('.gantt-row[data-task=load] .attempt[data-status=success]');
    const transformBar = timeline.locator(
      '.gantt-row[data-task=transform] .attempt[data-status=success]');
    await transformBar.waitFor();
    assert.equal(await loadBar.count(), 1);
    const loadBox = await loadBar.boundingBox();
    const transformBox = await transformBar.boundingBox();
    assert.ok(transformBox.x >= loadBox.x + loadBox.width - 2, 'transform starts after load ends');
    await page.locator('.grid', { hasText: /Queued\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CET/ }).waitFor();
    await shot('run');

    // The log: search marks what it finds, the level filter hides info lines, download saves
    // the lines shown as a text file.
    const count = page.locator('[data-role=log-count]');
    await page.fill('#log-search', 'ROWS LOADED');
    await count.filter({ hasText: /^1 of \d+ lines$/ }).waitFor();
    assert.equal(await log.locator('div').count(), 1);
    assert.equal(await log.locator('mark').first().textContent(), 'rows loaded');
    await page.fill('#log-search', '');
    await page.selectOption('#log-level', '1');
    await count.filter({ hasText: /^0 of \d+ lines$/ }).waitFor();
    await page.selectOption('#log-level', '0');
    await count.filter({ hasText: /^\d+ lines$/ }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.click('#log-download')]);
    const logFile = fs.readFileSync(await download.path(), 'utf8');
    assert.match(download.suggestedFilename(), /^run-[0-9a-f-]+\.log$/);
    assert.match(logFile, /^\S+Z info  \[load\] succeeded \(attempt 1, 3 rows loaded/m);
    assert.match(logFile, /run success\n$/);

    // Re-run from the run page: a new run of the job, which succeeds too.
    const firstRun = page.url();
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.waitForURL((url) => url.href !== firstRun && /#\/runs\//.test(url.href));
    const rerunId = /#\/runs\/([0-9a-f-]+)$/.exec(page.url())[1];
    await page.locator('h1 code', { hasText: rerunId.slice(-12) }).waitFor();
    await page.locator('.toolbar [data-status=success]').waitFor();
    assert.equal((await apiGet(base, `/runs/${rerunId}`)).triggered_by, 'manual');

    // Backfill the last 20 minutes: the preview lists the slots of */5 in that range (times in
    // the browser's zone), the backfill queues them, the history grid shows them.
    await page.goto(jobUrl);
    await graph.locator('g.node[data-task=transform][data-status=success]').waitFor();
    const range = await page.evaluate(() => {
      const local = (date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-` +
        `${String(date.getDate()).padStart(2, '0')}T${String(date.getHours()).padStart(2, '0')}:` +
        `${String(date.getMinutes()).padStart(2, '0')}`;
      const end = new Date();
      end.setSeconds(0, 0);
      const start = new Date(end - 20 * 60000);
      let slots = 0;
      for (let t = start.getTime(); t <= end.getTime(); t += 60000) {
        if (new Date(t).getUTCMinutes() % 5 === 0) slots++;
      }
      return { start: local(start), end: local(end), slots };
    });
    await page.fill('#backfill-start', range.start);
    await page.fill('#backfill-end', range.end);
    const backfillPreview = page.locator('[data-role=backfill-preview]');
    await backfillPreview.filter({ hasText: `${range.slots} slots` }).waitFor();
    await backfillPreview.filter({ hasText: /\d\d:\d[05] CET/ }).waitFor();
    await page.getByRole('button', { name: `Backfill ${range.slots} slots` }).click();
    const backfilled = page.locator('[data-role=backfill-result]');
    await backfilled.filter({ hasText: /Queued \d+ runs?/ }).waitFor();
    const queued = Number(/Queued (\d+)/.exec(await backfilled.textContent())[1]);
    assert.ok(queued >= range.slots - 1, 'the backfill queued the slots (one may have run already)');
    const grid = page.locator('#history-grid');
    const heads = grid.locator('th.run-head');
    await page.waitForFunction((wanted) => document.querySelectorAll(
      '#history-grid th.run-head .bar[data-status=success]').length >= wanted, 2 + queued);
    assert.ok(await grid.locator('[data-trigger=backfill]').count() >= queued);
    assert.equal(await grid.locator('[data-trigger=manual]').count(), 2);
    const slots = await heads.locator('[data-trigger=backfill]').evaluateAll((triggers) =>
      triggers.map((trigger) => trigger.closest('th').textContent));
    assert.deepEqual(slots, slots.slice().sort(), 'the backfill\'s runs are in the order of their slots');
    await grid.locator('tr[data-task=load] .cell[data-status=success]').first().waitFor();
    await shot('job-history');
    await readmeShot('readme-job', 820);
    await page.locator('.dag').screenshot({ path: path.join(outputDir, 'graph.png') });
    await page.locator('.history').screenshot({ path: path.join(outputDir, 'history.png') });

    // The job list shows the run; pausing the job takes effect on the server.
    await page.click('a[data-nav=jobs]');
    const row = page.locator('tr[data-job=web_orders]');
    await row.locator('[data-role=last-run] [data-status=success]').waitFor();
    await row.locator('[data-role=active-toggle] .track').click();
    await row.getByText('paused').waitFor();
    const jobs = await apiGet(base, '/jobs');
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].is_active, false, 'the toggle paused the job on the server');
    await page.selectOption('#status-filter', 'paused');
    await row.waitFor();
    await page.selectOption('#status-filter', 'active');
    await row.waitFor({ state: 'detached' });
    await page.selectOption('#status-filter', 'all');
    await shot('jobs');

    // Edit the definition as YAML: an error names the line, a fix is saved.
    await row.locator('a').first().click();
    const editor = page.getByLabel('Job definition');
    await page.locator('h1', { hasText: 'web_orders' }).waitFor();
    await page.waitForFunction(() => {
      const definition = document.querySelector('textarea[aria-label="Job definition"]');
      return definition !== null && definition.value.includes('job_name: web_orders');
    });
    const yaml = await editor.inputValue();
    await editor.fill(yaml.replace('table_name: orders', 'table_nam: orders'));
    await page.getByRole('button', { name: 'Save definition' }).click();
    const definitionError = page.locator('[data-role=definition-error]');
    await definitionError.filter({ hasText: /line \d+: unknown field 'table_nam'/ }).waitFor();
    await editor.fill(yaml.replace('description: ""', 'description: orders from the shop'));
    await page.getByRole('button', { name: 'Save definition' }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal((await apiGet(base, `/jobs/${jobs[0].job_id}`)).description,
      'orders from the shop');

    // A job pasted as YAML; while it runs, the log follows and a progress line shows; cancel.
    await page.click('a[data-nav=new]');
    await page.getByRole('button', { name: 'Paste JSON / YAML' }).click();
    await page.getByLabel('Job definition (JSON or YAML)').fill([
      'job_name: slow_sum',
      'tasks:',
      '  - task_name: spin',
      '    transform_config:',
      '      type: sql',
      '      db_path: warehouse.duckdb',
      '      sql: CREATE OR REPLACE TABLE spin AS SELECT sum(i * i % 7) AS s FROM range(100000000000) t(i)',
    ].join('\n'));
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.locator('h1', { hasText: 'slow_sum' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.toolbar [data-status=running]').waitFor();
    await page.locator('[data-role=progress]', { hasText: 'spin:' }).waitFor();
    // A file load shows the share of its bytes and an ETA, not "0 rows", until rows are known.
    const loading = await page.evaluate(() => progressText({ task_runs: [{ task_name: 'load',
      status: 'running', started_at: '2026-11-30T10:00:00Z', rows_extracted: 0, rows_loaded: 0,
      rows_processed: 0, bytes_read: 420 * 1048576, bytes_total: 1000 * 1048576 }] },
    Date.parse('2026-11-30T10:00:10Z')));
    assert.equal(loading, 'load: 42% of 1000.0 MiB · ETA 13.8 s · 10.0 s');
    const parquet = await page.evaluate(() => progressText({ task_runs: [{ task_name: 'load',
      status: 'running', started_at: '2026-11-30T10:00:00Z', rows_processed: 5000,
      bytes_read: 100, bytes_total: 1000 }] }, Date.parse('2026-11-30T10:00:10Z')));
    assert.equal(parquet, 'load: 5,000 rows · 500 rows/s · 10% of 1000 B · ETA 1 min 30 s · 10.0 s');
    // The run's error points at the failed task's row, which says the cause, instead of repeating it.
    assert.equal(await page.evaluate(() => runErrorText({
      error_message: 'task load failed after 1 attempt: csv a.csv: no file matches',
      task_runs: [{ error_message: 'csv a.csv: no file matches' }] })),
    'task load failed after 1 attempt (its error below)');
    await log.filter({ hasText: 'run started' }).waitFor();
    await shot('run-running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.toolbar [data-status=cancelled]').waitFor();
    await log.filter({ hasText: 'cancel' }).waitFor();

    // A diamond with a tail: longest-path layers put each task one layer after its deepest
    // dependency (report after both branches, publish after report), and every edge is drawn.
    const sql = (table) => ({ type: 'sql', db_path: 'fan.duckdb',
      sql: `CREATE OR REPLACE TABLE ${table} AS SELECT 1 AS x` });
    const fan = await apiPost(base, '/jobs', { job_name: 'fan', tasks: [
      { task_name: 'extract', transform_config: sql('extract') },
      { task_name: 'clean_orders', depends_on: ['extract'], transform_config: sql('clean_orders') },
      { task_name: 'clean_customers', depends_on: ['extract'], transform_config: sql('clean_customers') },
      { task_name: 'report', depends_on: ['clean_orders', 'clean_customers'], transform_config: sql('report') },
      { task_name: 'publish', depends_on: ['report'], transform_config: sql('publish') },
      { task_name: 'audit', depends_on: ['extract'], transform_config: sql('audit') }] });
    await apiPost(base, `/jobs/${fan.job_id}/run`);
    await page.goto(`${base}/#/jobs/${fan.job_id}`);
    await graph.locator('g.node[data-task=publish][data-status=success]').waitFor();
    const layerOf = {};
    for (const name of ['extract', 'clean_orders', 'clean_customers', 'report', 'publish', 'audit']) {
      layerOf[name] = await x(graph.locator(`g.node[data-task=${name}]`));
    }
    assert.ok(layerOf.extract < layerOf.clean_orders);
    assert.equal(layerOf.clean_orders, layerOf.clean_customers);
    assert.equal(layerOf.audit, layerOf.clean_orders);
    assert.ok(layerOf.report > layerOf.clean_orders && layerOf.publish > layerOf.report);
    assert.equal(await graph.locator('path.edge').count(), 6);
    await page.locator('.dag').screenshot({ path: path.join(outputDir, 'graph-fan.png') });

    // A task that times out is retried: its timeline shows both attempts and the wait between.
    await page.click('a[data-nav=new]');
    await page.getByRole('button', { name: 'Paste JSON / YAML' }).click();
    await page.getByLabel('Job definition (JSON or YAML)').fill([
      'job_name: flaky',
      'retry: {max_attempts: 2, initial_delay_s: 1, max_delay_s: 1}',
      'tasks:',
      '  - task_name: prepare',
      '    transform_config: {type: sql, db_path: flaky.duckdb, sql: CREATE OR REPLACE TABLE t AS SELECT 1 AS x}',
      '  - task_name: spin',
      '    depends_on: [prepare]',
      '    timeout_s: 1',
      '    transform_config:',
      '      type: sql',
      '      db_path: flaky.duckdb',
      '      sql: CREATE OR REPLACE TABLE spin AS SELECT sum(i * i % 7) AS s FROM range(100000000000) t(i)',
    ].join('\n'));
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.locator('h1', { hasText: 'flaky' }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.toolbar [data-status=failed]').waitFor();
    const spinRow = timeline.locator('.gantt-row[data-task=spin]');
    await spinRow.locator('.attempt[data-attempt="2"][data-status=failed]').waitFor();
    assert.equal(await spinRow.locator('.attempt[data-status=failed]').count(), 2);
    assert.equal(await spinRow.locator('.bar.wait').count(), 1);
    await shot('run-retried');
    await readmeShot('readme-run', 1100);

    // The runs page: more than one page of runs (a backfill of 110 slots of a quick job), with
    // the range shown, next and previous, filters by job and status, the slot and error columns.
    const quick = await apiPost(base, '/jobs', { job_name: 'quick', schedule: '* * * * *',
      is_active: false, tasks: [{ task_name: 'one', transform_config: { type: 'sql',
        db_path: 'quick.duckdb', sql: 'CREATE OR REPLACE TABLE one AS SELECT 1 AS x' } }] });
    const now = Date.now();
    await apiPost(base, `/jobs/${quick.job_id}/backfill`, {
      start: new Date(now - 110 * 60000).toISOString(), end: new Date(now - 60000).toISOString() });
    const quickRuns = await apiGet(base, `/jobs/${quick.job_id}/runs?limit=1`);
    assert.equal(quickRuns.length, 1);
    const allRuns = (await apiGetWithTotal(base, '/runs?limit=1')).total;
    assert.ok(allRuns > 100);
    await page.click('a[data-nav=runs]');
    const pagerRange = page.locator('[data-role=pager] [data-role=range]').first();
    await pagerRange.filter({ hasText: `1–100 of ${allRuns}` }).waitFor();
    assert.equal(await page.locator('table.runs tbody tr').count(), 100);
    await page.locator('table.runs [data-role=job-name]', { hasText: 'quick' }).first().waitFor();
    await page.locator('table.runs [data-role=slot]', { hasText: / CET$/ }).first().waitFor();
    await page.getByRole('button', { name: 'Older →' }).first().click();
    await pagerRange.filter({ hasText: `101–${allRuns} of ${allRuns}` }).waitFor();
    assert.equal(await page.locator('table.runs tbody tr').count(), allRuns - 100);
    assert.ok(await page.getByRole('button', { name: 'Older →' }).first().isDisabled());
    await page.getByRole('button', { name: '← Newer' }).first().click();
    await pagerRange.filter({ hasText: `1–100 of ${allRuns}` }).waitFor();
    await page.locator('#run-job-filter option', { hasText: 'flaky' }).waitFor({ state: 'attached' });
    await page.selectOption('#run-job-filter', { label: 'flaky' });
    await pagerRange.filter({ hasText: '1–1 of 1' }).waitFor();
    await page.locator('table.runs [data-role=run-error]', { hasText: 'task spin failed after 2 attempts' })
      .waitFor();
    await page.selectOption('#run-job-filter', '');
    await pagerRange.filter({ hasText: `1–100 of ${allRuns}` }).waitFor();
    await page.selectOption('#run-status-filter', 'cancelled');
    await pagerRange.filter({ hasText: '1–1 of 1' }).waitFor();
    await page.locator('table.runs [data-status=cancelled]').waitFor();
    await page.selectOption('#run-status-filter', '');
    await pagerRange.filter({ hasText: `of ${allRuns}` }).waitFor();
    await page.locator('table.runs [data-status=success]').first().waitFor();
    await shot('runs');
    // By trigger, then by a queue-time range (the browser's zone) that no run is in.
    const backfillRuns = (await apiGetWithTotal(base, '/runs?limit=1&triggered_by=backfill')).total;
    assert.ok(backfillRuns > 100 && backfillRuns < allRuns, `${backfillRuns} backfill runs`);
    await page.selectOption('#run-trigger-filter', 'backfill');
    await pagerRange.filter({ hasText: `1–100 of ${backfillRuns}` }).waitFor();
    await page.locator('#run-from-filter').fill('2099-01-01T00:00');
    await page.locator('#run-from-filter').dispatchEvent('change');
    await pagerRange.filter({ hasText: '0–0 of 0' }).waitFor();
    assert.match(page.url(), /trigger=backfill/);
    assert.match(page.url(), /from=2098-12-3|from=2099-01-01/);
    await page.click('a[data-nav=runs]');
    await pagerRange.filter({ hasText: `1–100 of ${allRuns}` }).waitFor();

    // Dark mode follows the system's preference: the page's colours change.
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.notEqual(await background(), light, 'dark mode changes the background');
    await shot('runs-dark');
    await page.goto(jobUrl);
    await graph.locator('g.node[data-task=load]').waitFor();
    await shot('job-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The README's images: the job list, a job, a run with a retried task.
    await page.click('a[data-nav=jobs]');
    await page.locator('tr[data-job=flaky] [data-role=last-run] [data-status=failed]').waitFor();
    await readmeShot('readme-jobs', 860);

    // The job list pages too: 101 more jobs make two pages of 100.
    for (let i = 0; i < 101; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, 101 - i) }, (_, k) => apiPost(base, '/jobs', {
        job_name: `bulk_${String(i + k).padStart(3, '0')}`, tasks: [{ task_name: 'one',
          transform_config: { type: 'sql', db_path: 'bulk.duckdb', sql: 'SELECT 1' } }] })));
    }
    const jobCount = (await apiGetWithTotal(base, '/jobs?limit=1')).total;
    await page.reload();
    const jobsRange = page.locator('[data-role=pager] [data-role=range]');
    await jobsRange.filter({ hasText: `1–100 of ${jobCount}` }).waitFor();
    assert.equal(await page.locator('#jobs tbody tr[data-job]').count(), 100);
    await page.getByRole('button', { name: 'Older →' }).click();
    await jobsRange.filter({ hasText: `101–${jobCount} of ${jobCount}` }).waitFor();
    assert.equal(await page.locator('#jobs tbody tr[data-job]').count(), jobCount - 100);
    await page.locator('tr[data-job=bulk_100] [data-role=last-run]', { hasText: 'never run' }).waitFor();

    // A job with parameters: the page lists them; Run opens a form with an input of each type,
    // which posts typed values and shows a 400 next to the field it names.
    const hostileName = '<img src=x onerror="window.pwned=1">late & "co"';
    const late = await apiPost(base, '/jobs', { job_name: hostileName,
      notify: [{ on: ['failure'], webhook: { url: 'https://hooks.example/orc',
        headers: { Authorization: 'Bearer ${env:ORC_SECRET_HOOK_TOKEN}' },
        secret: '${env:ORC_SECRET_HOOK_SIGNING}' } }],
      params: {
        limit: { type: 'integer', default: 10, description: '<b>rows</b> to keep' },
        full: { type: 'boolean', default: false },
        day: { type: 'date', default: '2026-11-01' },
        ratio: { type: 'number', default: 0.5 },
        region: { type: 'string', description: 'no default: every run sets it' } },
      tasks: [
        { task_name: 'load_orders', extractor_config: { type: 'csv', path: 'orders.csv' },
          loader_config: { type: 'duckdb', db_path: 'late.duckdb', table_name: 'orders' } },
        { task_name: 'load_late', retry: { max_attempts: 1 },
          extractor_config: { type: 'csv', path: 'late.csv' },
          loader_config: { type: 'duckdb', db_path: 'late_files.duckdb', table_name: 'late' } }] });
    await page.goto(`${base}/#/jobs/${late.job_id}`);
    const title = page.locator('h1', { hasText: 'late & "co"' });
    await title.waitFor();
    assert.equal(await title.textContent(), hostileName, 'a hostile job name is shown as text');
    const params = page.locator('#job-params');
    await params.locator('tr[data-param=limit]', { hasText: '<b>rows</b> to keep' }).waitFor();
    assert.equal(await params.locator('tbody tr').count(), 5);
    await params.locator('tr[data-param=region]', { hasText: 'none: every run must set it' }).waitFor();
    const notify = page.locator('#job-notify [data-role=notify-target]');
    await notify.filter({ hasText: 'on failure → https://hooks.example/orc' }).waitFor();
    assert.ok(!(await page.locator('#job-notify').textContent()).includes('ORC_SECRET_HOOK'),
      'the notify target\'s headers and secret are not shown');
    // The job list's Run now… of a job with parameters opens its page with the form (#/jobs/ID?run).
    await page.goto(`${base}/#/jobs/${late.job_id}?run`);
    const runFormLocator = page.locator('#run-form');
    await runFormLocator.waitFor();
    await runFormLocator.getByRole('button', { name: 'Cancel' }).click();
    await runFormLocator.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Run now…' }).click();
    await runFormLocator.waitFor();
    const input = (name) => runFormLocator.locator(`[data-field="params.${name}"]`);
    assert.equal(await input('limit').getAttribute('type'), 'number');
    assert.equal(await input('limit').inputValue(), '10');
    assert.equal(await input('full').getAttribute('type'), 'checkbox');
    assert.equal(await input('full').isChecked(), false);
    assert.equal(await input('day').getAttribute('type'), 'date');
    assert.equal(await input('day').inputValue(), '2026-11-01');
    assert.equal(await input('ratio').inputValue(), '0.5');
    // A parameter without default left empty, then an integer that is not one: the server's
    // 400 is shown next to the field it names.
    await runFormLocator.getByRole('button', { name: 'Run', exact: true }).click();
    await runFormLocator.locator('[data-error-for="params.region"]', { hasText: 'params.region' })
      .waitFor();
    await input('region').fill('eu');
    await input('limit').fill('2.5');
    await runFormLocator.getByRole('button', { name: 'Run', exact: true }).click();
    await runFormLocator.locator('[data-error-for="params.limit"]', { hasText: 'params.limit' })
      .waitFor();
    assert.equal(await runFormLocator.locator('[data-error-for="params.region"]').textContent(), '');
    await shot('job-run-form');
    await input('limit').fill('25');
    await input('full').check();
    const [trigger] = await Promise.all([
      page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/run')),
      runFormLocator.getByRole('button', { name: 'Run', exact: true }).click()]);
    assert.deepEqual(trigger.postDataJSON(), { params: { limit: 25, full: true, day: '2026-11-01',
      ratio: 0.5, region: 'eu' } }, 'the form posts typed values');
    // late.csv is missing: the run fails; its page shows the parameters and the data interval.
    await page.waitForURL(/#\/runs\/[0-9a-f-]+$/);
    const failedId = /#\/runs\/([0-9a-f-]+)$/.exec(page.url())[1];
    await page.locator('.toolbar [data-status=failed]').waitFor();
    await page.locator('#run-params tr[data-param=limit]', { hasText: '25' }).waitFor();
    await page.locator('#run-params tr[data-param=full]', { hasText: 'true' }).waitFor();
    await page.locator('[data-role=interval]', { hasText: / CET → .* CET( \(empty\))?$/ }).waitFor();
    // The server's refusal of a retry (409) is shown on the page.
    await page.route('**/runs/*/retry', (route) => route.fulfill({ status: 409,
      contentType: 'application/json', body: JSON.stringify({ error: { code: 'conflict',
        message: 'every task of run X succeeded: nothing to retry' } }) }), { times: 1 });
    await page.getByRole('button', { name: 'Retry from failure' }).click();
    await page.locator('[data-role=run-action-error]', { hasText: 'nothing to retry' }).waitFor();
    await page.unroute('**/runs/*/retry');
    // The file arrives; Retry from failure runs the failed task again in a new run, which the
    // page goes to: the task that succeeded is skipped.
    fs.writeFileSync(path.join(server.workDir, 'data', 'late.csv'), 'id\n1\n2\n');
    await page.getByRole('button', { name: 'Retry from failure' }).click();
    await page.waitForURL((url) => /#\/runs\//.test(url.href) && !url.href.endsWith(failedId));
    const retryId = /#\/runs\/([0-9a-f-]+)$/.exec(page.url())[1];
    await page.locator('h1 code', { hasText: retryId.slice(-12) }).waitFor();
    await page.locator('.toolbar [data-status=success]').waitFor();
    const retried = await apiGet(base, `/runs/${retryId}`);
    assert.equal(retried.retry_of, failedId);
    assert.deepEqual(retried.only_tasks, ['load_late']);
    assert.equal(await page.locator('[data-role=retry-of]').getAttribute('href'), `#/runs/${failedId}`);
    await page.locator('#task-runs tr[data-task=load_orders] .badge[data-status=skipped]').waitFor();
    await page.locator('#timeline .gantt-row[data-task=load_orders][data-status=skipped]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry from failure' }).count(), 0,
      'a run that succeeded has nothing to retry');
    await shot('run-retry');
    // Clear one task, without the tasks downstream of it.
    const clearRow = page.locator('#task-runs tr[data-task=load_orders]');
    await clearRow.locator('[data-role=clear-downstream]').uncheck();
    const [clearRequest] = await Promise.all([
      page.waitForRequest((request) => request.url().endsWith('/clear')),
      clearRow.locator('[data-role=clear-task]').click()]);
    assert.deepEqual(clearRequest.postDataJSON(), { task: 'load_orders', downstream: false });
    await page.waitForURL((url) => !url.href.endsWith(retryId));
    const clearedId = /#\/runs\/([0-9a-f-]+)$/.exec(page.url())[1];
    await page.locator('h1 code', { hasText: clearedId.slice(-12) }).waitFor();
    await page.locator('.toolbar [data-status=success]').waitFor();
    const cleared = await apiGet(base, `/runs/${clearedId}`);
    assert.equal(cleared.retry_of, retryId);
    assert.deepEqual(cleared.only_tasks, ['load_orders']);
    // The job's graph and history grid show the skipped task as such.
    await page.goto(`${base}/#/jobs/${late.job_id}`);
    await graph.locator('g.node[data-task=load_late][data-status=skipped]').waitFor();
    await page.locator('#history-grid tr[data-task=load_late] .cell[data-status=skipped]').first()
      .waitFor();
    // A run list marks retries and says a run's data interval in the slot's tooltip.
    await page.goto(`${base}/#/runs?job=${late.job_id}`);
    await page.locator(`table.runs tr[data-run="${clearedId}"]`, { hasText: '(retry)' }).waitFor();
    assert.match(await page.locator(`table.runs tr[data-run="${clearedId}"] [data-role=slot]`)
      .getAttribute('title'), /^data interval .* CET → .* CET$/);
    assert.equal(await page.locator('table.runs [data-role=job-name]').first().textContent(), hostileName);

    // Notifications: none without deliveries (or without the route); a run's deliveries as a
    // table, whose hostile text stays text and whose URL loses its credentials.
    await page.goto(`${base}/#/runs/${clearedId}`);
    await page.locator('.toolbar [data-status=success]').waitFor();
    assert.equal(await page.locator('#run-notifications').textContent(), '');
    await page.route('**/runs/*/notifications', (route) => route.fulfill({ status: 200,
      contentType: 'application/json', body: JSON.stringify({ items: [
        { delivery_id: 'd1', event: 'failure', url: 'https://user:pw@hooks.example/orc?token=s3cret',
          status: 'failed', attempts: 8, last_status_code: 500,
          last_error: '<img src=x onerror="window.pwned=1">', created_at: '2026-11-30T06:00:00.000Z',
          delivered_at: null, next_attempt_at: null },
        { delivery_id: 'd2', event: 'success', url: '${env:ORC_SECRET_HOOK_URL}', status: 'delivered',
          attempts: 1, last_status_code: 200, last_error: '', created_at: '2026-11-30T06:00:00.000Z',
          delivered_at: '2026-11-30T06:00:01.000Z', next_attempt_at: null }] }) }));
    await page.reload();
    const deliveries = page.locator('#run-notifications-table');
    await deliveries.locator('tr[data-delivery=d1]', { hasText: 'HTTP 500: <img src=x' }).waitFor();
    await deliveries.locator('tr[data-delivery=d1] code', { hasText: 'https://***@hooks.example/orc?token=…' })
      .waitFor();
    await deliveries.locator('tr[data-delivery=d2] .badge[data-status=delivered]').waitFor();
    await deliveries.locator('tr[data-delivery=d2] time[datetime="2026-11-30T06:00:01.000Z"]').waitFor();
    assert.ok(!(await deliveries.textContent()).includes('s3cret'));
    await shot('run-notifications');
    await page.unroute('**/runs/*/notifications');
    assert.equal(await page.locator('main img').count(), 0, 'no element made from server text');
    // A job's SLA is on its page.
    const patched = await fetch(`${base}/jobs/${jobs[0].job_id}`, { method: 'PATCH',
      body: JSON.stringify({ sla_s: 3600 }),
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    assert.equal(patched.status, 200, await patched.text());
    await page.goto(`${base}/#/jobs/${jobs[0].job_id}`);
    await page.locator('[data-role=sla]', { hasText: '3,600 s (1 h) after the slot' }).waitFor();
    assert.equal(await page.evaluate(() => window.pwned), undefined);

    // A run's alerts: the job's webhook points at loopback, which the server's network policy
    // refuses, so its delivery fails at once; the run page shows it with the reason.
    const alerting = await apiPost(base, '/jobs', { job_name: 'alerting', tasks: [{ task_name: 'one',
      transform_config: { type: 'sql', db_path: 'bulk.duckdb', sql: 'SELECT 1' } }],
      notify: [{ on: ['success'], webhook: { url: 'http://127.0.0.1:1/hook' } }] });
    const alertRun = await apiPost(base, `/jobs/${alerting.job_id}/run`);
    await page.goto(`${base}/#/runs/${alertRun.run_id}`);
    const alertRow = page.locator('#run-notifications-table tbody tr', { hasText: 'success' });
    await alertRow.locator('[data-status=failed]').waitFor();
    assert.match(await alertRow.textContent(), /http:\/\/127\.0\.0\.1:1\/hook.*loopback/);

    // The Nodes page: the serving orc is the only node, alive, with its three roles, leading the
    // schedulers, marked as this node; the page refreshes while it is open (the heartbeat moves).
    await page.click('a[data-nav=nodes]');
    const self = (await apiGet(base, '/nodes')).items.find((node) => node.self);
    assert.ok(self, 'GET /nodes lists the node that answers');
    const selfRow = page.locator('#nodes tr[data-self]');
    await selfRow.locator('[data-role=leader]', { hasText: 'leads the schedulers' }).waitFor();
    assert.ok(await page.locator('a[data-nav=nodes]').evaluate((link) =>
      link.classList.contains('active')), 'the nav marks the Nodes page');
    assert.equal(await page.locator('#nodes tbody tr').count(), 1);
    assert.equal(await selfRow.getAttribute('data-node'), self.node_id);
    assert.equal(await selfRow.locator('code').textContent(), self.node_id);
    assert.equal(await selfRow.locator('[data-role=self]').textContent(), 'this node');
    assert.equal(await selfRow.locator('[data-role=host]').textContent(), self.host);
    assert.equal(await selfRow.locator('[data-role=roles]').textContent(), 'api, scheduler, worker');
    await selfRow.locator('.badge[data-status=alive]').waitFor();
    assert.match(await selfRow.locator('[data-role=workers]').textContent(), /^\d+ \/ 2$/);
    await selfRow.locator(`time[datetime="${self.started_at}"]`, { hasText: / ago$/ }).waitFor();
    const heartbeat = selfRow.locator('[data-role=heartbeat] time');
    assert.match(await heartbeat.textContent(), /^\d+s ago$/);
    const firstBeat = await heartbeat.getAttribute('datetime');
    await page.waitForFunction((seen) => document.querySelector(
      '#nodes tr[data-self] [data-role=heartbeat] time')?.getAttribute('datetime') > seen, firstBeat);
    await page.locator('[data-role=node-summary]',
      { hasText: '1 node: 1 alive, 0 lost. A node silent for over 5 s is lost' }).waitFor();
    await shot('nodes');
    // Faked answers, each shown at the next refresh: a node's text from the database stays text;
    // a lost node and one without the worker role; no node leading; a failed refresh keeps the
    // last answer and says so; an empty list.
    let nodesAnswer = { status: 200, contentType: 'application/json', body: JSON.stringify({
      node_timeout_s: 5, items: [
        { ...self, scheduler_leader: false },
        { node_id: '<img src=x onerror="window.pwned=1">:7:0badc0de', host: '<b>evil</b> & "co"',
          roles: ['scheduler'], version: '<script>window.pwned=2</script>', status: 'lost',
          started_at: '2026-11-30T06:00:00.000Z', heartbeat_at: '2026-11-30T06:05:00.000Z',
          workers: 0, workers_busy: 0, scheduler_leader: false, self: false }] }) };
    await page.route('**/nodes', (route) => route.fulfill(nodesAnswer));
    const lostRow = page.locator('#nodes tbody tr:not([data-self])');
    await lostRow.locator('.badge[data-status=lost]').waitFor();
    assert.equal(await lostRow.locator('code').textContent(),
      '<img src=x onerror="window.pwned=1">:7:0badc0de');
    assert.equal(await lostRow.locator('[data-role=host]').textContent(), '<b>evil</b> & "co"');
    assert.match(await lostRow.textContent(), /<script>window\.pwned=2<\/script>/);
    assert.equal(await lostRow.locator('[data-role=self], [data-role=leader], [data-role=workers]')
      .count(), 0);
    await lostRow.locator('time[datetime="2026-11-30T06:05:00.000Z"]', { hasText: /ago$/ }).waitFor();
    await page.locator('[data-role=node-summary]', { hasText: '2 nodes: 1 alive, 1 lost.' }).waitFor();
    await page.locator('[data-role=no-leader]').waitFor();
    assert.equal(await page.locator('main img, main b, main script').count(), 0,
      'no element made from a node\'s text');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await shot('nodes-lost');
    nodesAnswer = { status: 503, contentType: 'application/json', headers: { 'Retry-After': '1' },
      body: JSON.stringify({ error: { code: 'unavailable',
        message: 'the state store does not answer' } }) };
    const refreshError = page.locator('[data-role=nodes-error]');
    await refreshError.filter({ hasText: 'Cannot refresh the nodes: the state store does not answer' })
      .waitFor();
    assert.match(await refreshError.textContent(),
      /answerShown as they were at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T\.$/);
    assert.equal(await page.locator('#nodes tbody tr').count(), 2, 'the last answer stays');
    nodesAnswer = { status: 200, contentType: 'application/json',
      body: JSON.stringify({ node_timeout_s: 5, items: [] }) };
    await page.locator('#nodes .empty', { hasText: 'No node has registered yet' }).waitFor();
    assert.equal(await page.locator('[data-role=nodes-error]').count(), 0);
    await page.unroute('**/nodes');
    await selfRow.locator('[data-role=leader]').waitFor();

    assert.deepEqual(foreign, [], 'the dashboard fetched only from the orc server');
    assert.deepEqual(pageErrors, [], 'no script errors');
    console.log(`dashboard test passed; screenshots in ${outputDir}`);
  } finally {
    if (browser) await browser.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
