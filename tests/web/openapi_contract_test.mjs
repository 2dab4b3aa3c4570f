// orc against its own OpenAPI document: a real `orc serve` (with an API token) is asked to do
// every operation, successfully and with the typical errors, and each real response (status,
// Content-Type, required headers, body) is validated against the document the server itself
// serves, by Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) with ajv-formats. Every
// operation must have been exercised, and every status an operation declares must have been seen
// (but the few listed in `unobservable`). Also: a forced delete of a job with a running run, and
// a shutdown that an idle keep-alive connection does not hold up, and /metrics read by promtool.
//
//   node tests/web/openapi_contract_test.mjs ORC_BINARY
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import { startOrc } from './orc_server.mjs';

const [orcBinary] = process.argv.slice(2);
if (!orcBinary) {
  console.error('usage: openapi_contract_test.mjs ORC_BINARY');
  process.exit(2);
}
const token = 'contract-test-token';
// Statuses the document declares that this test cannot bring about, and why.
const unobservable = {
  'get /health 503': 'the state store would have to fail',
};
// A SQL transform that runs until it is cancelled.
const spinSql = 'CREATE OR REPLACE TABLE spin AS SELECT sum(i * i % 7) AS s FROM range(100000000000) t(i)';

// --- the document ------------------------------------------------------------------------------

class Contract {
  constructor(document) {
    this.document = document;
    // Ajv's strict mode: unknown keywords and formats, and keywords without their type, are errors
    // in the document. (Not strictRequired: `required` in one part of an allOf, listing
    // properties of another part, is how JSON Schema composes.)
    this.ajv = new Ajv2020({ allErrors: true, strictTypes: true, strictTuples: true });
    addFormats(this.ajv);
    // The components' schemas as one schema resource; every reference points into it.
    this.ajv.addSchema(this.rewriteRefs({ $id: 'https://orc.invalid/openapi.json', $defs: document.components.schemas }));
    this.validators = new Map();
    this.seen = new Set();  // "get /jobs 200"
  }

  rewriteRefs(schema) {
    return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"https://orc.invalid/openapi.json#/$defs/'));
  }

  // A Response, Header or Parameter object, following a $ref into the document.
  resolve(object) {
    if (!object.$ref) return object;
    const pointer = object.$ref.replace(/^#\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
    return this.resolve(pointer.reduce((node, key) => node[key], this.document));
  }

  validator(schema) {
    const key = JSON.stringify(schema);
    if (!this.validators.has(key)) this.validators.set(key, this.ajv.compile(this.rewriteRefs(schema)));
    return this.validators.get(key);
  }

  operations() {
    const list = [];
    for (const [route, item] of Object.entries(this.document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method !== 'parameters') list.push({ route, method, operation });
      }
    }
    return list;
  }

  // Checks a real response against the operation `method route`; throws naming what differs.
  check(method, route, response, text) {
    const operation = this.document.paths[route]?.[method];
    const where = `${method.toUpperCase()} ${route} -> ${response.status}`;
    assert.ok(operation, `${method} ${route} is not in the document`);
    assert.ok(!operation['x-undocumented'], `${method} ${route} is not described`);
    const declared = operation.responses[String(response.status)] ??
      operation.responses[`${String(response.status)[0]}XX`] ?? operation.responses.default;
    assert.ok(declared, `${where}: the document declares no such response`);
    this.seen.add(`${method} ${route} ${response.status}`);
    const described = this.resolve(declared);
    for (const [name, header] of Object.entries(described.headers ?? {})) {
      const resolved = this.resolve(header);
      const value = response.headers.get(name);
      if (value === null) {
        assert.ok(!resolved.required, `${where}: required header ${name} is missing`);
        continue;
      }
      const typed = resolved.schema.type === 'integer' ? Number(value) : value;
      const validate = this.validator(resolved.schema);
      assert.ok(validate(typed), `${where}: header ${name}: ${value}: ${this.ajv.errorsText(validate.errors)}`);
    }
    const contentType = response.headers.get('content-type');
    if (!described.content) {
      assert.equal(text, '', `${where}: a body where none is declared`);
      assert.equal(contentType, null, `${where}: a Content-Type where no body is declared`);
      return;
    }
    const media = described.content[contentType];
    assert.ok(media, `${where}: Content-Type ${contentType} is not one of ${Object.keys(described.content)}`);
    let body = text;
    if (contentType.startsWith('application/json')) body = JSON.parse(text);
    if (contentType.startsWith('application/yaml')) body = yaml.load(text, { schema: yaml.CORE_SCHEMA });
    const validate = this.validator(media.schema);
    assert.ok(validate(body), `${where}: the body does not match the schema: ` +
      `${this.ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`);
  }
}

// --- the client --------------------------------------------------------------------------------

let contract;
let base;

// Sends a request to `route` (a path template of the document) with `params` filled in, checks
// the response against the document and, when given, its status. Returns { status, body, headers }.
async function call(method, route, { params = {}, query, body, type, accept, auth = true, headers = {},
  expect } = {}) {
  let url = route.replace(/\{(\w+)\}/g, (unused, name) => encodeURIComponent(params[name]));
  if (query) url += `?${new URLSearchParams(query)}`;
  const sent = { ...headers };
  if (auth) sent.Authorization = `Bearer ${token}`;
  if (accept) sent.Accept = accept;
  let payload = body;
  if (body !== undefined && typeof body !== 'string') payload = JSON.stringify(body);
  if (payload !== undefined) sent['Content-Type'] = type ?? 'application/json';
  const response = await fetch(base + url, { method: method.toUpperCase(), headers: sent, body: payload });
  const text = await response.text();
  contract.check(method, route, response, text);
  if (expect !== undefined) {
    assert.equal(response.status, expect, `${method.toUpperCase()} ${url}: ${text.slice(0, 500)}`);
  }
  let parsed = text;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) parsed = JSON.parse(text);
  return { status: response.status, body: parsed, headers: response.headers };
}

const job = (name, tasks) => ({ job_name: name, tasks });
const csvTask = {
  task_name: 'load',
  extractor_config: { type: 'csv', path: 'orders.csv' },
  loader_config: { type: 'duckdb', db_path: 'warehouse.duckdb', table_name: 'orders' },
};
const spinTask = { task_name: 'spin', transform_config: { type: 'sql', db_path: 'spin.duckdb', sql: spinSql } };

async function waitForRun(runId, done) {
  const until = Date.now() + 20000;
  for (;;) {
    const run = (await call('get', '/runs/{run_id}', { params: { run_id: runId }, expect: 200 })).body;
    if (done(run)) return run;
    assert.ok(Date.now() < until, `run ${runId} stays ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- the operations ----------------------------------------------------------------------------

async function system() {
  await call('get', '/', { auth: false, expect: 200 });
  await call('get', '/health', { auth: false, expect: 200 });
  await call('get', '/openapi.json', { expect: 200 });
  const metrics = await call('get', '/metrics', { expect: 200 });
  assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(metrics.body, /^orc_queue_depth \d+$/m);
  const nodes = await call('get', '/nodes', { expect: 200 });
  const self = nodes.body.items.filter((node) => node.self);
  assert.equal(self.length, 1, 'the node answering is listed once');
  assert.equal(self[0].status, 'alive');
  assert.deepEqual(self[0].roles, ['api', 'scheduler', 'worker']);
  const preview = await call('get', '/cron/preview',
    { query: { schedule: '0 9 * * MON-FRI', timezone: 'Europe/Berlin', count: 3 }, expect: 200 });
  assert.equal(preview.body.fire_times.length, 3);
  const past = await call('get', '/cron/preview',
    { query: { schedule: '0 6 * * *', after: '2026-01-01T06:00:00Z', count: 2 }, expect: 200 });
  assert.deepEqual(past.body.fire_times, ['2026-01-02T06:00:00.000Z', '2026-01-03T06:00:00.000Z']);
  await call('get', '/cron/preview', { query: { schedule: '0 6 * * *', after: 'soon' }, expect: 400 });
  await call('get', '/cron/preview', { query: { schedule: '@manual' }, expect: 200 });
  await call('get', '/cron/preview', { query: { schedule: '0 25 * * *' }, expect: 400 });
  await call('get', '/cron/preview', { expect: 400 });
  await call('get', '/cron/preview', { query: { schedule: '* * * * *', count: 0 }, expect: 400 });
}

// Every operation but the public ones answers 401 without the token, and with a wrong one.
async function authentication() {
  const id = '00000000-0000-4000-8000-000000000000';
  for (const { route, method, operation } of contract.operations()) {
    const open = Array.isArray(operation.security) && operation.security.length === 0;
    const response = await call(method, route, { params: { job_id: id, run_id: id }, auth: false });
    if (open) {
      assert.equal(response.status, 200, `${method} ${route} is public`);
    } else {
      assert.equal(response.status, 401, `${method} ${route} needs the token`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      await call(method, route, { params: { job_id: id, run_id: id }, auth: false,
        headers: { Authorization: 'Bearer wrong' }, expect: 401 });
    }
  }
}

async function jobs() {
  const created = await call('post', '/jobs', { body: job('orders', [csvTask]), expect: 201 });
  const jobId = created.body.job_id;
  assert.equal(created.headers.get('location'), `/jobs/${jobId}`);
  const params = { job_id: jobId };
  await call('post', '/jobs', { body: job('orders', [csvTask]), expect: 409 });
  await call('post', '/jobs', { body: { job_name: 'x', tasks: [], colour: 'red' }, expect: 400 });
  await call('post', '/jobs', { body: '{"job_name": ', expect: 400 });
  await call('post', '/jobs', { body: job('t', [csvTask]), type: 'text/plain', expect: 415 });
  await call('post', '/jobs', { body: 'x'.repeat((1 << 20) + 1), expect: 413 });
  const yamlJob = [
    'job_name: orders_yaml',
    'schedule: "0 7 * * MON-FRI"',
    'timezone: Europe/Berlin',
    'tasks:',
    '  - task_name: load',
    '    extractor_config: {type: csv, path: orders.csv}',
    '    loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: orders_yaml}',
  ].join('\n');
  const fromYaml = await call('post', '/jobs',
    { body: yamlJob, type: 'application/yaml', accept: 'application/yaml', expect: 201 });
  assert.match(fromYaml.body, /job_name: orders_yaml/);
  await call('post', '/jobs', { body: 'job_name: [', type: 'application/yaml', expect: 400 });

  await call('get', '/jobs', { expect: 200 });
  const page = await call('get', '/jobs', { query: { limit: 1, offset: 1, is_active: true }, expect: 200 });
  assert.equal(page.headers.get('x-total-count'), '2');
  const byId = await call('get', '/jobs',
    { query: { job_ids: `${fromYaml.headers.get('location').slice(6)},${crypto.randomUUID()},${created.body.job_id}` },
      expect: 200 });
  assert.deepEqual(byId.body.map((found) => found.job_name), ['orders_yaml', 'orders']);
  await call('get', '/jobs', { query: { job_ids: 'orders' }, expect: 400 });
  await call('get', '/jobs', { query: { job_ids: created.body.job_id, limit: 5 }, expect: 400 });
  await call('get', '/jobs', { query: { limit: 0 }, expect: 400 });
  await call('get', '/jobs', { query: { is_active: 'maybe' }, expect: 400 });

  await call('get', '/jobs/{job_id}', { params, expect: 200 });
  await call('get', '/jobs/{job_id}', { params, accept: 'application/yaml', expect: 200 });
  await call('get', '/jobs/{job_id}', { params: { job_id: 'not-an-id' }, expect: 404 });

  const replacement = { ...created.body, description: 'orders from the shop' };
  await call('put', '/jobs/{job_id}', { params, body: replacement, expect: 200 });
  await call('put', '/jobs/{job_id}', { params, body: yamlJob.replace('orders_yaml', 'orders'),
    type: 'application/yaml', expect: 200 });
  await call('put', '/jobs/{job_id}', { params, body: { ...replacement, job_name: 'orders_yaml' }, expect: 409 });
  await call('put', '/jobs/{job_id}', { params, body: { job_name: 'x' }, expect: 400 });
  await call('put', '/jobs/{job_id}', { params, body: replacement, type: 'text/csv', expect: 415 });
  await call('put', '/jobs/{job_id}', { params, body: 'x'.repeat((1 << 20) + 1), expect: 413 });
  await call('put', '/jobs/{job_id}', { params: { job_id: crypto.randomUUID() },
    body: { ...replacement, job_id: undefined }, expect: 404 });

  await call('patch', '/jobs/{job_id}', { params, body: { is_active: false }, expect: 200 });
  await call('patch', '/jobs/{job_id}', { params, body: { schedule: '*/5 * * * *', is_active: null },
    type: 'application/merge-patch+json', accept: 'application/yaml', expect: 200 });
  await call('patch', '/jobs/{job_id}', { params, body: { schedule: 'every day' }, expect: 400 });
  await call('patch', '/jobs/{job_id}', { params, body: { job_name: 'orders_yaml' }, expect: 409 });
  await call('patch', '/jobs/{job_id}', { params, body: 'is_active: false', type: 'application/yaml', expect: 415 });
  await call('patch', '/jobs/{job_id}', { params, body: 'x'.repeat((1 << 20) + 1), expect: 413 });
  await call('patch', '/jobs/{job_id}', { params: { job_id: crypto.randomUUID() }, body: {}, expect: 404 });

  const backfill = { start: '2026-01-05T00:00:00Z', end: '2026-01-05T00:20:00Z' };
  const queued = await call('post', '/jobs/{job_id}/backfill', { params, body: backfill, expect: 200 });
  assert.equal(queued.body.length, 5);
  await call('post', '/jobs/{job_id}/backfill', { params, body: backfill, expect: 200 });
  await call('post', '/jobs/{job_id}/backfill', { params, body: { start: 'yesterday', end: backfill.end }, expect: 400 });
  await call('post', '/jobs/{job_id}/backfill', { params, body: backfill, type: 'text/plain', expect: 415 });
  await call('post', '/jobs/{job_id}/backfill', { params, body: 'x'.repeat((1 << 20) + 1), expect: 413 });
  await call('post', '/jobs/{job_id}/backfill', { params: { job_id: crypto.randomUUID() }, body: backfill, expect: 404 });

  const run = await call('post', '/jobs/{job_id}/run', { params, expect: 202 });
  assert.equal(run.headers.get('location'), `/runs/${run.body.run_id}`);
  await call('post', '/jobs/{job_id}/run', { params: { job_id: crypto.randomUUID() }, expect: 404 });
  await waitForRun(run.body.run_id, (current) => current.status === 'success');

  await call('get', '/jobs/{job_id}/runs', { params, query: { limit: 2 }, expect: 200 });
  await call('get', '/jobs/{job_id}/runs', { params, query: { offset: -1 }, expect: 400 });
  await call('get', '/jobs/{job_id}/runs', { params: { job_id: crypto.randomUUID() }, expect: 404 });
  return { jobId, runId: run.body.run_id };
}

async function runs({ jobId, runId }) {
  await call('get', '/runs', { expect: 200 });
  await call('get', '/runs', { query: { job_id: jobId, status: 'success', limit: 5, offset: 0 }, expect: 200 });
  await call('get', '/runs', { query: { latest_per_job: true }, expect: 200 });
  await call('get', '/runs', { query: { latest_per_job: true, limit: 5 }, expect: 400 });
  const latest = await call('get', '/runs',
    { query: { latest_per_job: true, job_ids: `${crypto.randomUUID()},${jobId}` }, expect: 200 });
  assert.equal(latest.body.length, 1);
  assert.equal(latest.body[0].job_id, jobId);
  await call('get', '/runs', { query: { latest_per_job: true, job_ids: `${jobId},` }, expect: 400 });
  await call('get', '/runs', { query: { job_ids: jobId }, expect: 400 });
  await call('get', '/runs', { query: { status: 'sleeping' }, expect: 400 });
  await call('get', '/runs/{run_id}', { params: { run_id: runId }, expect: 200 });
  await call('get', '/runs/{run_id}', { params: { run_id: crypto.randomUUID() }, expect: 404 });
  const logs = await call('get', '/runs/{run_id}/logs', { params: { run_id: runId }, expect: 200 });
  assert.ok(logs.body.length > 1);
  await call('get', '/runs/{run_id}/logs', { params: { run_id: runId }, query: { after: 1, limit: 1 }, expect: 200 });
  await call('get', '/runs/{run_id}/logs', { params: { run_id: runId }, query: { after: -1 }, expect: 400 });
  await call('get', '/runs/{run_id}/logs', { params: { run_id: crypto.randomUUID() }, expect: 404 });
  const notifications = await call('get', '/runs/{run_id}/notifications', { params: { run_id: runId }, expect: 200 });
  assert.ok(Array.isArray(notifications.body.items));
  await call('get', '/runs/{run_id}/notifications', { params: { run_id: crypto.randomUUID() }, expect: 404 });
  await call('post', '/runs/{run_id}/cancel', { params: { run_id: runId }, expect: 409 });
  await call('post', '/runs/{run_id}/cancel', { params: { run_id: crypto.randomUUID() }, expect: 404 });

  // Every task of the run succeeded: nothing to retry, but a task can be cleared.
  await call('post', '/runs/{run_id}/retry', { params: { run_id: runId }, expect: 409 });
  await call('post', '/runs/{run_id}/retry', { params: { run_id: crypto.randomUUID() }, expect: 404 });
  const cleared = await call('post', '/runs/{run_id}/clear',
    { params: { run_id: runId }, body: { task: 'load', downstream: false }, expect: 202 });
  assert.equal(cleared.body.retry_of, runId);
  await waitForRun(cleared.body.run_id, (run) => run.status === 'success');
  await call('post', '/runs/{run_id}/clear', { params: { run_id: runId }, body: { task: 'nope' }, expect: 400 });
  await call('post', '/runs/{run_id}/clear',
    { params: { run_id: crypto.randomUUID() }, body: { task: 'load' }, expect: 404 });
}

// A run that runs until cancelled, one queued behind it (max_active_runs 1): cancelling, and a
// job that cannot be deleted while they are active, unless forced.
async function activeRuns() {
  const spin = await call('post', '/jobs', { body: job('spin', [spinTask]), expect: 201 });
  const params = { job_id: spin.body.job_id };
  const first = await call('post', '/jobs/{job_id}/run', { params, expect: 202 });
  const second = await call('post', '/jobs/{job_id}/run', { params, expect: 202 });
  await waitForRun(first.body.run_id, (run) => run.status === 'running');
  await call('post', '/runs/{run_id}/cancel', { params: { run_id: second.body.run_id }, expect: 200 });
  const cancelling = await call('post', '/runs/{run_id}/cancel', { params: { run_id: first.body.run_id }, expect: 202 });
  assert.equal(cancelling.body.cancel_requested, true);
  await waitForRun(first.body.run_id, (run) => run.status === 'cancelled');

  const third = await call('post', '/jobs/{job_id}/run', { params, expect: 202 });
  await waitForRun(third.body.run_id, (run) => run.status === 'running');
  // A run still running cannot be retried or cleared; a cancelled one can (queued behind it).
  await call('post', '/runs/{run_id}/retry', { params: { run_id: third.body.run_id }, expect: 409 });
  await call('post', '/runs/{run_id}/clear',
    { params: { run_id: third.body.run_id }, body: { task: 'spin' }, expect: 409 });
  // Keyed, a retry queues one run however often it is sent; the key with another request is a 422.
  const retryKey = crypto.randomUUID();
  const retried = await call('post', '/runs/{run_id}/retry',
    { params: { run_id: first.body.run_id }, headers: { 'Idempotency-Key': retryKey }, expect: 202 });
  const again = await call('post', '/runs/{run_id}/retry',
    { params: { run_id: first.body.run_id }, headers: { 'Idempotency-Key': retryKey }, expect: 202 });
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.run_id, retried.body.run_id);
  await call('post', '/runs/{run_id}/retry',
    { params: { run_id: second.body.run_id }, headers: { 'Idempotency-Key': retryKey }, expect: 422 });
  await call('post', '/runs/{run_id}/clear', { params: { run_id: first.body.run_id },
    body: { task: 'spin' }, headers: { 'Idempotency-Key': retryKey }, expect: 422 });
  await call('post', '/runs/{run_id}/retry',
    { params: { run_id: first.body.run_id }, headers: { 'Idempotency-Key': '' }, expect: 400 });
  const refusal = await call('delete', '/jobs/{job_id}', { params, expect: 409 });
  assert.match(refusal.body.error.message, /force=true/);
  await call('delete', '/jobs/{job_id}', { params, query: { force: 'yes' }, expect: 400 });
  const started = performance.now();
  await call('delete', '/jobs/{job_id}', { params, query: { force: true }, expect: 204 });
  assert.ok(performance.now() - started < 5000, 'a forced delete waits at most 5 s');
  await call('get', '/runs/{run_id}', { params: { run_id: third.body.run_id }, expect: 404 });
  await call('delete', '/jobs/{job_id}', { params, expect: 404 });

  const done = await call('post', '/jobs', { body: job('done', [csvTask]), expect: 201 });
  await call('delete', '/jobs/{job_id}', { params: { job_id: done.body.job_id }, expect: 204 });
}

// Idempotency-Key on the operations that create (retry and clear: in activeRuns): a retry with the key gets the first
// response again, marked replayed, and creates nothing; the key with another body is a 422; a
// malformed key is a 400.
async function idempotencyKeys() {
  const key = () => crypto.randomUUID();
  const jobKey = key();
  // Scheduled once a year, so that the scheduler queues nothing while the test runs.
  const keyed = { ...job('keyed', [csvTask]), schedule: '0 0 1 1 *' };
  const first = await call('post', '/jobs', { body: keyed, headers: { 'Idempotency-Key': jobKey }, expect: 201 });
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const again = await call('post', '/jobs', { body: keyed, headers: { 'Idempotency-Key': jobKey }, expect: 201 });
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.job_id, first.body.job_id);
  await call('post', '/jobs', { body: job('keyed_other', [csvTask]), headers: { 'Idempotency-Key': jobKey }, expect: 422 });
  await call('post', '/jobs', { body: job('keyed_bad', [csvTask]), headers: { 'Idempotency-Key': 'x'.repeat(256) }, expect: 400 });

  const params = { job_id: first.body.job_id };
  const runKey = key();
  const run = await call('post', '/jobs/{job_id}/run', { params, headers: { 'Idempotency-Key': runKey }, expect: 202 });
  const replayed = await call('post', '/jobs/{job_id}/run', { params, headers: { 'Idempotency-Key': runKey }, expect: 202 });
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
  assert.equal(replayed.body.run_id, run.body.run_id);
  await call('post', '/jobs/{job_id}/run', { params, headers: { 'Idempotency-Key': jobKey }, expect: 422 });
  await call('post', '/jobs/{job_id}/run', { params, headers: { 'Idempotency-Key': '' }, expect: 400 });
  const runs = await call('get', '/jobs/{job_id}/runs', { params, expect: 200 });
  assert.equal(runs.body.length, 1, 'one run for one key');

  const backfill = { start: '2025-12-31T23:00:00Z', end: '2026-01-01T01:00:00Z' };
  const backfillKey = key();
  const queued = await call('post', '/jobs/{job_id}/backfill', { params, body: backfill, headers: { 'Idempotency-Key': backfillKey }, expect: 200 });
  const requeued = await call('post', '/jobs/{job_id}/backfill', { params, body: backfill, headers: { 'Idempotency-Key': backfillKey }, expect: 200 });
  assert.equal(queued.body.length, 1);
  assert.deepEqual(requeued.body, queued.body);
  await call('post', '/jobs/{job_id}/backfill', { params, body: { ...backfill, end: '2026-01-01T02:00:00Z' },
    headers: { 'Idempotency-Key': backfillKey }, expect: 422 });
  await waitForRun(run.body.run_id, (current) => current.status === 'success');
}

// /metrics as Prometheus itself reads it: `promtool check metrics` (its parser and its lint
// rules: names, units, HELP and TYPE lines, histogram buckets), once runs have filled it.
async function metricsAgainstPromtool() {
  const metrics = await call('get', '/metrics', { expect: 200 });
  assert.match(metrics.body, /^orc_runs_finished_total\{status="success"\} [1-9]/m);
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: metrics.body, encoding: 'utf8' });
  assert.ok(!checked.error, `promtool could not run (scripts/install-deps installs it): ${checked.error}`);
  assert.equal(checked.status, 0, `promtool check metrics: ${checked.stdout}${checked.stderr}`);
  assert.equal(`${checked.stdout}${checked.stderr}`.trim(), '', 'promtool has no warnings');
}

// Every operation was exercised, and every status it declares was seen.
function coverage() {
  const missing = [];
  for (const { route, method, operation } of contract.operations()) {
    for (const status of Object.keys(operation.responses)) {
      if (!/^\d+$/.test(status)) continue;
      const key = `${method} ${route} ${status}`;
      if (!contract.seen.has(key) && !(key in unobservable)) missing.push(key);
    }
  }
  assert.deepEqual(missing, [], 'declared responses never seen');
}

// An idle keep-alive connection (its response read, the next request not sent) does not hold a
// shutdown up: orc closes it at once and exits.
async function idleConnectionAtShutdown(server) {
  const socket = net.connect(new URL(base).port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk;
      if (received.includes('"status":"ok"')) resolve();
    });
    socket.write('GET /health HTTP/1.1\r\nHost: orc\r\n\r\n');
  });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  const exit = await server.stop();
  await closed;
  assert.equal(exit.code, 0, `orc exited with ${exit.code} (${exit.signal})`);
  assert.ok(exit.ms < 2000, `orc took ${Math.round(exit.ms)} ms to stop with an idle connection open`);
  return exit.ms;
}

async function main() {
  const server = await startOrc(orcBinary,
    { token, files: { 'orders.csv': 'order_id,customer,amount\n1,ada,12.5\n2,grace,7.25\n' } });
  try {
    base = server.base;
    const response = await fetch(`${base}/openapi.json`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    contract = new Contract(await response.json());
    await system();
    await authentication();
    await runs(await jobs());
    await activeRuns();
    await idempotencyKeys();
    await metricsAgainstPromtool();
    coverage();
    const stopMs = await idleConnectionAtShutdown(server);
    console.log(`openapi contract test passed: ${contract.seen.size} operation/status pairs ` +
      `validated; stopped in ${Math.round(stopMs)} ms with an idle connection open`);
  } catch (error) {
    console.error(server.log().slice(-3000));
    throw error;
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
