// Browser test of orc's dashboard: a real orc server (with an API token), Debian's chromium
// driven by Playwright. Creates a job through the form, triggers it, sees it succeed, reads its
// log, edits its definition, pauses it; checks that the page fetches nothing but the API.
// Saves a screenshot of each page into the output directory.
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
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(timeout);
    const foreign = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) {
        foreign.push(request.url());
      }
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const shot = (name) => page.screenshot({ path: path.join(outputDir, `${name}.png`),
      fullPage: true });

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
    await shot('run');

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
    await log.filter({ hasText: 'run started' }).waitFor();
    await shot('run-running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.toolbar [data-status=cancelled]').waitFor();
    await log.filter({ hasText: 'cancel' }).waitFor();

    await page.click('a[data-nav=runs]');
    await page.locator('table.runs [data-status=success]').waitFor();
    await page.locator('table.runs [data-status=cancelled]').waitFor();
    await shot('runs');

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
