// orc's dashboard: one page, no dependencies, talking to the same REST API as the CLI.
// Views: #/jobs, #/jobs/{id}, #/runs, #/runs/{id}, #/new. Pages that show live state poll the API
// while they are open; leaving a page stops its timers.
'use strict';

const view = document.getElementById('view');
const TOKEN_KEY = 'orc.api_token';
let pageTimers = [];
let pageGeneration = 0;

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(message, field, status) {
    super(message);
    this.field = field;
    this.status = status;
  }
}

let tokenPrompt = null;

// Asks for the API token once; concurrent requests wait for the same answer.
function askForToken(refused) {
  if (tokenPrompt) return tokenPrompt;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent =
    refused ? 'The server refused that token; try again.' : '';
  input.value = '';
  tokenPrompt = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      tokenPrompt = null;
      resolve();
    }, { once: true });
  });
  dialog.showModal();
  return tokenPrompt;
}

// Calls the API. `body` is an object (sent as JSON) or text with options.contentType; returns the
// parsed body (text for YAML). Throws ApiError with the server's message and field.
async function api(method, path, body, options = {}) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  if (options.accept) headers.Accept = options.accept;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = options.contentType || 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (error) {
    setServerState('cannot reach the orc server');
    throw new ApiError('cannot reach the orc server: ' + error.message);
  }
  setServerState('');
  if (response.status === 401) {
    await askForToken(Boolean(token));
    return api(method, path, body, options);
  }
  const text = await response.text();
  if (!response.ok) {
    let error = { message: 'HTTP ' + response.status };
    try { error = JSON.parse(text).error || error; } catch (ignored) { /* not JSON */ }
    throw new ApiError(error.message, error.field, response.status);
  }
  if (options.accept && options.accept.includes('yaml')) return text;
  return text ? JSON.parse(text) : null;
}

function setServerState(text) {
  document.getElementById('server-state').textContent = text;
}

// ---------------------------------------------------------------- DOM and formatting

// h('a', {href: '#/jobs'}, 'Jobs'): an element; children are nodes or text (never parsed as HTML).
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function badge(status) {
  return h('span', { className: 'badge ' + status, 'data-status': status }, status);
}

function number(value) {
  return Number(value || 0).toLocaleString('en-US');
}

function two(value) {
  return String(value).padStart(2, '0');
}

function localTime(iso) {
  if (!iso) return '-';
  const t = new Date(iso);
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ` +
    `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
}

function relative(iso) {
  if (!iso) return '-';
  const seconds = Math.round((new Date(iso) - Date.now()) / 1000);
  const size = Math.abs(seconds);
  const text = size < 60 ? `${size}s` : size < 3600 ? `${Math.round(size / 60)} min`
    : size < 172800 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86400)} days`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

function timeCell(iso) {
  return h('span', { title: iso ? localTime(iso) : '' }, iso ? relative(iso) : '-');
}

function seconds(value) {
  if (value < 60) return value.toFixed(value < 10 ? 2 : 1) + ' s';
  return `${Math.floor(value / 60)} min ${two(Math.round(value % 60))} s`;
}

function duration(item) {
  if (!item.started_at) return '-';
  const end = item.finished_at ? new Date(item.finished_at) : new Date();
  return seconds((end - new Date(item.started_at)) / 1000);
}

function isFinished(run) {
  return ['success', 'failed', 'cancelled'].includes(run.status);
}

// Runs `action` every `milliseconds` while page `generation` is shown, until it returns false.
function every(generation, milliseconds, action) {
  if (generation !== pageGeneration) return;
  const tick = async () => {
    if (generation !== pageGeneration) return;
    let again = true;
    try {
      again = (await action()) !== false;
    } catch (error) { /* a failed refresh is retried at the next tick */ }
    if (again && generation === pageGeneration) pageTimers.push(setTimeout(tick, milliseconds));
  };
  pageTimers.push(setTimeout(tick, milliseconds));
}

// Replaces the children of `element` with `nodes`, skipping the empty ones (null, false).
function fill(element, ...nodes) {
  element.replaceChildren(...nodes.flat().filter((node) => node !== null && node !== undefined &&
    node !== false));
}

// Shows `nodes` as page `generation`, unless the user has gone to another page meanwhile (a show
// function awaits the API first); returns whether it did.
function render(generation, ...nodes) {
  if (generation !== pageGeneration) return false;
  fill(view, ...nodes);
  return true;
}

function showError(generation, error) {
  render(generation, h('div', { className: 'errorbox' }, error.message || String(error)));
}

async function runNow(job, after) {
  const run = await api('POST', `/jobs/${job.job_id}/run`);
  if (after) after(run);
  return run;
}

async function setActive(job, active) {
  return api('PATCH', `/jobs/${job.job_id}`, { is_active: active });
}

function activeSwitch(job, onChange) {
  const input = h('input', { type: 'checkbox', 'aria-label': `active ${job.job_name}` });
  input.checked = job.is_active;
  input.addEventListener('change', async () => {
    input.disabled = true;
    try {
      const changed = await setActive(job, input.checked);
      Object.assign(job, changed);
      if (onChange) onChange(changed);
    } catch (error) {
      input.checked = !input.checked;
      alert(error.message);
    } finally {
      input.disabled = false;
    }
  });
  return h('label', { className: 'switch', 'data-role': 'active-toggle' }, input,
    h('span', { className: 'track' }), h('span', { className: 'small muted' },
      job.is_active ? 'active' : 'paused'));
}

// ---------------------------------------------------------------- Jobs

// Every job, a page of 1,000 at a time.
async function allJobs() {
  const jobs = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api('GET', `/jobs?limit=1000&offset=${offset}`);
    jobs.push(...page);
    if (page.length < 1000) return jobs;
  }
}

// The jobs with their newest runs: two requests (per 1,000 jobs), however many jobs there are.
async function loadJobsWithLastRun() {
  const [jobs, latest] = await Promise.all([allJobs(), api('GET', '/runs?latest_per_job=true')]);
  const byJob = new Map(latest.map((run) => [run.job_id, run]));
  for (const job of jobs) job.last_run = byJob.get(job.job_id) || null;
  return jobs;
}

function scheduleCell(job) {
  if (!job.schedule || job.schedule.toLowerCase() === '@manual') {
    return h('span', { className: 'muted' }, 'manual only');
  }
  return h('div', {}, job.schedule_description || job.schedule,
    h('div', { className: 'small muted' }, h('code', {}, job.schedule),
      job.timezone !== 'UTC' ? ` (${job.timezone})` : ''));
}

function matchesFilter(job, name, status) {
  if (name && !job.job_name.toLowerCase().includes(name.toLowerCase())) return false;
  if (status === 'all') return true;
  if (status === 'active') return job.is_active;
  if (status === 'paused') return !job.is_active;
  if (status === 'never') return !job.last_run;
  return job.last_run && job.last_run.status === status;
}

async function showJobs() {
  const page = pageGeneration;
  const nameFilter = h('input', { type: 'search', placeholder: 'Filter by name',
    'aria-label': 'Filter by name', id: 'job-filter' });
  const statusFilter = h('select', { 'aria-label': 'Filter by status', id: 'status-filter' },
    ['all', 'active', 'paused', 'success', 'failed', 'running', 'queued', 'never'].map((value) =>
      h('option', { value }, value === 'never' ? 'never run' : value === 'all' ? 'all jobs'
        : ['active', 'paused'].includes(value) ? value : `last run ${value}`)));
  const body = h('tbody');
  const notice = h('div', { className: 'small muted' });
  let jobs = await loadJobsWithLastRun();

  const draw = () => {
    const shown = jobs.filter((job) => matchesFilter(job, nameFilter.value, statusFilter.value));
    fill(body, ...shown.map((job) => h('tr', { 'data-job': job.job_name },
      h('td', {}, h('a', { href: `#/jobs/${job.job_id}` }, job.job_name),
        job.description ? h('div', { className: 'small muted' }, job.description) : null),
      h('td', {}, scheduleCell(job)),
      h('td', {}, timeCell(job.next_run_at)),
      h('td', { 'data-role': 'last-run' }, job.last_run
        ? h('a', { href: `#/runs/${job.last_run.run_id}` }, badge(job.last_run.status), ' ',
          h('span', { className: 'small muted' }, relative(job.last_run.queued_at)))
        : h('span', { className: 'muted' }, 'never run')),
      h('td', {}, activeSwitch(job, draw)),
      h('td', {}, h('button', { onclick: async (event) => {
        event.target.disabled = true;
        try {
          const run = await runNow(job);
          job.last_run = run;
          fill(notice, 'Queued ', h('a', { href: `#/runs/${run.run_id}` },
            `run of ${job.job_name}`), '.');
          draw();
        } catch (error) { alert(error.message); } finally { event.target.disabled = false; }
      } }, 'Run now')))));
    if (shown.length === 0) {
      fill(body, h('tr', {}, h('td', { colspan: 6, className: 'empty' },
        jobs.length ? 'No job matches the filter.' : 'No jobs yet. ',
        jobs.length ? null : h('a', { href: '#/new' }, 'Create one'),
        jobs.length ? null : ' or apply job files with orc apply -f jobs.yaml.')));
    }
  };
  nameFilter.addEventListener('input', draw);
  statusFilter.addEventListener('change', draw);
  draw();
  if (!render(page,
    h('div', { className: 'toolbar' }, h('h1', {}, 'Jobs'), h('span', { className: 'spacer' }),
      nameFilter, statusFilter, h('a', { className: 'button', href: '#/new' }, 'New job')),
    notice,
    h('table', { id: 'jobs' }, h('thead', {}, h('tr', {}, ['Job', 'Schedule', 'Next run',
      'Last run', 'Active', ''].map((title) => h('th', {}, title)))), body))) return;
  every(page, 3000, async () => { jobs = await loadJobsWithLastRun(); draw(); });
}

// ---------------------------------------------------------------- One job

function describeTask(task) {
  if (task.transform_config) {
    const sql = task.transform_config.sql || '';
    return [h('strong', {}, task.task_name), `: SQL transform in ${task.transform_config.db_path}`,
      h('pre', { className: 'small muted' }, sql.length > 400 ? sql.slice(0, 400) + '…' : sql)];
  }
  const source = task.extractor_config || {};
  const target = task.loader_config || {};
  return [h('strong', {}, task.task_name), ': ', h('code', {}, source.type), ' ',
    source.path || source.url || '', ' → ', h('code', {}, target.type), ' ',
    `${target.db_path} · ${target.table_name} (${target.write_mode || 'replace'})`];
}

function runsTable(runs, withJob, jobNames) {
  return h('table', { className: 'runs' },
    h('thead', {}, h('tr', {}, [withJob ? 'Job' : null, 'Run', 'Status', 'Trigger', 'Queued',
      'Duration', 'Rows loaded'].filter(Boolean).map((title) => h('th', {}, title)))),
    h('tbody', {}, runs.length === 0
      ? h('tr', {}, h('td', { colspan: 7, className: 'empty' }, 'No runs yet.'))
      : runs.map((run) => h('tr', { 'data-run': run.run_id },
        withJob ? h('td', {}, h('a', { href: `#/jobs/${run.job_id}` },
          jobNames[run.job_id] || run.job_id.slice(0, 8))) : null,
        h('td', {}, h('a', { href: `#/runs/${run.run_id}` }, h('code', {}, run.run_id.slice(-12)))),
        h('td', {}, badge(run.status)),
        h('td', {}, run.triggered_by),
        h('td', {}, timeCell(run.queued_at)),
        h('td', {}, duration(run)),
        h('td', { className: 'num' }, number(run.rows_loaded))))));
}

// Selects line `line` (1-based) of a textarea, so the error it has is in view.
function selectLine(textarea, line) {
  const lines = textarea.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || '').length);
}

function showDefinitionError(box, textarea, error) {
  const where = error.field ? `${error.field}: ` : '';
  fill(box, h('div', { className: 'errorbox', 'data-role': 'definition-error' },
    where + error.message));
  const line = /^line (\d+):/.exec(error.message || '');
  if (line) selectLine(textarea, Number(line[1]));
}

function definitionEditor(job, onSaved) {
  let format = 'yaml';
  const textarea = h('textarea', { className: 'code', spellcheck: 'false',
    'aria-label': 'Job definition' });
  const errors = h('div');
  const saved = h('span', { className: 'small muted' });
  const tabs = {};
  const load = async (wanted) => {
    format = wanted;
    for (const [name, button] of Object.entries(tabs)) {
      button.classList.toggle('selected', name === format);
    }
    fill(errors);
    textarea.value = format === 'yaml'
      ? await api('GET', `/jobs/${job.job_id}`, undefined, { accept: 'application/yaml' })
      : JSON.stringify(await api('GET', `/jobs/${job.job_id}`), null, 2);
  };
  for (const name of ['yaml', 'json']) {
    tabs[name] = h('button', { type: 'button', onclick: () => load(name) }, name.toUpperCase());
  }
  const save = async () => {
    fill(errors);
    saved.textContent = '';
    try {
      const changed = await api('PUT', `/jobs/${job.job_id}`, textarea.value,
        { contentType: format === 'yaml' ? 'application/yaml' : 'application/json' });
      saved.textContent = 'Saved.';
      onSaved(changed);
    } catch (error) {
      showDefinitionError(errors, textarea, error);
    }
  };
  load('yaml').catch((error) => showDefinitionError(errors, textarea, error));
  return h('div', {}, h('div', { className: 'tabs' }, tabs.yaml, tabs.json), textarea, errors,
    h('div', { className: 'toolbar' }, h('button', { className: 'primary', onclick: save },
      'Save definition'), saved));
}

async function showJob(jobId) {
  const page = pageGeneration;
  let job = await api('GET', `/jobs/${jobId}`);
  const runsBox = h('div');
  const header = h('div');
  const drawHeader = () => fill(header,
    h('div', { className: 'toolbar' }, h('h1', {}, job.job_name), activeSwitch(job, (changed) => {
      job = changed;
      drawHeader();
    }), h('span', { className: 'spacer' }),
    h('button', { className: 'primary', onclick: async () => {
      const run = await runNow(job);
      location.hash = `#/runs/${run.run_id}`;
    } }, 'Run now'),
    h('button', { className: 'danger', onclick: async () => {
      if (!confirm(`Delete job ${job.job_name}? Its runs and logs are deleted too.`)) return;
      try {
        await api('DELETE', `/jobs/${job.job_id}`);
        location.hash = '#/jobs';
      } catch (error) { alert(error.message); }
    } }, 'Delete')),
    job.description ? h('p', { className: 'muted' }, job.description) : null,
    h('div', { className: 'grid' },
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Schedule'),
        h('div', { className: 'value' }, scheduleCell(job))),
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Next run'),
        h('div', { className: 'value' }, job.next_run_at ? localTime(job.next_run_at) : '-')),
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Retries'),
        h('div', { className: 'value' }, `${job.retry.max_attempts} attempts`))),
    h('h2', {}, 'Tasks'),
    h('ol', { className: 'tasks card' }, job.tasks.map((task) => h('li', {}, describeTask(task),
      task.depends_on.length ? h('span', { className: 'small muted' },
        ` (after ${task.depends_on.join(', ')})`) : null))));
  const drawRuns = async () => {
    fill(runsBox, runsTable(await api('GET', `/jobs/${jobId}/runs?limit=20`), false));
  };
  drawHeader();
  await drawRuns();
  if (!render(page, header, h('h2', {}, 'Runs'), runsBox, h('h2', {}, 'Definition'),
    definitionEditor(job, (changed) => { job = changed; drawHeader(); }))) return;
  every(page, 2000, drawRuns);
}

// ---------------------------------------------------------------- Runs

async function jobNames() {
  const names = {};
  for (const job of await allJobs()) names[job.job_id] = job.job_name;
  return names;
}

async function showRuns() {
  const page = pageGeneration;
  const statusFilter = h('select', { 'aria-label': 'Filter by status' },
    ['', 'queued', 'running', 'success', 'failed', 'cancelled'].map((value) =>
      h('option', { value }, value || 'all runs')));
  const box = h('div');
  const names = await jobNames();
  const draw = async () => {
    const query = statusFilter.value ? `&status=${statusFilter.value}` : '';
    fill(box, runsTable(await api('GET', `/runs?limit=100${query}`), true, names));
  };
  statusFilter.addEventListener('change', draw);
  await draw();
  if (!render(page, h('div', { className: 'toolbar' }, h('h1', {}, 'Runs'),
    h('span', { className: 'spacer' }), statusFilter), box)) return;
  every(page, 2000, draw);
}

function progressText(run) {
  const parts = [];
  for (const task of run.task_runs || []) {
    if (task.status !== 'running') continue;
    const rows = Math.max(task.rows_extracted || 0, task.rows_loaded || 0);
    const elapsed = task.started_at ? (Date.now() - new Date(task.started_at)) / 1000 : 0;
    let text = `${task.task_name}: ${number(rows)} rows`;
    if (elapsed > 0.1) text += ` · ${number(Math.round(rows / elapsed))} rows/s`;
    if (task.bytes_read) text += ` · ${number(Math.round(task.bytes_read / 1048576))} MiB read`;
    parts.push(text + ` · ${seconds(elapsed)}`);
  }
  return parts.join('   |   ');
}

function logLine(line) {
  return h('div', { className: line.level },
    h('span', { className: 'time' }, localTime(line.time).slice(11) + ' '),
    `${line.level.padEnd(5)} `, line.task_name ? `[${line.task_name}] ` : '', line.message);
}

async function showRun(runId) {
  const page = pageGeneration;
  let run = await api('GET', `/runs/${runId}`);
  const job = await api('GET', `/jobs/${run.job_id}`).catch(() => null);
  const summary = h('div');
  const log = h('pre', { className: 'log', id: 'run-log', 'aria-label': 'Run log' });
  let lastLine = 0;

  const drawSummary = () => fill(summary,
    h('div', { className: 'toolbar' },
      h('h1', {}, 'Run ', h('code', {}, run.run_id.slice(-12))), badge(run.status),
      job ? h('span', {}, 'of ', h('a', { href: `#/jobs/${job.job_id}` }, job.job_name)) : null,
      h('span', { className: 'spacer' }),
      isFinished(run) ? (job ? h('button', { onclick: async () => {
        const again = await runNow(job);
        location.hash = `#/runs/${again.run_id}`;
      } }, 'Run again') : null)
        : h('button', { className: 'danger', disabled: run.cancel_requested, onclick: async () => {
          try { run = await api('POST', `/runs/${run.run_id}/cancel`); drawSummary(); }
          catch (error) { alert(error.message); }
        } }, run.cancel_requested ? 'Cancelling…' : 'Cancel')),
    isFinished(run) ? null : h('div', { className: 'progress', 'data-role': 'progress' },
      progressText(run) || (run.status === 'queued' ? 'waiting for a worker' : 'starting')),
    run.error_message ? h('div', { className: 'errorbox' }, run.error_message) : null,
    h('div', { className: 'grid' }, [
      ['Trigger', run.triggered_by], ['Queued', localTime(run.queued_at)],
      ['Started', localTime(run.started_at)], ['Finished', localTime(run.finished_at)],
      ['Duration', duration(run)], ['Rows extracted', number(run.rows_extracted)],
      ['Rows loaded', number(run.rows_loaded)], ['Attempt', run.attempt]]
      .map(([label, value]) => h('div', { className: 'card' },
        h('div', { className: 'label' }, label), h('div', { className: 'value' }, value)))),
    h('h2', {}, 'Tasks'),
    h('table', { id: 'task-runs' }, h('thead', {}, h('tr', {}, ['Task', 'Status', 'Attempts',
      'Rows extracted', 'Rows loaded', 'Started', 'Duration', 'Errors']
      .map((title) => h('th', {}, title)))),
    h('tbody', {}, (run.task_runs || []).map((task) => h('tr', {},
      h('td', {}, task.task_name), h('td', {}, badge(task.status)),
      h('td', { className: 'num' }, task.attempts),
      h('td', { className: 'num' }, number(task.rows_extracted)),
      h('td', { className: 'num' }, number(task.rows_loaded)),
      h('td', {}, localTime(task.started_at)), h('td', {}, duration(task)),
      h('td', {}, (task.errors || []).map((error, i) =>
        h('div', { className: 'error' }, `attempt ${i + 1}: ${error}`))))))));

  const appendLog = async () => {
    while (true) {
      const lines = await api('GET', `/runs/${runId}/logs?after=${lastLine}&limit=1000`);
      if (lines.length === 0) return;
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.append(...lines.map(logLine));
      lastLine = lines[lines.length - 1].line;
      if (atBottom) log.scrollTop = log.scrollHeight;
      if (lines.length < 1000) return;
    }
  };
  drawSummary();
  await appendLog();
  if (!render(page, summary, h('h2', {}, 'Log'), log) || isFinished(run)) return;
  every(page, 1000, async () => {
    // The run before its log: a run seen finished has written every line the log then returns.
    run = await api('GET', `/runs/${runId}`);
    await appendLog();
    drawSummary();
    return !isFinished(run);
  });
}

// ---------------------------------------------------------------- New job

function field(label, name, input, help) {
  input.setAttribute('data-field', name);
  input.id = 'f-' + name.replace(/[^a-z0-9]/gi, '-');
  return h('div', { className: 'row' }, h('label', { for: input.id }, label),
    h('div', {}, input, help || null, h('div', { className: 'error', 'data-error-for': name })));
}

function showFieldError(form, error) {
  form.querySelectorAll('.error').forEach((box) => { box.textContent = ''; });
  const general = form.querySelector('[data-role=form-error]');
  fill(general);
  let target = null;
  if (error.field) {
    // The nearest field the form has: "tasks[0].extractor_config.path" or one of its parents.
    let name = error.field;
    while (name && !target) {
      target = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      name = name.replace(/(\.[^.[]*|\[\d+\])$/, '');
    }
  }
  if (target) {
    target.textContent = error.message;
    const input = form.querySelector(`[data-field="${CSS.escape(target.dataset.errorFor)}"]`);
    if (input) input.focus();
  } else {
    fill(general, h('div', { className: 'errorbox' }, error.message));
  }
}

function schedulePreview(scheduleInput, zoneInput) {
  const box = h('div', { className: 'preview', 'data-role': 'schedule-preview' });
  let pending = null;
  const update = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const schedule = scheduleInput.value.trim();
      if (!schedule || schedule.toLowerCase() === '@manual') {
        box.textContent = 'Manual only: runs when triggered.';
        return;
      }
      try {
        const preview = await api('GET', `/cron/preview?count=5&schedule=${encodeURIComponent(schedule)}` +
          `&timezone=${encodeURIComponent(zoneInput.value.trim() || 'UTC')}`);
        fill(box, 'Next: ', preview.fire_times.map(localTime).join(', '),
          ' (your local time)');
      } catch (error) {
        fill(box, h('span', { className: 'error' }, error.message));
      }
    }, 250);
  };
  scheduleInput.addEventListener('input', update);
  zoneInput.addEventListener('input', update);
  update();
  return box;
}

function jobFromForm(values) {
  const source = { type: values.source_type };
  source[values.source_type === 'api' ? 'url' : 'path'] = values.source;
  if (values.source_type === 'api' && values.records_path) source.records_path = values.records_path;
  const loader = { type: 'duckdb', db_path: values.db_path, table_name: values.table_name,
    write_mode: values.write_mode };
  if (values.write_mode === 'merge') {
    loader.primary_key = values.primary_key.split(',').map((key) => key.trim()).filter(Boolean);
  }
  // A field left empty is left out, so the server says "is required" rather than "invalid".
  for (const config of [source, loader]) {
    for (const [key, value] of Object.entries(config)) if (value === '') delete config[key];
  }
  const tasks = [{ task_name: 'load', extractor_config: source, loader_config: loader }];
  if (values.sql.trim()) {
    tasks.push({ task_name: 'transform', depends_on: ['load'],
      transform_config: { type: 'sql', db_path: values.db_path, sql: values.sql } });
  }
  const job = { job_name: values.job_name, description: values.description,
    timezone: values.timezone || 'UTC', is_active: values.is_active, tasks };
  job.schedule = values.schedule.trim() ? values.schedule.trim() : null;
  return job;
}

function jobForm() {
  const inputs = {
    job_name: h('input', { type: 'text', required: true, placeholder: 'orders_daily' }),
    description: h('input', { type: 'text' }),
    schedule: h('input', { type: 'text', placeholder: '0 6 * * *  (empty: manual only)' }),
    timezone: h('input', { type: 'text', value: 'UTC' }),
    is_active: h('input', { type: 'checkbox', checked: true }),
    source_type: h('select', {}, ['csv', 'parquet', 'json', 'api'].map((type) =>
      h('option', { value: type }, type))),
    source: h('input', { type: 'text', placeholder: 'data/orders.csv or https://…' }),
    records_path: h('input', { type: 'text', placeholder: 'data.items (API only)' }),
    db_path: h('input', { type: 'text', value: 'warehouse.duckdb' }),
    table_name: h('input', { type: 'text', placeholder: 'orders' }),
    write_mode: h('select', {}, ['replace', 'append', 'merge'].map((mode) =>
      h('option', { value: mode }, mode))),
    primary_key: h('input', { type: 'text', placeholder: 'id (merge only)' }),
    sql: h('textarea', { className: 'code', rows: 5, style: 'min-height: 100px',
      placeholder: 'CREATE OR REPLACE TABLE daily AS SELECT … FROM orders' }),
  };
  const sourceField = field('Path or URL', 'tasks[0].extractor_config.path', inputs.source);
  inputs.source_type.addEventListener('change', () => {
    const key = inputs.source_type.value === 'api' ? 'url' : 'path';
    inputs.source.setAttribute('data-field', `tasks[0].extractor_config.${key}`);
    sourceField.querySelector('.error').setAttribute('data-error-for',
      `tasks[0].extractor_config.${key}`);
  });
  const form = h('form', { className: 'job', id: 'job-form', novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Job'),
      field('Name', 'job_name', inputs.job_name),
      field('Description', 'description', inputs.description),
      field('Schedule (cron)', 'schedule', inputs.schedule,
        schedulePreview(inputs.schedule, inputs.timezone)),
      field('Time zone', 'timezone', inputs.timezone),
      field('Active', 'is_active', inputs.is_active)),
    h('fieldset', {}, h('legend', {}, 'Extract and load'),
      field('Source type', 'tasks[0].extractor_config.type', inputs.source_type),
      sourceField,
      field('Records path', 'tasks[0].extractor_config.records_path', inputs.records_path),
      field('DuckDB file', 'tasks[0].loader_config.db_path', inputs.db_path),
      field('Table', 'tasks[0].loader_config.table_name', inputs.table_name),
      field('Write mode', 'tasks[0].loader_config.write_mode', inputs.write_mode),
      field('Primary key', 'tasks[0].loader_config.primary_key', inputs.primary_key)),
    h('fieldset', {}, h('legend', {}, 'Transform (optional)'),
      field('SQL after the load', 'tasks[1].transform_config.sql', inputs.sql)),
    h('div', { 'data-role': 'form-error' }),
    h('button', { type: 'submit', className: 'primary' }, 'Create job'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = {};
    for (const [name, input] of Object.entries(inputs)) {
      values[name] = input.type === 'checkbox' ? input.checked : input.value;
    }
    try {
      const job = await api('POST', '/jobs', jobFromForm(values));
      location.hash = `#/jobs/${job.job_id}`;
    } catch (error) {
      showFieldError(form, error);
    }
  });
  return form;
}

function pasteForm() {
  const textarea = h('textarea', { className: 'code', spellcheck: 'false',
    'aria-label': 'Job definition (JSON or YAML)',
    placeholder: 'job_name: orders\nschedule: "0 6 * * *"\ntasks:\n  - extractor_config: {type: csv, path: data/orders.csv}\n    loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: orders}\n' });
  const errors = h('div');
  const create = async () => {
    fill(errors);
    const text = textarea.value.trim();
    const isJson = text.startsWith('{');
    try {
      const job = await api('POST', '/jobs', text,
        { contentType: isJson ? 'application/json' : 'application/yaml' });
      location.hash = `#/jobs/${job.job_id}`;
    } catch (error) {
      showDefinitionError(errors, textarea, error);
    }
  };
  return h('div', {}, textarea, errors,
    h('button', { className: 'primary', onclick: create }, 'Create job'));
}

async function showNew() {
  const page = pageGeneration;
  const body = h('div');
  const tabs = {};
  const pick = (name) => {
    for (const [key, button] of Object.entries(tabs)) button.classList.toggle('selected', key === name);
    fill(body, name === 'form' ? jobForm() : pasteForm());
  };
  tabs.form = h('button', { type: 'button', onclick: () => pick('form') }, 'Form');
  tabs.paste = h('button', { type: 'button', onclick: () => pick('paste') }, 'Paste JSON / YAML');
  render(page, h('h1', {}, 'New job'), h('div', { className: 'tabs' }, tabs.form, tabs.paste), body);
  pick('form');
}

// ---------------------------------------------------------------- Routing

const routes = [
  [/^#\/jobs\/?$/, showJobs, 'jobs'],
  [/^#\/jobs\/([0-9a-f-]+)$/, showJob, 'jobs'],
  [/^#\/runs\/?$/, showRuns, 'runs'],
  [/^#\/runs\/([0-9a-f-]+)$/, showRun, 'runs'],
  [/^#\/new$/, showNew, 'new'],
];

function stopTimers() {
  pageGeneration++;
  pageTimers.forEach(clearTimeout);
  pageTimers = [];
}

async function route() {
  stopTimers();
  const hash = location.hash || '#/jobs';
  for (const [pattern, show, section] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    document.querySelectorAll('[data-nav]').forEach((link) =>
      link.classList.toggle('active', link.dataset.nav === section));
    const page = pageGeneration;
    try {
      await show(...match.slice(1));
    } catch (error) {
      showError(page, error);
    }
    return;
  }
  location.hash = '#/jobs';
}

window.addEventListener('hashchange', route);
route();
