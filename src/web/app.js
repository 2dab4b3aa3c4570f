// orc's dashboard: one page, no dependencies, talking to the same REST API as the CLI.
// Views: #/jobs, #/jobs/{id}, #/runs (?job=&status=&page=), #/runs/{id}, #/nodes, #/new. Pages
// that show live state poll the API while they are open; leaving a page stops its timers. List
// pages read one page of the API's list at a time (never every job or run), and make no request
// per row. A job's page reads the task runs of its 25 newest runs for its graph and history grid:
// GET /runs/{id}, four at a time, each finished run once (runDetails), so a refresh asks only for
// runs still going. Absolute times are shown in the browser's zone and say so ("2026-11-30
// 06:30:00 CET"). Everything the server sends (job and task names, parameters, URLs, messages,
// node ids and hosts) is inserted as text (h(), textContent), never parsed as HTML.
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
// parsed body (text for YAML), or {items, total, capped} with options.withTotal (total from
// X-Total-Count; capped when X-Total-Count-Capped says more match than were counted).
// Throws ApiError with the server's message and field.
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
  const parsed = text ? JSON.parse(text) : null;
  if (!options.withTotal) return parsed;
  const total = Number(response.headers.get('X-Total-Count'));
  return { items: parsed, total: Number.isFinite(total) ? total : parsed.length,
    capped: response.headers.get('X-Total-Count-Capped') === 'true' };
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

const zoneFormats = new Map();

// A formatter for time zone `timeZone` (the browser's when empty); one per zone, reused.
function zoneFormat(timeZone) {
  const key = timeZone || '';
  if (!zoneFormats.has(key)) {
    // The browser's locale names the zone as its user knows it ("CET" in en-GB, "MEZ" in de).
    const options = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
      minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
      numberingSystem: 'latn' };
    try {
      zoneFormats.set(key, new Intl.DateTimeFormat(undefined, { ...options, timeZone: key || undefined }));
    } catch (error) {
      zoneFormats.set(key, new Intl.DateTimeFormat(undefined, options));  // an unknown zone name
    }
  }
  return zoneFormats.get(key);
}

// {date: '2026-11-30', time: '06:30:00', zone: 'CET'}: instant `iso` in `timeZone` (default: the
// browser's).
function zonedParts(iso, timeZone) {
  const parts = {};
  for (const part of zoneFormat(timeZone).formatToParts(new Date(iso))) parts[part.type] = part.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`, zone: parts.timeZoneName };
}

// "2026-11-30 06:30:00 CET": every absolute time shown says its zone.
function localTime(iso, timeZone) {
  if (!iso) return '-';
  const parts = zonedParts(iso, timeZone);
  return `${parts.date} ${parts.time} ${parts.zone}`;
}

// "2026-11-30 06:30 CET", for tight places.
function shortTime(iso, timeZone) {
  if (!iso) return '-';
  const parts = zonedParts(iso, timeZone);
  return `${parts.date} ${parts.time.slice(0, 5)} ${parts.zone}`;
}

// The browser's zone as the page shows it ("CET"), for headings over columns of bare clock times.
function browserZone() {
  return zonedParts(new Date().toISOString()).zone;
}

function relative(iso) {
  if (!iso) return '-';
  const seconds = Math.round((new Date(iso) - Date.now()) / 1000);
  const size = Math.abs(seconds);
  const text = size < 60 ? `${size}s` : size < 3600 ? `${Math.round(size / 60)} min`
    : size < 172800 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86400)} days`;
  // Within half a second of now is "0s ago": a heartbeat that just came is past, not to come.
  return seconds > 0 ? `in ${text}` : `${text} ago`;
}

// "3 min ago", with the absolute time (and, when `timeZone` differs, the time there) as its title.
function timeCell(iso, timeZone) {
  if (!iso) return h('span', {}, '-');
  let title = localTime(iso);
  if (timeZone && localTime(iso, timeZone) !== title) title += ` · ${localTime(iso, timeZone)} (${timeZone})`;
  return h('time', { datetime: iso, title }, relative(iso));
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

// An action for every() that runs every time while `busy()` says something on the page is still
// going, else only every `idleMilliseconds`: a page of finished runs asks the server less often.
function whileBusy(busy, idleMilliseconds, action) {
  let last = Date.now();
  return async () => {
    if (!busy() && Date.now() - last < idleMilliseconds) return true;
    last = Date.now();
    return action();
  };
}

const isGoing = (run) => !isFinished(run);

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
  if (status === 'never') return job.last_run === null;
  return job.last_run && job.last_run.status === status;
}

// One page of jobs (the server filters active or paused).
async function loadJobPage(pageNumber, pageSize, status) {
  const active = status === 'active' ? '&is_active=true' : status === 'paused' ? '&is_active=false' : '';
  const listed = await api('GET', `/jobs?limit=${pageSize}&offset=${(pageNumber - 1) * pageSize}` +
    active, undefined, { withTotal: true });
  for (const job of listed.items) rememberJobName(job);
  return listed;
}

// Sets each job's last_run (null: never run) from one request for the page, whose answer does
// not grow with the number of jobs; none per job.
async function readLastRuns(jobs) {
  if (jobs.length === 0) return;
  const latest = await api('GET',
    `/runs?latest_per_job=true&job_ids=${jobs.map((job) => job.job_id).join(',')}`);
  const byJob = new Map(latest.map((run) => [run.job_id, run]));
  for (const job of jobs) job.last_run = byJob.get(job.job_id) || null;
}

async function showJobs() {
  const page = pageGeneration;
  const pageSize = 100;
  let pageNumber = 1;
  const nameFilter = h('input', { type: 'search', placeholder: 'Filter by name',
    title: 'Filters the jobs of this page', 'aria-label': 'Filter by name', id: 'job-filter' });
  const statusFilter = h('select', { 'aria-label': 'Filter by status', id: 'status-filter' },
    ['all', 'active', 'paused', 'success', 'failed', 'running', 'queued', 'never'].map((value) =>
      h('option', { value }, value === 'never' ? 'never run' : value === 'all' ? 'all jobs'
        : ['active', 'paused'].includes(value) ? value : `last run ${value}`)));
  const body = h('tbody');
  const notice = h('div', { className: 'small muted' });
  const pagerBox = h('div');
  let jobs = [];
  let total = 0;

  const draw = () => {
    const shown = jobs.filter((job) => matchesFilter(job, nameFilter.value, statusFilter.value));
    fill(body, ...shown.map((job) => h('tr', { 'data-job': job.job_name },
      h('td', {}, h('a', { href: `#/jobs/${job.job_id}` }, job.job_name),
        job.description ? h('div', { className: 'small muted' }, job.description) : null),
      h('td', {}, scheduleCell(job)),
      h('td', {}, timeCell(job.next_run_at, job.timezone)),
      h('td', { 'data-role': 'last-run' }, job.last_run
        ? h('a', { href: `#/runs/${job.last_run.run_id}` }, badge(job.last_run.status), ' ',
          h('span', { className: 'small muted', title: localTime(job.last_run.queued_at) },
            relative(job.last_run.queued_at)))
        : h('span', { className: 'muted' }, job.last_run === null ? 'never run' : '…')),
      h('td', {}, activeSwitch(job, draw)),
      h('td', {}, declaresParams(job)
        // A job with parameters is run from the form on its page.
        ? h('a', { className: 'button', href: `#/jobs/${job.job_id}?run` }, 'Run now…')
        : h('button', { onclick: async (event) => {
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
      const none = total === 0 && statusFilter.value === 'all';
      fill(body, h('tr', {}, h('td', { colspan: 6, className: 'empty' },
        none ? 'No jobs yet. ' : 'No job on this page matches the filter.',
        none ? h('a', { href: '#/new' }, 'Create one') : null,
        none ? ' or apply job files with orc apply -f jobs.yaml.' : null)));
    }
    fill(pagerBox, total > pageSize || pageNumber > 1
      ? pager(pageNumber, pageSize, jobs.length, total, async (wanted) => {
        pageNumber = wanted;
        await load();
      }) : null);
  };
  // The jobs are drawn as soon as they arrive, their last runs (a slower question for the server
  // with many jobs) when those do; a job keeps the last run it showed until then.
  const readJobs = async () => {
    const shown = new Map(jobs.map((job) => [job.job_id, job.last_run]));
    const listed = await loadJobPage(pageNumber, pageSize, statusFilter.value);
    for (const job of listed.items) job.last_run = shown.get(job.job_id);
    ({ items: jobs, total } = listed);
    draw();
  };
  const load = async () => {
    await readJobs();
    const reading = jobs;
    await readLastRuns(reading);
    if (reading === jobs) draw();
  };
  nameFilter.addEventListener('input', draw);
  statusFilter.addEventListener('change', async () => {
    pageNumber = 1;
    await load();
  });
  await readJobs();
  readLastRuns(jobs).then(draw).catch(() => { /* the next refresh tries again */ });
  if (!render(page,
    h('div', { className: 'toolbar' }, h('h1', {}, 'Jobs'), h('span', { className: 'spacer' }),
      nameFilter, statusFilter, h('a', { className: 'button', href: '#/new' }, 'New job')),
    notice,
    h('table', { id: 'jobs' }, h('thead', {}, h('tr', {}, ['Job', 'Schedule', 'Next run',
      'Last run', 'Active', ''].map((title) => h('th', {}, title)))), body), pagerBox)) return;
  every(page, 3000, load);
}

// ---------------------------------------------------------------- Graph, history grid, timeline

const SVG = 'http://www.w3.org/2000/svg';

// svg('rect', {x: 1}): an SVG element, as h() makes HTML ones.
function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name === 'className' ? 'class' : name, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function clip(text, length) {
  return text.length > length ? text.slice(0, length - 1) + '…' : text;
}

// The tasks in layers, left to right: a task sits one layer after its deepest dependency (longest
// path), found iteratively (Kahn's order), so no graph can overflow the stack. A cycle (which the
// server refuses) or a dependency on an unknown task cannot hang it: such tasks go last. Within a
// layer tasks are ordered by the mean position of their dependencies (one barycenter pass), which
// keeps most edges from crossing. Returns {layers: [[task index]], layer: [its layer],
// row: [its position in its layer], parents: [[task index]]}.
function dagLayers(tasks) {
  const index = new Map(tasks.map((task, i) => [task.task_name, i]));
  const parents = tasks.map((task) => (task.depends_on || []).map((name) => index.get(name))
    .filter((i) => i !== undefined));
  const children = tasks.map(() => []);
  parents.forEach((list, child) => list.forEach((parent) => children[parent].push(child)));
  const waiting = parents.map((list) => list.length);
  const layer = tasks.map(() => 0);
  const queue = [];
  waiting.forEach((count, i) => { if (count === 0) queue.push(i); });
  for (let head = 0; head < queue.length; head++) {
    const parent = queue[head];
    for (const child of children[parent]) {
      layer[child] = Math.max(layer[child], layer[parent] + 1);
      if (--waiting[child] === 0) queue.push(child);
    }
  }
  const deepest = layer.reduce((most, value) => Math.max(most, value), 0);
  waiting.forEach((count, i) => { if (count > 0) layer[i] = deepest + 1; });
  const layers = [];
  for (let i = 0; i < tasks.length; i++) {
    while (layers.length <= layer[i]) layers.push([]);
    layers[layer[i]].push(i);
  }
  const row = tasks.map(() => 0);
  for (const members of layers) {
    const weight = (i) => (parents[i].length
      ? parents[i].reduce((sum, parent) => sum + row[parent], 0) / parents[i].length : 0);
    members.sort((a, b) => weight(a) - weight(b) || a - b);
    members.forEach((i, position) => { row[i] = position; });
  }
  return { layers, layer, row, parents };
}

// The job's tasks as a DAG: a box per task coloured by its state in `latest` (a run with its task
// runs, or null), an arrow per depends_on edge.
function dagView(tasks, latest) {
  const width = 168;
  const height = 36;
  const gapX = 56;
  const gapY = 14;
  const pad = 8;
  const { layers, layer, row, parents } = dagLayers(tasks);
  const tallest = layers.reduce((most, members) => Math.max(most, members.length), 1);
  const states = new Map(((latest && latest.task_runs) || []).map((task) => [task.task_name, task]));
  const position = (i) => {
    const offset = (tallest - layers[layer[i]].length) * (height + gapY) / 2;
    return { x: pad + layer[i] * (width + gapX), y: pad + offset + row[i] * (height + gapY) };
  };
  const places = tasks.map((_, i) => position(i));
  const edges = [];
  parents.forEach((list, child) => list.forEach((parent) => {
    const from = places[parent];
    const to = places[child];
    const x1 = from.x + width;
    const y1 = from.y + height / 2;
    const x2 = to.x - 4;
    const y2 = to.y + height / 2;
    const middle = (x1 + x2) / 2;
    edges.push(svg('path', { className: 'edge', 'data-edge': `${tasks[parent].task_name}>${tasks[child].task_name}`,
      d: `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`, 'marker-end': 'url(#dag-arrow)' }));
  }));
  const nodes = tasks.map((task, i) => {
    const state = states.get(task.task_name);
    const status = state ? state.status : 'none';
    const kind = task.transform_config ? 'sql transform'
      : `${(task.extractor_config || {}).type} → ${(task.loader_config || {}).type}`;
    const node = svg('g', { className: `node st-${status}`, 'data-task': task.task_name,
      'data-status': status, transform: `translate(${places[i].x},${places[i].y})` },
    svg('title', {}, `${task.task_name}: ${state ? `${status}, ${state.attempts} attempt(s)` : 'no run yet'}`),
    svg('rect', { width, height, rx: 6 }),
    svg('rect', { className: 'state', width: 6, height, rx: 3 }),
    svg('text', { x: 14, y: 15 }, clip(task.task_name, 22)),
    svg('text', { x: 14, y: 29, className: 'kind' }, clip(`${kind} · ${status === 'none' ? 'no run' : status}`, 26)));
    return latest ? svg('a', { href: `#/runs/${latest.run_id}` }, node) : node;
  });
  const totalWidth = pad * 2 + layers.length * width + (layers.length - 1) * gapX;
  const totalHeight = pad * 2 + tallest * height + (tallest - 1) * gapY;
  return h('div', { className: 'dag card' }, svg('svg', { id: 'job-graph', width: totalWidth,
    height: totalHeight, viewBox: `0 0 ${totalWidth} ${totalHeight}`, role: 'img',
    'aria-label': `Task graph of ${tasks.length} tasks` },
  svg('defs', {}, svg('marker', { id: 'dag-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4,
    markerWidth: 8, markerHeight: 8, orient: 'auto' }, svg('path', { d: 'M0,0 L8,4 L0,8 z' }))),
  edges, nodes),
  latest ? h('div', { className: 'small muted' }, 'Coloured by the latest run, ',
    h('a', { href: `#/runs/${latest.run_id}` }, shortTime(latest.queued_at)), '.') : null);
}

const runDetails = new Map();  // run_id → a finished run with its task runs (they never change)
const maxRunDetails = 500;

// The runs with their task runs, at most `concurrency` requests at once; a finished run is read
// once and kept, so a page that polls asks again only for runs still going.
async function withTaskRuns(runs, concurrency = 4) {
  const result = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      const run = runs[i];
      let detail = runDetails.get(run.run_id);
      if (!detail) {
        detail = await api('GET', `/runs/${run.run_id}`).catch(() => ({ ...run, task_runs: [] }));
        if (isFinished(detail)) {
          if (runDetails.size >= maxRunDetails) runDetails.delete(runDetails.keys().next().value);
          runDetails.set(run.run_id, detail);
        }
      }
      result[i] = detail;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  return result;
}

const triggerLetter = { manual: 'M', scheduler: 'S', backfill: 'B' };

// The instant a run stands for: its slot, or (a manual run has none) when it was queued.
function runInstant(run) {
  return Date.parse(run.scheduled_for || run.queued_at);
}

// Airflow's grid: a column per run, in the order of their slots (a manual run at its queueing
// time; a backfill's runs are created in any order), a row per task, each cell its state there.
function historyGrid(job, runs) {
  const columns = runs.slice().sort((a, b) => runInstant(a) - runInstant(b) ||
    (a.run_id < b.run_id ? -1 : 1));
  const names = job.tasks.map((task) => task.task_name);
  for (const run of columns) {
    for (const task of run.task_runs || []) if (!names.includes(task.task_name)) names.push(task.task_name);
  }
  if (columns.length === 0) return h('div', { className: 'card empty' }, 'No runs yet.');
  const head = columns.map((run) => {
    const slot = run.scheduled_for ? zonedParts(run.scheduled_for) : null;
    return h('th', { className: 'run-head', 'data-run': run.run_id,
      title: `${run.status} · ${run.triggered_by} · slot ${run.scheduled_for ? localTime(run.scheduled_for) : 'none'}` +
        ` · queued ${localTime(run.queued_at)}` + (run.interval_start ? ` · ${intervalText(run)}` : '') +
        (run.retry_of ? ' · a retry' : '') },
    h('a', { href: `#/runs/${run.run_id}` },
      h('div', { className: `bar st-${run.status}`, 'data-status': run.status }),
      h('div', { className: 'slot' }, slot ? slot.date.slice(5) : '—'),
      h('div', { className: 'slot' }, slot ? slot.time.slice(0, 5) : 'no slot'),
      h('div', { className: `trigger ${run.triggered_by}`, 'data-trigger': run.triggered_by },
        triggerLetter[run.triggered_by] || '?')));
  });
  const rows = names.map((name) => h('tr', { 'data-task': name },
    h('th', { className: 'task' }, name),
    columns.map((run) => {
      const task = (run.task_runs || []).find((item) => item.task_name === name);
      const status = task ? task.status : 'none';
      return h('td', {}, h('a', { href: `#/runs/${run.run_id}`, className: `cell st-${status}`,
        'data-status': status,
        title: `${name} · ${status}${task ? ` · ${task.attempts} attempt(s) · ${duration(task)}` : ''}` +
          ` · run queued ${localTime(run.queued_at)}` }));
    })));
  return h('div', { className: 'history card' },
    h('table', { id: 'history-grid' }, h('thead', {}, h('tr', {},
      h('th', { className: 'task small muted' }, `slot (${browserZone()}), trigger`), head)),
    h('tbody', {}, rows)),
    h('div', { className: 'small muted legend' }, 'Trigger: M manual · S scheduler · B backfill. ',
      ['success', 'failed', 'upstream_failed', 'running', 'pending', 'cancelled', 'skipped'].map((status) =>
        h('span', {}, h('span', { className: `swatch st-${status}` }), status, ' '))));
}

// The attempts of task run `task` and the waits between them. The API keeps a task's first start
// and last end; a retry's end and delay come from its log line ("attempt 1 failed: …; retrying in
// 1.000 s"). Times are milliseconds; `now` ends what is still going.
function taskAttempts(task, logLines, now) {
  const attempts = [];
  const waits = [];
  if (!task.started_at) return { attempts, waits };
  let start = Date.parse(task.started_at);
  for (const line of logLines) {
    if (line.task_name !== task.task_name) continue;
    const retry = /^attempt (\d+) failed: [\s\S]*; retrying in ([\d.]+) s$/.exec(line.message);
    if (!retry) continue;
    const failedAt = Date.parse(line.time);
    attempts.push({ number: Number(retry[1]), start, end: failedAt, status: 'failed' });
    start = failedAt + Number(retry[2]) * 1000;
    waits.push({ start: failedAt, end: Math.min(start, now) });
  }
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  const waitingForRetry = task.status === 'pending' && !task.finished_at;
  if (!waitingForRetry) {
    attempts.push({ number: attempts.length + 1, start: Math.min(start, end), end,
      status: task.status });
  }
  return { attempts, waits };
}

// A step for the time axis: about five ticks over `span` milliseconds.
function tickStep(span) {
  const steps = [100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5,
    36e5, 72e5, 216e5, 432e5, 864e5];
  return steps.find((step) => span / step <= 6) || Math.ceil(span / 6 / 864e5) * 864e5;
}

function offsetText(milliseconds) {
  if (milliseconds < 60e3) return `+${Number((milliseconds / 1000).toFixed(1))} s`;
  if (milliseconds < 36e5) return `+${Number((milliseconds / 60e3).toFixed(1))} min`;
  return `+${Number((milliseconds / 36e5).toFixed(1))} h`;
}

// The run as a Gantt chart: a row for its time in the queue, a row per task with its attempts
// (coloured by outcome) and the waits before retries (hatched), on one time axis from the run's
// queueing to its end (or now).
function timelineView(run, logLines) {
  const now = Date.now();
  const origin = Date.parse(run.queued_at);
  const end = Math.max(run.finished_at ? Date.parse(run.finished_at) : now, origin + 1);
  const span = end - origin;
  const place = (from, to) => {
    const left = Math.max(0, Math.min(100, (from - origin) / span * 100));
    const width = Math.max(0.4, Math.min(100 - left, (to - from) / span * 100));
    return `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%`;
  };
  const bar = (className, from, to, title, attributes = {}) => h('div', { className: `bar ${className}`,
    style: place(from, to), title: `${title}: ${seconds((to - from) / 1000)}`, ...attributes });
  const ticks = [];
  const step = tickStep(span);
  for (let at = 0; at <= span; at += step) {
    ticks.push(h('span', { className: 'tick', style: `left:${(at / span * 100).toFixed(3)}%` },
      offsetText(at)));
  }
  const started = run.started_at ? Date.parse(run.started_at) : (isFinished(run) ? end : now);
  const rows = [h('div', { className: 'gantt-row', 'data-task': '' },
    h('div', { className: 'label' }, h('span', { className: 'muted' }, 'queued'),
      h('span', { className: 'small muted' }, seconds((started - origin) / 1000))),
    h('div', { className: 'track' }, bar('queued', origin, started, 'waiting for a worker')))];
  for (const task of run.task_runs || []) {
    const { attempts, waits } = taskAttempts(task, logLines, now);
    const first = task.started_at ? Date.parse(task.started_at) : null;
    const last = attempts.length ? attempts[attempts.length - 1].end : first;
    rows.push(h('div', { className: 'gantt-row', 'data-task': task.task_name,
      'data-status': task.status },
    h('div', { className: 'label' }, h('span', {}, task.task_name),
      h('span', { className: 'small muted' }, first ? seconds((last - first) / 1000) : task.status)),
    h('div', { className: 'track' },
      first && first > started ? bar('idle', started, first, 'waiting for upstream tasks') : null,
      waits.map((wait) => bar('wait', wait.start, wait.end, 'waiting to retry')),
      attempts.map((attempt) => bar(`attempt st-${attempt.status}`, attempt.start, attempt.end,
        `attempt ${attempt.number} ${attempt.status}`, { 'data-attempt': attempt.number,
          'data-status': attempt.status })))));
  }
  return h('div', { className: 'gantt card', id: 'timeline' },
    h('div', { className: 'gantt-row axis' }, h('div', { className: 'label small muted' },
      `from ${shortTime(run.queued_at)}`), h('div', { className: 'track' }, ticks)),
    rows,
    h('div', { className: 'small muted legend' },
      h('span', {}, h('span', { className: 'swatch queued' }), 'queued '),
      h('span', {}, h('span', { className: 'swatch idle' }), 'waiting for upstream '),
      h('span', {}, h('span', { className: 'swatch wait' }), 'waiting to retry '),
      h('span', {}, h('span', { className: 'swatch st-success' }), 'attempt (coloured by outcome)')));
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

// "2026-11-30 06:30:00 CET" and, when the job's zone shows another time, the time there too.
function nextRunView(job) {
  if (!job.next_run_at) return '-';
  const here = localTime(job.next_run_at);
  const there = localTime(job.next_run_at, job.timezone);
  return h('div', { 'data-role': 'next-run' }, h('time', { datetime: job.next_run_at,
    title: relative(job.next_run_at) }, here),
  h('div', { className: 'small muted' }, relative(job.next_run_at),
    there !== here ? ` · ${there} in the job's zone (${job.timezone})` : ''));
}

// "2026-11-29T06:30": a datetime-local input's value for `date` in the browser's zone.
function inputTime(date) {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T` +
    `${two(date.getHours())}:${two(date.getMinutes())}`;
}

// A range (in the browser's zone), the slots the job's schedule has in it (GET /cron/preview from
// the range's start, so the preview is the server's own cron), then POST /jobs/{id}/backfill.
function backfillForm(job, onQueued) {
  const maxSlots = 1000;  // the backfill route's limit, and /cron/preview's largest count
  const now = new Date();
  const start = h('input', { type: 'datetime-local', id: 'backfill-start',
    value: inputTime(new Date(now - 36e5)) });
  const end = h('input', { type: 'datetime-local', id: 'backfill-end', value: inputTime(now) });
  const preview = h('div', { className: 'preview', 'data-role': 'backfill-preview' });
  const result = h('div', { 'data-role': 'backfill-result' });
  const submit = h('button', { type: 'button', className: 'primary', disabled: true }, 'Backfill');
  let asked = 0;
  let pending = null;
  let range = null;
  const update = async () => {
    const question = ++asked;
    range = null;
    submit.disabled = true;
    submit.textContent = 'Backfill';
    const from = new Date(start.value);
    const to = new Date(end.value);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      fill(preview, 'Choose both ends of the range.');
      return;
    }
    if (to < from) {
      fill(preview, h('span', { className: 'error' }, 'The end is before the start.'));
      return;
    }
    try {
      const answer = await api('GET', `/cron/preview?count=${maxSlots}` +
        `&schedule=${encodeURIComponent(job.schedule)}&timezone=${encodeURIComponent(job.timezone)}` +
        `&after=${encodeURIComponent(new Date(from.getTime() - 1).toISOString())}`);
      if (question !== asked) return;
      const slots = answer.fire_times.filter((time) => Date.parse(time) <= to.getTime());
      if (slots.length === maxSlots) {
        fill(preview, h('span', { className: 'error' }, `More than ${number(maxSlots - 1)} slots: ` +
          `a backfill queues at most ${number(maxSlots)}; choose a shorter range.`));
        return;
      }
      if (slots.length === 0) {
        fill(preview, 'The schedule has no slot in this range.');
        return;
      }
      const shown = 8;
      fill(preview, h('strong', {}, `${number(slots.length)} slot${slots.length === 1 ? '' : 's'}`),
        ' (a slot that already has a run is skipped): ',
        slots.slice(0, shown).map((time) => shortTime(time)).join(', '),
        slots.length > shown ? ` … ${shortTime(slots[slots.length - 1])}` : '');
      range = { start: from.toISOString(), end: to.toISOString(), slots: slots.length };
      submit.disabled = false;
      submit.textContent = `Backfill ${number(slots.length)} slot${slots.length === 1 ? '' : 's'}`;
    } catch (error) {
      if (question === asked) fill(preview, h('span', { className: 'error' }, error.message));
    }
  };
  const later = () => { clearTimeout(pending); pending = setTimeout(update, 250); };
  start.addEventListener('input', later);
  end.addEventListener('input', later);
  submit.addEventListener('click', async () => {
    if (!range) return;
    submit.disabled = true;
    fill(result);
    try {
      const queued = await api('POST', `/jobs/${job.job_id}/backfill`,
        { start: range.start, end: range.end });
      const skipped = range.slots - queued.length;
      fill(result, h('div', { className: 'notice' }, `Queued ${number(queued.length)} ` +
        `run${queued.length === 1 ? '' : 's'}`, skipped > 0 ? ` (${number(skipped)} slot` +
        `${skipped === 1 ? '' : 's'} already had one)` : '', '.'));
      if (onQueued) onQueued(queued);
    } catch (error) {
      fill(result, h('div', { className: 'errorbox' }, error.message));
    } finally {
      submit.disabled = false;
    }
  });
  update();
  return h('div', { className: 'card backfill', id: 'backfill' },
    h('div', { className: 'toolbar' },
      h('label', { for: start.id }, 'From'), start, h('label', { for: end.id }, 'to'), end,
      h('span', { className: 'small muted' }, `your time (${browserZone()}); the schedule runs in ` +
        `${job.timezone}`), h('span', { className: 'spacer' }), submit),
    preview, result);
}

function declaresParams(job) {
  return Object.keys(job.params || {}).length > 0;
}

// The job's declared parameters: name, type, default, description.
function jobParamsTable(job) {
  const params = job.params || {};
  return h('table', { id: 'job-params' },
    h('thead', {}, h('tr', {}, ['Name', 'Type', 'Default', 'Description'].map((title) => h('th', {}, title)))),
    h('tbody', {}, Object.entries(params).map(([name, spec]) => h('tr', { 'data-param': name },
      h('td', {}, h('code', {}, name)), h('td', {}, spec.type),
      h('td', { className: 'param-value' }, 'default' in spec ? paramText(spec.default)
        : h('span', { className: 'muted' }, 'none: every run must set it')),
      h('td', {}, spec.description || '')))));
}

// The job's notify targets: the events and the webhook's URL only (never its headers or secret,
// and no credential the URL may hold: safeUrl).
function alertsView(job) {
  const targets = Array.isArray(job.notify) ? job.notify : [];
  if (targets.length === 0) return null;
  return h('ul', { className: 'card alerts', id: 'job-notify' }, targets.map((target) => {
    const url = target && target.webhook && typeof target.webhook.url === 'string'
      ? target.webhook.url : null;
    const events = target && Array.isArray(target.on) ? target.on.map(String).join(', ') : 'default events';
    return h('li', { 'data-role': 'notify-target' }, h('strong', {}, `on ${events}`), ' → ',
      url ? h('code', {}, safeUrl(url)) : h('span', { className: 'muted' }, 'a target without a webhook URL'));
  }));
}

// "3,600 s (1 h)": an SLA in seconds, with its size in words.
function slaText(slaSeconds) {
  const words = slaSeconds % 3600 === 0 ? `${slaSeconds / 3600} h`
    : slaSeconds % 60 === 0 ? `${slaSeconds / 60} min` : null;
  return `${number(slaSeconds)} s${words ? ` (${words})` : ''} after the slot`;
}

// An input for a parameter of declared `spec`: a number input for integer and number, a checkbox
// for boolean, a date input for date, text otherwise; its default filled in.
function paramInput(spec) {
  const known = spec.default !== undefined && spec.default !== null;
  if (spec.type === 'boolean') {
    const box = h('input', { type: 'checkbox' });
    box.checked = known && spec.default === true;
    return box;
  }
  const types = { integer: { type: 'number', step: 1 }, number: { type: 'number', step: 'any' },
    date: { type: 'date' } };
  const input = h('input', { ...(types[spec.type] || { type: 'text' }),
    placeholder: known ? null : 'required' });
  if (known) input.value = String(spec.default);
  return input;
}

// What `input` holds as the JSON value to send for `spec`: a number for integer and number, a
// boolean for boolean, text otherwise; undefined when empty (the server then takes the default).
// An integer beyond what a JavaScript number holds exactly goes as its text, which the server reads.
function paramValue(spec, input) {
  if (spec.type === 'boolean') return input.checked;
  const text = input.value;
  if (text === '') return undefined;
  if (spec.type === 'integer' || spec.type === 'number') {
    const value = Number(text);
    if (!Number.isFinite(value)) return text;
    return spec.type === 'integer' && Number.isInteger(value) && !Number.isSafeInteger(value)
      ? text : value;
  }
  return text;
}

// The form a parameterized job's Run button opens: an input per parameter and an optional data
// interval (the browser's zone); POST /jobs/{id}/run, then the run's page. A 400 is shown next to
// the field it names (params.NAME, interval_start, interval_end).
function runForm(job, onClose) {
  const specs = job.params || {};
  const inputs = {};
  const rows = Object.entries(specs).map(([name, spec]) => {
    inputs[name] = paramInput(spec);
    return field(`${name} (${spec.type})`, `params.${name}`, inputs[name],
      spec.description ? h('div', { className: 'small muted' }, spec.description) : null);
  });
  const start = h('input', { type: 'datetime-local' });
  const end = h('input', { type: 'datetime-local' });
  const submit = h('button', { type: 'submit', className: 'primary' }, 'Run');
  const form = h('form', { className: 'job run-form', id: 'run-form', novalidate: true },
    h('fieldset', {}, h('legend', {}, `Run ${job.job_name}`), rows,
      field(`Interval start (${browserZone()})`, 'interval_start', start,
        h('div', { className: 'small muted' }, 'optional: by default the latest completed interval')),
      field('Interval end (excluded)', 'interval_end', end)),
    h('div', { 'data-role': 'form-error' }),
    h('div', { className: 'toolbar' }, submit,
      h('button', { type: 'button', onclick: onClose }, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const params = {};
    for (const [name, spec] of Object.entries(specs)) {
      const value = paramValue(spec, inputs[name]);
      if (value !== undefined) params[name] = value;
    }
    const body = { params };
    if (start.value) body.interval_start = localInputToIso(start.value) || start.value;
    if (end.value) body.interval_end = localInputToIso(end.value) || end.value;
    submit.disabled = true;
    try {
      const run = await api('POST', `/jobs/${job.job_id}/run`, body);
      location.hash = `#/runs/${run.run_id}`;
    } catch (error) {
      showFieldError(form, error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// #/jobs/{id}, and #/jobs/{id}?run with the run form open.
async function showJob(jobId, query) {
  const page = pageGeneration;
  const historySize = 25;
  let job = await api('GET', `/jobs/${jobId}`);
  rememberJobName(job);
  const header = h('div');
  const graphBox = h('div');
  const historyBox = h('div');
  const runsBox = h('div');
  const runFormBox = h('div');
  let latest = null;
  let recent = [];
  const drawHeader = () => fill(header,
    h('div', { className: 'toolbar' }, h('h1', {}, job.job_name), activeSwitch(job, (changed) => {
      job = changed;
      drawHeader();
    }), h('span', { className: 'spacer' }),
    h('a', { className: 'button', href: `#/runs?job=${job.job_id}` }, 'All runs'),
    h('button', { className: 'primary', id: 'run-now', onclick: async () => {
      if (declaresParams(job)) {
        // A parameterized job asks for its values first.
        fill(runFormBox, runFormBox.firstChild ? null : runForm(job, () => fill(runFormBox)));
        return;
      }
      try {
        const run = await runNow(job);
        location.hash = `#/runs/${run.run_id}`;
      } catch (error) { alert(error.message); }
    } }, declaresParams(job) ? 'Run now…' : 'Run now'),
    h('button', { className: 'danger', onclick: async () => {
      if (!confirm(`Delete job ${job.job_name}? Its runs and logs are deleted too.`)) return;
      try {
        await api('DELETE', `/jobs/${job.job_id}`);
        location.hash = '#/jobs';
      } catch (error) { alert(error.message); }
    } }, 'Delete')),
    runFormBox,
    job.description ? h('p', { className: 'muted' }, job.description) : null,
    h('div', { className: 'grid' },
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Schedule'),
        h('div', { className: 'value' }, scheduleCell(job))),
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Next run'),
        h('div', { className: 'value' }, nextRunView(job))),
      h('div', { className: 'card' }, h('div', { className: 'label' }, 'Retries'),
        h('div', { className: 'value' }, `${job.retry.max_attempts} attempts`)),
      job.sla_s ? h('div', { className: 'card' }, h('div', { className: 'label' }, 'Must succeed within'),
        h('div', { className: 'value', 'data-role': 'sla' }, slaText(job.sla_s))) : null),
    declaresParams(job) ? [h('h2', {}, 'Parameters'), jobParamsTable(job)] : null,
    alertsView(job) ? [h('h2', {}, 'Alerts'), alertsView(job)] : null,
    h('h2', {}, 'Graph'),
    graphBox);
  const tasks = () => h('ol', { className: 'tasks card' }, job.tasks.map((task) => h('li', {},
    describeTask(task), task.depends_on.length ? h('span', { className: 'small muted' },
      ` (after ${task.depends_on.join(', ')})`) : null)));
  const tasksBox = h('div', {}, tasks());
  const drawRuns = async () => {
    const listed = await api('GET', `/jobs/${jobId}/runs?limit=${historySize}`, undefined,
      { withTotal: true });
    const runs = await withTaskRuns(listed.items);
    recent = listed.items;
    latest = runs[0] || null;
    fill(graphBox, dagView(job.tasks, latest));
    fill(historyBox, historyGrid(job, runs));
    fill(runsBox, runsTable(listed.items.slice(0, 10), false),
      listed.total > 10 ? h('p', {}, h('a', { href: `#/runs?job=${job.job_id}` },
        `All ${number(listed.total)} runs of ${job.job_name} →`)) : null);
  };
  const schedulable = job.schedule && job.schedule.toLowerCase() !== '@manual';
  if (query === 'run' && declaresParams(job)) fill(runFormBox, runForm(job, () => fill(runFormBox)));
  drawHeader();
  await drawRuns();
  if (!render(page, header, h('h2', {}, 'History'), historyBox,
    h('h2', {}, 'Runs'), runsBox,
    schedulable ? [h('h2', {}, 'Backfill'), backfillForm(job, drawRuns)] : null,
    h('h2', {}, 'Tasks'), tasksBox,
    h('h2', {}, 'Definition'), definitionEditor(job, (changed) => {
      job = changed;
      drawHeader();
      fill(tasksBox, tasks());
      drawRuns();
    }))) return;
  every(page, 2000, whileBusy(() => recent.some(isGoing), 10000, drawRuns));
}

// ---------------------------------------------------------------- Runs

const jobNames = new Map();  // job_id → job_name of the jobs this tab has shown
const maxJobNames = 10000;

function rememberJobName(job) {
  if (jobNames.size >= maxJobNames && !jobNames.has(job.job_id)) jobNames.clear();
  jobNames.set(job.job_id, job.job_name);
}

// Learns the names of the jobs of `runs` it does not know yet: one request (GET /jobs?job_ids=)
// for a page of runs, never one per row, never every job.
async function nameJobsOf(runs) {
  const unknown = [...new Set(runs.map((run) => run.job_id))].filter((id) => !jobNames.has(id));
  if (unknown.length === 0) return;
  for (const job of await api('GET', `/jobs?job_ids=${unknown.slice(0, 100).join(',')}`)) {
    rememberJobName(job);
  }
}

// "data interval 2026-11-29 06:00:00 CET → 2026-11-30 06:00:00 CET" (its end excluded), for a
// tooltip; empty for a run without one.
function intervalText(run) {
  if (!run.interval_start || !run.interval_end) return '';
  return `data interval ${localTime(run.interval_start)} → ${localTime(run.interval_end)}`;
}

function runsTable(runs, withJob) {
  const titles = [withJob ? 'Job' : null, 'Run', 'Status', 'Trigger', 'Slot', 'Queued',
    'Duration', 'Rows loaded', 'Error'].filter(Boolean);
  return h('table', { className: 'runs' },
    h('thead', {}, h('tr', {}, titles.map((title) => h('th', {}, title)))),
    h('tbody', {}, runs.length === 0
      ? h('tr', {}, h('td', { colspan: titles.length, className: 'empty' }, 'No runs.'))
      : runs.map((run) => h('tr', { 'data-run': run.run_id },
        withJob ? h('td', {}, h('a', { href: `#/jobs/${run.job_id}`, 'data-role': 'job-name' },
          jobNames.get(run.job_id) || run.job_id.slice(0, 8))) : null,
        h('td', {}, h('a', { href: `#/runs/${run.run_id}` }, h('code', {}, run.run_id.slice(-12)))),
        h('td', {}, badge(run.status)),
        h('td', {}, run.triggered_by, run.retry_of
          ? h('span', { className: 'small muted', title: `retries run ${run.retry_of}` }, ' (retry)')
          : null),
        h('td', { 'data-role': 'slot', title: intervalText(run) }, run.scheduled_for
          ? h('time', { datetime: run.scheduled_for }, shortTime(run.scheduled_for))
          : h('span', { className: 'muted' }, '-')),
        h('td', {}, timeCell(run.queued_at)),
        h('td', {}, duration(run)),
        h('td', { className: 'num' }, number(run.rows_loaded)),
        h('td', { className: 'error-cell', 'data-role': 'run-error', title: run.error_message || '' },
          run.error_message ? clip(run.error_message, 90) : '')))));
}

// "1–100 of 147" (or "of 10,000+" when the server stopped counting) with previous and next;
// `go(page)` shows another page.
function pager(pageNumber, pageSize, shown, total, go, capped = false) {
  const first = total === 0 ? 0 : (pageNumber - 1) * pageSize + 1;
  const last = (pageNumber - 1) * pageSize + shown;
  return h('div', { className: 'pager', 'data-role': 'pager' },
    h('button', { type: 'button', disabled: pageNumber <= 1, onclick: () => go(pageNumber - 1) },
      '← Newer'),
    h('span', { 'data-role': 'range' },
      `${number(first)}–${number(last)} of ${number(total)}${capped ? '+' : ''}`),
    h('button', { type: 'button', disabled: last >= total && !capped,
      onclick: () => go(pageNumber + 1) }, 'Older →'));
}

// A datetime-local input's value ("2026-11-30T06:30", the browser's zone) as RFC 3339 UTC.
function localInputToIso(value) {
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? '' : time.toISOString();
}

// An RFC 3339 time as a datetime-local input's value, in the browser's zone.
function isoToLocalInput(iso) {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '';
  const local = new Date(time.getTime() - time.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

// #/runs?job=&status=&trigger=&from=&to=&page=: one page of GET /runs (its filters are the
// API's: job, status, trigger, queue-time range), newest first.
async function showRuns(query) {
  const page = pageGeneration;
  const pageSize = 100;
  const params = new URLSearchParams(query || '');
  const jobId = params.get('job') || '';
  const status = params.get('status') || '';
  const trigger = params.get('trigger') || '';
  const from = params.get('from') || '';
  const to = params.get('to') || '';
  const pageNumber = Math.max(1, Math.min(1e9, parseInt(params.get('page'), 10) || 1));
  const go = (changes) => {
    const next = new URLSearchParams();
    const current = { job: jobId, status, trigger, from, to, page: 1 };
    for (const [name, value] of Object.entries({ ...current, ...changes })) {
      if (value && !(name === 'page' && value === 1)) next.set(name, value);
    }
    const text = next.toString();
    location.hash = '#/runs' + (text ? '?' + text : '');
  };
  const statusFilter = h('select', { 'aria-label': 'Filter by status', id: 'run-status-filter',
    onchange: () => go({ status: statusFilter.value }) },
  ['', 'queued', 'running', 'success', 'failed', 'cancelled'].map((value) =>
    h('option', { value, selected: value === status }, value || 'any status')));
  const triggerFilter = h('select', { 'aria-label': 'Filter by trigger', id: 'run-trigger-filter',
    onchange: () => go({ trigger: triggerFilter.value }) },
  ['', 'manual', 'scheduler', 'backfill'].map((value) =>
    h('option', { value, selected: value === trigger }, value || 'any trigger')));
  // Queued from / before, in the browser's time zone (the inputs say so through their title).
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const timeInput = (id, label, iso, name) => {
    const input = h('input', { type: 'datetime-local', id, 'aria-label': label,
      title: `${label} (${zone})`, value: isoToLocalInput(iso) });
    input.addEventListener('change', () => go({ [name]: localInputToIso(input.value) }));
    return input;
  };
  const fromFilter = timeInput('run-from-filter', 'Queued from', from, 'from');
  const toFilter = timeInput('run-to-filter', 'Queued before', to, 'to');
  const jobFilter = h('select', { 'aria-label': 'Filter by job', id: 'run-job-filter',
    onchange: () => go({ job: jobFilter.value }) });
  const drawJobFilter = () => {
    // The jobs this tab has shown (a job list's pages, the jobs of runs seen), not every job.
    const names = [...jobNames.entries()].sort((a, b) => a[1].localeCompare(b[1]));
    if (jobId && !jobNames.has(jobId)) names.unshift([jobId, jobId.slice(0, 8)]);
    fill(jobFilter, h('option', { value: '' }, 'all jobs'), names.map(([id, name]) =>
      h('option', { value: id, selected: id === jobId }, name)));
  };
  const box = h('div');
  let items = [];
  let total = 0;
  let capped = false;
  const goTo = (wanted) => go({ page: wanted });
  const draw = () => fill(box, runsTable(items, true), items.length > 20
    ? pager(pageNumber, pageSize, items.length, total, goTo, capped) : null);
  const top = h('div');
  const load = async () => {
    let path = `/runs?limit=${pageSize}&offset=${(pageNumber - 1) * pageSize}`;
    if (jobId) path += `&job_id=${encodeURIComponent(jobId)}`;
    if (status) path += `&status=${encodeURIComponent(status)}`;
    if (trigger) path += `&triggered_by=${encodeURIComponent(trigger)}`;
    if (from) path += `&queued_from=${encodeURIComponent(from)}`;
    if (to) path += `&queued_before=${encodeURIComponent(to)}`;
    const listed = await api('GET', path, undefined, { withTotal: true });
    items = listed.items;
    total = listed.total;
    capped = listed.capped;
    fill(top, pager(pageNumber, pageSize, items.length, total, goTo, capped));
    draw();
    // Names of jobs not seen before arrive after the runs are drawn (with short ids meanwhile).
    const known = jobNames.size;
    await nameJobsOf(jobId ? [{ job_id: jobId }, ...items] : items).catch(() => { /* short ids */ });
    if (jobNames.size === known) return;
    drawJobFilter();
    draw();
  };
  await load();
  drawJobFilter();
  if (!render(page, h('div', { className: 'toolbar' }, h('h1', {}, 'Runs'),
    h('span', { className: 'spacer' }), jobFilter, statusFilter, triggerFilter, fromFilter,
    toFilter), top, box)) return;
  every(page, 2000, whileBusy(() => items.some(isGoing), 10000, load));
}

// A size in bytes: "512 B", "87.0 MiB", "1.2 GiB".
function byteSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  for (; value >= 1024 && unit + 1 < units.length; unit++) value /= 1024;
  return `${value.toFixed(1)} ${units[unit]}`;
}

// How far each running task is: rows and rows/s where rows are known; while files are read, the
// share of their bytes and the time left at that pace ("42% of 1.2 GiB · ETA 8 s"), and no
// "0 rows" while the rows are still unknown. `now` in milliseconds (Date.now() by default).
function progressText(run, now = Date.now()) {
  const parts = [];
  for (const task of run.task_runs || []) {
    if (task.status !== 'running') continue;
    const rows = Math.max(task.rows_extracted || 0, task.rows_loaded || 0, task.rows_processed || 0);
    const read = task.bytes_read || 0;
    const total = task.bytes_total || 0;
    const elapsed = task.started_at ? (now - new Date(task.started_at)) / 1000 : 0;
    const pieces = [];
    if (rows > 0 || (read === 0 && total === 0)) {
      pieces.push(`${number(rows)} rows`);
      if (elapsed > 0.1) pieces.push(`${number(Math.round(rows / elapsed))} rows/s`);
    }
    if (total > 0 && read < total) {
      pieces.push(`${Math.min(99, Math.floor(read * 100 / total))}% of ${byteSize(total)}`);
      if (read > 0 && elapsed > 0.1) pieces.push(`ETA ${seconds(elapsed * (total - read) / read)}`);
    } else if (read > 0) {
      pieces.push(`${byteSize(read)} read`);
    }
    pieces.push(seconds(elapsed));
    parts.push(`${task.task_name}: ${pieces.join(' · ')}`);
  }
  return parts.join('   |   ');
}

// The run's error for its page, whose task table shows the failed task's cause: the run's error
// points at it instead of saying it again.
function runErrorText(run) {
  const error = run.error_message || '';
  for (const task of run.task_runs || []) {
    const tail = task.error_message ? `: ${task.error_message}` : '';
    if (tail && error.length > tail.length && error.endsWith(tail)) {
      return `${error.slice(0, -tail.length)} (its error below)`;
    }
  }
  return error;
}

const logLevels = { info: 0, warn: 1, error: 2 };

// The log's text for a file: one line per log line, with its time in UTC as the API gives it.
function logText(lines) {
  return lines.map((line) => `${line.time} ${line.level.padEnd(5)} ` +
    `${line.task_name ? `[${line.task_name}] ` : ''}${line.message}`).join('\n') + '\n';
}

function matchesLog(line, search, level) {
  if ((logLevels[line.level] ?? 0) < level) return false;
  if (!search) return true;
  return `${line.task_name || ''} ${line.message}`.toLowerCase().includes(search);
}

// The message with each occurrence of `search` (lower case) marked.
function marked(text, search) {
  if (!search) return [text];
  const parts = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(search); at >= 0; at = lower.indexOf(search, from)) {
    parts.push(text.slice(from, at), h('mark', {}, text.slice(at, at + search.length)));
    from = at + search.length;
  }
  parts.push(text.slice(from));
  return parts;
}

function logLine(line, search) {
  return h('div', { className: line.level, 'data-line': line.line },
    h('span', { className: 'time', title: localTime(line.time) }, zonedParts(line.time).time + ' '),
    `${line.level.padEnd(5)} `, line.task_name ? `[${line.task_name}] ` : '',
    marked(line.message, search));
}

// "12 lines", or "3 of 12 lines" when a filter hides some.
function lineCount(shown, all) {
  const noun = all === 1 ? 'line' : 'lines';
  return shown === all ? `${number(all)} ${noun}` : `${number(shown)} of ${number(all)} ${noun}`;
}

// The run's log: every line read so far (`lines`), shown through a search box and a level filter;
// Download saves the lines shown as a text file made in the page.
function logViewer(runId) {
  const lines = [];
  const output = h('pre', { className: 'log', id: 'run-log', 'aria-label': 'Run log' });
  const search = h('input', { type: 'search', placeholder: 'Search the log', id: 'log-search',
    'aria-label': 'Search the log' });
  const level = h('select', { 'aria-label': 'Log level', id: 'log-level' },
    h('option', { value: 0 }, 'all levels'), h('option', { value: 1 }, 'warnings and errors'),
    h('option', { value: 2 }, 'errors'));
  const count = h('span', { className: 'small muted', 'data-role': 'log-count' });
  const download = h('a', { className: 'button', id: 'log-download', download: `run-${runId}.log`,
    href: '#' }, 'Download');
  const filter = () => ({ text: search.value.trim().toLowerCase(), level: Number(level.value) });
  const shown = () => {
    const { text, level: least } = filter();
    return lines.filter((line) => matchesLog(line, text, least));
  };
  const redraw = () => {
    const { text } = filter();
    const visible = shown();
    fill(output, visible.map((line) => logLine(line, text)));
    count.textContent = lineCount(visible.length, lines.length);
  };
  // Made when clicked, so the file has every line read by then.
  download.addEventListener('click', () => {
    download.href = 'data:text/plain;charset=utf-8,' + encodeURIComponent(logText(shown()));
  });
  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(redraw, 120);
  });
  level.addEventListener('change', redraw);
  const add = (more) => {
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    lines.push(...more);
    const { text, level: least } = filter();
    output.append(...more.filter((line) => matchesLog(line, text, least))
      .map((line) => logLine(line, text)));
    count.textContent = lineCount(text || least ? shown().length : lines.length, lines.length);
    if (atBottom) output.scrollTop = output.scrollHeight;
  };
  const element = h('div', {}, h('div', { className: 'toolbar' },
    h('h2', {}, 'Log ', h('span', { className: 'small muted' }, `(times in ${browserZone()})`)),
    h('span', { className: 'spacer' }), search, level, count, download), output);
  return { element, lines, add, redraw };
}

// A run's parameter values (or a job's declared parameters' defaults) as a value cell: strings as
// they are, other values as JSON.
function paramText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// The run's parameters, one row each.
function runParamsTable(params) {
  const names = Object.keys(params || {});
  if (names.length === 0) return null;
  return [h('h2', {}, 'Parameters'), h('table', { id: 'run-params' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Value'))),
    h('tbody', {}, names.map((name) => h('tr', { 'data-param': name }, h('td', {}, h('code', {}, name)),
      h('td', { className: 'param-value' }, paramText(params[name]))))))];
}

// The data interval as two times in the browser's zone; its end is excluded.
function intervalView(run) {
  if (!run.interval_start || !run.interval_end) return '-';
  const empty = run.interval_start === run.interval_end;
  return h('span', { 'data-role': 'interval', title: `${run.interval_start} to ${run.interval_end}` +
    ' (UTC; the end is excluded)' }, `${shortTime(run.interval_start)} → ${shortTime(run.interval_end)}`,
  empty ? h('span', { className: 'small muted' }, ' (empty)') : null);
}

// A notification URL without what may be a credential in it: a user and password, and the query
// string's values ("https://***@hooks.example/orc?token=…"). A URL that does not parse (one with a
// ${env:NAME} reference, shown unresolved) is shown as written.
function safeUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch (error) {
    return String(text);
  }
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  const query = [...url.searchParams.keys()].map((name) => `${name}=…`).join('&');
  return `${url.protocol}//${url.username ? '***@' : ''}${url.host}${url.pathname}` +
    (query ? `?${query}` : '');
}

// The webhook deliveries of a run (GET /runs/{id}/notifications), one row each.
function notificationsTable(items) {
  return h('table', { id: 'run-notifications-table' },
    h('thead', {}, h('tr', {}, ['Event', 'URL', 'Status', 'Attempts', 'Last answer', 'Created',
      'Delivered / next attempt'].map((title) => h('th', {}, title)))),
    h('tbody', {}, items.map((item) => h('tr', { 'data-delivery': item.delivery_id },
      h('td', {}, item.event),
      h('td', { className: 'url-cell' }, h('code', { title: safeUrl(item.url) }, clip(safeUrl(item.url), 60))),
      h('td', {}, badge(String(item.status))),
      h('td', { className: 'num' }, item.attempts),
      h('td', { className: item.status === 'delivered' ? 'small' : 'error-cell' },
        item.last_status_code ? `HTTP ${item.last_status_code}` : '',
        item.last_status_code && item.last_error ? ': ' : '', item.last_error || ''),
      h('td', {}, timeCell(item.created_at)),
      h('td', {}, item.delivered_at ? timeCell(item.delivered_at)
        : item.next_attempt_at ? h('span', {}, 'next ', timeCell(item.next_attempt_at)) : '-')))));
}

// The run's Notifications section: its deliveries, refreshed while the run goes on or one is
// pending, and for 10 s after the run ends (its deliveries appear about a second after). A server
// without the route (404) shows nothing. Returns the section's element and `refresh(run)`, which
// resolves to whether to ask again.
function notificationsSection(runId) {
  const element = h('div', { id: 'run-notifications' });
  let absent = false;
  const refresh = async (run) => {
    if (absent) return false;
    let items;
    try {
      const answer = await api('GET', `/runs/${runId}/notifications`);
      items = answer && Array.isArray(answer.items) ? answer.items : [];
    } catch (error) {
      if (error.status === 404) {
        absent = true;
        fill(element);
        return false;
      }
      fill(element, h('h2', {}, 'Notifications'), h('div', { className: 'error' }, error.message));
      return true;
    }
    fill(element, items.length ? [h('h2', {}, 'Notifications'), notificationsTable(items)] : null);
    if (!isFinished(run)) return true;
    const ended = Date.parse(run.finished_at || '') || 0;
    return items.some((item) => item.status === 'pending') || Date.now() - ended < 10000;
  };
  return { element, refresh };
}

async function showRun(runId) {
  const page = pageGeneration;
  let run = await api('GET', `/runs/${runId}`);
  const job = await api('GET', `/jobs/${run.job_id}`).catch(() => null);
  const summary = h('div');
  const timeline = h('div');
  const log = logViewer(runId);
  const notifications = notificationsSection(runId);
  const actionError = h('div', { 'data-role': 'run-action-error' });
  let lastLine = 0;

  // POST /runs/{id}/retry or /clear, then the new run's page; the server's refusal (409: nothing
  // to retry) is shown under the toolbar.
  const queuePart = async (button, action, body) => {
    button.disabled = true;
    fill(actionError);
    try {
      const queued = await api('POST', `/runs/${run.run_id}/${action}`, body);
      location.hash = `#/runs/${queued.run_id}`;
    } catch (error) {
      fill(actionError, h('div', { className: 'errorbox' }, error.message));
      button.disabled = false;
    }
  };
  const retryButton = () => (['failed', 'cancelled'].includes(run.status)
    ? h('button', { className: 'primary', id: 'run-retry', onclick: (event) =>
      queuePart(event.target, 'retry'),
    title: 'A new run of the tasks that did not succeed and those downstream of them, ' +
      'with this run\'s data interval and parameters' }, 'Retry from failure') : null);
  const clearCell = (task) => {
    const downstream = h('input', { type: 'checkbox', checked: true, 'data-role': 'clear-downstream' });
    return h('td', { className: 'clear-cell' }, h('button', { type: 'button', 'data-role': 'clear-task',
      title: `Run ${task.task_name} again in a new run (the other tasks keep their results)`,
      onclick: (event) => queuePart(event.target, 'clear',
        { task: task.task_name, downstream: downstream.checked }) }, 'Clear'),
    h('label', { className: 'small muted' }, downstream, ' with downstream'));
  };

  const rerun = async (button) => {
    button.disabled = true;
    try {
      // With this run's parameters (a parameter without default has no other value to take).
      const again = declaresParams(job) && run.params
        ? await api('POST', `/jobs/${job.job_id}/run`, { params: run.params }) : await runNow(job);
      location.hash = `#/runs/${again.run_id}`;
    } catch (error) {
      alert(error.message);
      button.disabled = false;
    }
  };
  const drawSummary = () => fill(summary,
    h('div', { className: 'toolbar' },
      h('h1', {}, 'Run ', h('code', {}, run.run_id.slice(-12))), badge(run.status),
      job ? h('span', {}, 'of ', h('a', { href: `#/jobs/${job.job_id}` }, job.job_name)) : null,
      h('span', { className: 'spacer' }), retryButton(),
      isFinished(run) ? (job ? h('button', { title: 'Queue a new manual run of this job (with ' +
        'this run\'s parameters; every task, the latest data interval)',
        onclick: (event) => rerun(event.target) }, 'Re-run') : null)
        : h('button', { className: 'danger', disabled: run.cancel_requested, onclick: async () => {
          try { run = await api('POST', `/runs/${run.run_id}/cancel`); drawSummary(); }
          catch (error) { alert(error.message); }
        } }, run.cancel_requested ? 'Cancelling…' : 'Cancel')),
    isFinished(run) ? null : h('div', { className: 'progress', 'data-role': 'progress' },
      progressText(run) || (run.status === 'queued' ? 'waiting for a worker' : 'starting')),
    actionError,
    run.error_message ? h('div', { className: 'errorbox' }, runErrorText(run)) : null,
    h('div', { className: 'grid' }, [
      ['Trigger', run.triggered_by], ['Slot', localTime(run.scheduled_for)],
      ['Data interval', intervalView(run)],
      run.retry_of ? ['Retry of', h('a', { href: `#/runs/${run.retry_of}`, 'data-role': 'retry-of' },
        h('code', {}, run.retry_of.slice(-12)))] : null,
      (run.only_tasks || []).length ? ['Runs only', run.only_tasks.join(', ')] : null,
      ['Queued', localTime(run.queued_at)], ['Started', localTime(run.started_at)],
      ['Finished', localTime(run.finished_at)], ['Duration', duration(run)],
      ['Rows extracted', number(run.rows_extracted)], ['Rows loaded', number(run.rows_loaded)],
      ['Attempt', run.attempt]].filter(Boolean)
      .map(([label, value]) => h('div', { className: 'card' },
        h('div', { className: 'label' }, label), h('div', { className: 'value' }, value)))),
    h('h2', {}, 'Tasks'),
    h('table', { id: 'task-runs' }, h('thead', {}, h('tr', {}, ['Task', 'Status', 'Attempts',
      'Rows extracted', 'Rows loaded', 'Started', 'Duration', 'Errors',
      isFinished(run) && job ? 'Run again' : null].filter(Boolean)
      .map((title) => h('th', {}, title)))),
    h('tbody', {}, (run.task_runs || []).map((task) => h('tr', { 'data-task': task.task_name },
      h('td', {}, task.task_name), h('td', {}, badge(task.status)),
      h('td', { className: 'num' }, task.attempts),
      h('td', { className: 'num' }, number(task.rows_extracted)),
      h('td', { className: 'num' }, number(task.rows_loaded)),
      h('td', {}, localTime(task.started_at)), h('td', {}, duration(task)),
      h('td', {}, (task.errors || []).length ? task.errors.map((error, i) => h('div',
        { className: 'error' }, error.startsWith(`attempt ${i + 1}:`) ? error
          : `attempt ${i + 1}: ${error}`))
        // A failure kept from the run this one retries ("not run again: failed in run ...").
        : task.error_message ? h('div', { className: 'error' }, task.error_message) : null),
      isFinished(run) && job ? clearCell(task) : null)))),
    runParamsTable(run.params));
  const drawTimeline = () => fill(timeline, timelineView(run, log.lines));

  const appendLog = async () => {
    while (true) {
      const lines = await api('GET', `/runs/${runId}/logs?after=${lastLine}&limit=1000`);
      if (lines.length === 0) return;
      log.add(lines);
      lastLine = lines[lines.length - 1].line;
      if (lines.length < 1000) return;
    }
  };
  drawSummary();
  await appendLog();
  log.redraw();
  drawTimeline();
  const askNotifications = await notifications.refresh(run).catch(() => true);
  if (!render(page, summary, h('h2', {}, 'Timeline'), timeline, log.element,
    notifications.element)) return;
  if (askNotifications) every(page, 2000, () => notifications.refresh(run));
  if (isFinished(run)) return;
  every(page, 1000, async () => {
    // The run before its log: a run seen finished has written every line the log then returns.
    run = await api('GET', `/runs/${runId}`);
    await appendLog();
    drawSummary();
    drawTimeline();
    return !isFinished(run);
  });
}

// ---------------------------------------------------------------- Nodes

// The "workers" cell: busy of total, or "-" for a node without the worker role.
function workersCell(node) {
  if (!(node.roles || []).includes('worker')) {
    return h('td', { className: 'num muted', title: 'no worker role' }, '-');
  }
  return h('td', { className: 'num', 'data-role': 'workers',
    title: `${number(node.workers_busy)} of ${number(node.workers)} workers running a task` },
  `${number(node.workers_busy)} / ${number(node.workers)}`);
}

function nodesTable(nodes, timeoutSeconds) {
  const titles = ['Node', 'Host', 'Roles', 'Version', 'Status', 'Workers busy', 'Started',
    'Last heartbeat'];
  return h('table', { id: 'nodes' },
    h('thead', {}, h('tr', {}, titles.map((title) => h('th', {}, title)))),
    h('tbody', {}, nodes.length === 0
      ? h('tr', {}, h('td', { colspan: titles.length, className: 'empty' },
        'No node has registered yet: every orc serve registers itself when it starts.'))
      : nodes.map((node) => h('tr', { 'data-node': node.node_id, 'data-self': node.self },
        h('td', { className: 'node-cell' }, h('code', {}, node.node_id),
          node.self ? h('span', { className: 'tag', 'data-role': 'self',
            title: 'the orc process serving this page' }, 'this node') : null,
          node.scheduler_leader ? h('span', { className: 'tag leader', 'data-role': 'leader',
            title: 'its scheduler fires the schedules; the others stand by' },
          'leads the schedulers') : null),
        h('td', { className: 'node-cell', 'data-role': 'host' }, node.host),
        h('td', { 'data-role': 'roles' }, (node.roles || []).join(', ')),
        h('td', {}, node.version),
        h('td', { title: node.status === 'lost'
          ? `no heartbeat for over ${number(timeoutSeconds)} s: the other nodes take its runs over`
          : '' }, badge(String(node.status))),
        workersCell(node),
        h('td', {}, timeCell(node.started_at)),
        h('td', { 'data-role': 'heartbeat' }, timeCell(node.heartbeat_at))))));
}

// "2 nodes: 2 alive, 0 lost.", how long a node may be silent, and whether a scheduler leads.
function nodesSummary(nodes, timeoutSeconds) {
  const lost = nodes.filter((node) => node.status === 'lost').length;
  const leading = nodes.some((node) => node.scheduler_leader);
  return [`${number(nodes.length)} node${nodes.length === 1 ? '' : 's'}: ` +
    `${number(nodes.length - lost)} alive, ${number(lost)} lost. A node silent for over ` +
    `${number(timeoutSeconds)} s is lost, and the others take its runs over.`,
  leading ? null : h('span', { className: 'error', 'data-role': 'no-leader' },
    ' No node leads the schedulers now: schedules fire once one does.')];
}

// #/nodes: the orc processes sharing the state database (GET /nodes), oldest first, refreshed
// every 2 s (heartbeats come every second). A failed refresh leaves the last answer on the page
// and says since when it is shown; the next refresh tries again.
async function showNodes() {
  const page = pageGeneration;
  const summary = h('div', { className: 'small muted', 'data-role': 'node-summary' });
  const problem = h('div');
  const box = h('div');
  let answer = await api('GET', '/nodes');
  let answeredAt = new Date().toISOString();
  const draw = () => {
    const nodes = answer && Array.isArray(answer.items) ? answer.items : [];
    const timeoutSeconds = answer ? answer.node_timeout_s : 0;
    fill(summary, nodesSummary(nodes, timeoutSeconds));
    fill(box, nodesTable(nodes, timeoutSeconds));
  };
  const load = async () => {
    try {
      answer = await api('GET', '/nodes');
      answeredAt = new Date().toISOString();
      fill(problem);
    } catch (error) {
      fill(problem, h('div', { className: 'errorbox', 'data-role': 'nodes-error' },
        `Cannot refresh the nodes: ${error.message}`,
        h('div', { className: 'small' }, `Shown as they were at ${localTime(answeredAt)}.`)));
    }
    draw();
  };
  draw();
  if (!render(page, h('div', { className: 'toolbar' }, h('h1', {}, 'Nodes')), summary, problem,
    box)) return;
  every(page, 2000, load);
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
        fill(box, 'Next: ', preview.fire_times.map((time) => shortTime(time)).join(', '));
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
  [/^#\/jobs\/([0-9a-f-]+)(?:\?(run))?$/, showJob, 'jobs'],
  [/^#\/runs\/?(?:\?(.*))?$/, showRuns, 'runs'],
  [/^#\/runs\/([0-9a-f-]+)$/, showRun, 'runs'],
  [/^#\/nodes\/?$/, showNodes, 'nodes'],
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
