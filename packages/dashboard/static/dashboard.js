// The Telltale dashboard page: plain browser JavaScript, no build step, no
// dependencies. Data arrives over Server-Sent Events (`events`), or by
// polling `snapshot.json` when EventSource is missing or the server refuses
// the stream. Everything is rendered with textContent (never innerHTML), so
// label values cannot inject markup.
/* global document, window, EventSource */

const SVG = 'http://www.w3.org/2000/svg';
const ACTION_HEADER = 'X-Telltale-Dashboard';
const HIDDEN_DISCONNECT_MS = 60_000;

const byId = (id) => document.getElementById(id);

// ---------- formatting ----------

function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null) return '–';
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

function formatMilliseconds(milliseconds) {
  return `${milliseconds.toFixed(1)} ms`;
}

function formatRate(rate) {
  return `${rate < 10 ? rate.toFixed(2) : rate.toFixed(1)}/s`;
}

function formatRatio(ratio) {
  if (ratio === undefined || ratio === null) return '–';
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)} %`;
}

function formatBytes(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function formatTime(value) {
  if (value === undefined || value === null) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleTimeString();
}

const STATUS_TONE = {
  pass: 'good',
  closed: 'good',
  healthy: 'good',
  warn: 'warn',
  pending: 'warn',
  'half-open': 'warn',
  degraded: 'warn',
  fail: 'bad',
  firing: 'bad',
  open: 'bad',
  down: 'bad',
};

function badge(text) {
  const element = document.createElement('span');
  element.className = `badge ${STATUS_TONE[text] ?? ''}`.trim();
  element.textContent = text;
  return element;
}

// ---------- charts ----------

/**
 * An inline SVG sparkline with an accessible name summarising the series
 * (screen readers get latest, minimum and maximum instead of a picture).
 */
function sparkline(values, label, format) {
  const width = 120;
  const height = 28;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  const present = values.filter((value) => value !== null && value !== undefined);
  const summary =
    present.length === 0
      ? `${label}: no data yet`
      : `${label}, last ${values.length} points: latest ${format(present[present.length - 1])}, ` +
        `min ${format(Math.min(...present))}, max ${format(Math.max(...present))}`;
  svg.setAttribute('aria-label', summary);
  const title = document.createElementNS(SVG, 'title');
  title.textContent = summary;
  svg.append(title);
  if (present.length === 0) return svg;
  const max = Math.max(...present);
  const min = Math.min(0, ...present);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  // A gap (no traffic) splits the line into separate segments.
  let points = [];
  const flush = () => {
    if (points.length === 0) return;
    if (points.length === 1) points.push(points[0]);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
    points = [];
  };
  values.forEach((value, index) => {
    if (value === null || value === undefined) return flush();
    const x = (index * step).toFixed(1);
    const y = (height - 2 - ((value - min) / span) * (height - 4)).toFixed(1);
    points.push(`${x},${y}`);
  });
  flush();
  return svg;
}

function setChart(cell, values, label, format) {
  cell.replaceChildren(sparkline(values, label, format));
}

// ---------- keyed rows (focus-preserving updates) ----------

/**
 * Updates a table body in place: rows are keyed, so a focused button in a
 * row that is still present keeps its focus across ticks.
 */
function renderRows(tbody, items, keyOf, columns, build) {
  const existing = new Map();
  for (const row of tbody.rows) existing.set(row.dataset.key, row);
  const wanted = new Set();
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    wanted.add(key);
    let row = existing.get(key);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.key = key;
      for (let index = 0; index < columns; index++) {
        row.append(document.createElement(index === 0 ? 'th' : 'td'));
      }
      row.cells[0].setAttribute('scope', 'row');
    }
    build(row, item);
    const next = previous ? previous.nextSibling : tbody.firstChild;
    if (next !== row) tbody.insertBefore(row, next);
    previous = row;
  }
  for (const [key, row] of existing) if (!wanted.has(key)) row.remove();
}

function text(cell, value, className) {
  cell.textContent = value;
  if (className) cell.className = className;
}

// ---------- sections ----------

function showSection(name, present) {
  byId(`section-${name}`).hidden = !present;
}

function renderRoutes(routes) {
  showSection('routes', routes !== undefined);
  if (!routes) return;
  byId('routes-empty').hidden = routes.length > 0;
  byId('routes-table').hidden = routes.length === 0;
  renderRows(
    byId('routes-body'),
    routes,
    (route) => `${route.method} ${route.route ?? '(unmatched)'}`,
    9,
    (row, route) => {
      const name = `${route.method} ${route.route ?? '(unmatched)'}`;
      row.dataset.route = name;
      text(row.cells[0], name);
      text(row.cells[1], formatRate(route.rate), 'number');
      text(row.cells[2], formatSeconds(route.p50), 'number');
      text(row.cells[3], formatSeconds(route.p95), 'number p95');
      text(row.cells[4], formatSeconds(route.p99), 'number');
      text(row.cells[5], formatRatio(route.errorRatio), 'number');
      setChart(row.cells[6], route.history.p95, `p95 latency of ${name}`, formatSeconds);
      setChart(row.cells[7], route.history.rate, `Request rate of ${name}`, formatRate);
      setChart(row.cells[8], route.history.errorRatio, `Error ratio of ${name}`, formatRatio);
    },
  );
}

function renderHealth(health) {
  showSection('health', health !== undefined);
  if (!health) return;
  byId('health-status').replaceWith(Object.assign(badge(health.status), { id: 'health-status' }));
  renderRows(
    byId('health-body'),
    health.checks,
    (check) => check.name,
    4,
    (row, check) => {
      text(row.cells[0], check.name);
      row.cells[1].replaceChildren(badge(check.status));
      text(row.cells[2], check.observed ?? '–');
      text(row.cells[3], check.output ?? '');
    },
  );
}

let canSilence = false;

function renderAlerts(alerts) {
  showSection('alerts', alerts !== undefined);
  if (!alerts) return;
  byId('silence-controls').hidden = !canSilence || alerts.length === 0;
  byId('alerts-empty').hidden = alerts.length > 0;
  byId('alerts-table').hidden = alerts.length === 0;
  const order = { firing: 0, pending: 1 };
  const sorted = [...alerts].sort((a, b) => (order[a.state] ?? 2) - (order[b.state] ?? 2));
  renderRows(
    byId('alerts-body'),
    sorted,
    (alert) => alert.id,
    7,
    (row, alert) => {
      row.dataset.alertId = alert.id;
      row.cells[0].replaceChildren(badge(alert.silencedUntil ? `${alert.state} (silenced)` : alert.state));
      text(row.cells[1], alert.name);
      text(row.cells[2], alert.severity ?? '–');
      const labels = Object.entries(alert.labels ?? {})
        .filter(([key]) => key !== 'alertname')
        .map(([key, value]) => `${key}="${value}"`)
        .join(', ');
      text(row.cells[3], labels, 'labels');
      text(row.cells[4], alert.summary ?? '');
      text(row.cells[5], formatTime(alert.activeAt));
      renderAlertAction(row.cells[6], alert);
    },
  );
}

function renderAlertAction(cell, alert) {
  if (alert.silencedUntil) {
    text(cell, `Silenced until ${formatTime(alert.silencedUntil)}`);
    return;
  }
  if (!canSilence) {
    text(cell, '');
    return;
  }
  let button = cell.querySelector('button');
  if (!button) {
    button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Silence';
    button.addEventListener('click', () => silence(button.dataset.alertId, button));
    cell.replaceChildren(button);
  }
  button.dataset.alertId = alert.id;
  button.setAttribute('aria-label', `Silence alert ${alert.name} ${describeLabels(alert)}`.trim());
}

function describeLabels(alert) {
  return Object.entries(alert.labels ?? {})
    .filter(([key]) => key !== 'alertname')
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

function renderBreakers(breakers) {
  showSection('breakers', breakers !== undefined);
  if (!breakers) return;
  renderRows(
    byId('breakers-body'),
    breakers,
    (breaker) => breaker.name,
    4,
    (row, breaker) => {
      text(row.cells[0], breaker.name);
      row.cells[1].replaceChildren(badge(breaker.state));
      text(row.cells[2], formatRatio(breaker.failureRatio), 'number');
      text(row.cells[3], breaker.rejected === undefined ? '–' : String(breaker.rejected), 'number');
    },
  );
}

function renderQueues(queues) {
  showSection('queues', queues !== undefined);
  if (!queues) return;
  renderRows(
    byId('queues-body'),
    queues,
    (queue) => queue.name,
    5,
    (row, queue) => {
      text(row.cells[0], queue.name);
      text(row.cells[1], String(queue.depth), 'number');
      text(row.cells[2], queue.inFlight === undefined ? '–' : String(queue.inFlight), 'number');
      text(row.cells[3], String(queue.deadLetters), queue.deadLetters > 0 ? 'number dead' : 'number');
      setChart(row.cells[4], queue.history, `Depth of queue ${queue.name}`, String);
    },
  );
}

function renderStt(providers) {
  showSection('stt', providers !== undefined);
  if (!providers) return;
  renderRows(
    byId('stt-body'),
    providers,
    (provider) => provider.provider,
    5,
    (row, provider) => {
      text(row.cells[0], provider.provider);
      row.cells[1].replaceChildren(badge(provider.status));
      row.cells[2].replaceChildren(provider.breaker ? badge(provider.breaker) : document.createTextNode('–'));
      text(row.cells[3], formatRatio(provider.fallbackRate), 'number');
      text(row.cells[4], formatSeconds(provider.p95), 'number');
    },
  );
}

function renderCaches(caches) {
  showSection('caches', caches !== undefined);
  if (!caches) return;
  const count = (value) => (value === undefined || value === null ? '–' : String(value));
  renderRows(
    byId('caches-body'),
    caches,
    (cache) => cache.name,
    6,
    (row, cache) => {
      text(row.cells[0], cache.name);
      // Below the 85 % the data-layer alert watches: flagged like a dead letter.
      const low = typeof cache.hitRatio === 'number' && cache.hitRatio < 0.85;
      text(row.cells[1], formatRatio(cache.hitRatio), low ? 'number dead' : 'number');
      text(row.cells[2], count(cache.requests), 'number');
      text(row.cells[3], count(cache.errors), cache.errors > 0 ? 'number dead' : 'number');
      text(row.cells[4], count(cache.size), 'number');
      setChart(row.cells[5], cache.history, `Hit ratio of cache ${cache.name}`, formatRatio);
    },
  );
}

function renderProcess(stats) {
  showSection('process', stats !== undefined);
  if (!stats) return;
  text(byId('process-delay'), formatMilliseconds(stats.eventLoopDelay.p99));
  byId('process-delay-chart').replaceChildren(
    sparkline(stats.history.eventLoopDelayP99, 'Event-loop delay p99', formatMilliseconds),
  );
  text(byId('process-heap'), formatBytes(stats.memory.heapUsed));
  byId('process-heap-chart').replaceChildren(sparkline(stats.history.heapUsed, 'Heap used', formatBytes));
  text(byId('process-rss'), formatBytes(stats.memory.rss));
  text(byId('process-cpu'), `${(stats.cpu * 100).toFixed(1)} % of one core`);
}

function renderErrors(errors) {
  const entries = Object.entries(errors ?? {});
  showSection('errors', entries.length > 0);
  byId('source-errors').replaceChildren(
    ...entries.map(([source, message]) => {
      const item = document.createElement('li');
      item.textContent = `${source}: ${message}`;
      return item;
    }),
  );
}

let lastSnapshot;

function render(snapshot) {
  lastSnapshot = snapshot;
  canSilence = Boolean(snapshot.capabilities?.silence);
  if (snapshot.title) {
    byId('title').textContent = snapshot.title;
    document.title = `${snapshot.title} dashboard`;
  }
  text(byId('updated'), `Updated ${formatTime(snapshot.takenAt)}`);
  renderErrors(snapshot.errors);
  renderAlerts(snapshot.alerts);
  renderRoutes(snapshot.routes);
  renderHealth(snapshot.health);
  renderBreakers(snapshot.breakers);
  renderQueues(snapshot.queues);
  renderStt(snapshot.stt);
  renderCaches(snapshot.caches);
  renderProcess(snapshot.process);
  byId('profile-controls').hidden = !snapshot.capabilities?.profiles;
}

// ---------- actions ----------

async function silence(alertId, button) {
  const status = byId('action-status');
  button.disabled = true;
  try {
    const response = await fetch('actions/silence', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', [ACTION_HEADER]: '1' },
      body: JSON.stringify({
        alertId,
        duration: byId('silence-duration').value,
        comment: byId('silence-comment').value,
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    status.className = 'action-status';
    status.textContent = `Silenced ${alertId} until ${formatTime(body.until)}.`;
  } catch (error) {
    status.className = 'action-status error';
    status.textContent = `Could not silence ${alertId}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// Saves a profile the server answers as an attachment (`.cpuprofile` opens in
// Chrome DevTools' Performance panel, `.heapsnapshot` in its Memory panel).
async function downloadProfile(url, label, button) {
  const status = byId('action-status');
  button.disabled = true;
  status.className = 'action-status';
  status.textContent = `Taking ${label}…`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { [ACTION_HEADER]: '1' },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error ?? `HTTP ${response.status}`);
    }
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'profile.json';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    status.textContent = `Saved ${filename}.`;
  } catch (error) {
    status.className = 'action-status error';
    status.textContent = `Could not take ${label}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

byId('profile-cpu').addEventListener('click', (event) =>
  downloadProfile(`actions/profile/cpu?seconds=${byId('profile-seconds').value}`, 'a CPU profile', event.currentTarget),
);
byId('profile-heap').addEventListener('click', (event) =>
  downloadProfile('actions/profile/heap', 'a heap snapshot', event.currentTarget),
);

// ---------- transport: SSE with polling fallback ----------

const connection = byId('connection');
let source;
let pollTimer;
let hiddenTimer;
let etag;

function setConnection(message, live) {
  connection.textContent = message;
  connection.classList.toggle('live', live);
}

function connectStream() {
  if (typeof EventSource === 'undefined') return startPolling('EventSource is not supported');
  source = new EventSource('events');
  source.addEventListener('open', () => setConnection('Live', true));
  source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
  source.addEventListener('error', () => {
    // CLOSED means the server refused the stream (503 at capacity, 403):
    // EventSource will not retry, so fall back to polling.
    if (source.readyState === EventSource.CLOSED) {
      source = undefined;
      startPolling('Live stream unavailable');
    } else {
      setConnection('Reconnecting…', false);
    }
  });
}

function startPolling(reason) {
  setConnection(`${reason}; polling`, false);
  const poll = async () => {
    pollTimer = undefined;
    try {
      const response = await fetch('snapshot.json', { headers: etag ? { 'If-None-Match': etag } : {} });
      if (response.ok) {
        etag = response.headers.get('ETag') ?? undefined;
        render(await response.json());
      } else if (response.status !== 304) {
        setConnection(`${reason}; polling failed (HTTP ${response.status})`, false);
      }
    } catch {
      setConnection(`${reason}; server unreachable, retrying`, false);
    }
    if (!document.hidden) pollTimer = setTimeout(poll, lastSnapshot?.tick ?? 2000);
  };
  void poll();
}

function stopAll() {
  source?.close();
  source = undefined;
  if (pollTimer !== undefined) clearTimeout(pollTimer);
  pollTimer = undefined;
}

// A tab left in the background gives its connection back after a minute.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    hiddenTimer = setTimeout(() => {
      stopAll();
      setConnection('Paused while the tab is hidden', false);
    }, HIDDEN_DISCONNECT_MS);
    return;
  }
  clearTimeout(hiddenTimer);
  if (!source && pollTimer === undefined) connectStream();
});

window.addEventListener('pagehide', stopAll);
connectStream();
