// The busy interviewer, in a real browser: a second server of its own, whose one model slot a
// call that never answers holds, refuses a new interview with a calm notice that says when to
// try again (the same scenario as server/tests/api/limits.rs
// `a_busy_model_refuses_new_interviews_and_turns_fall_back_at_once`, over HTTP there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PASSWORD, launch, uniqueEmail, hydrated, startInterview, pageState } from './helpers.mjs';

// The checkout: the fault upstream lives under tools/, and the server finds the site files
// (`target/site`, cargo-leptos's site-root) relative to its working directory, as the suite's
// own server does.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_BIN = process.env.E2E_SERVER_BIN
  || `${process.env.CARGO_TARGET_DIR || 'target'}/debug/server`;

let browser;
let upstream;
let upstreamLogs;
let upstreamPort;
let server;
let serverLogs;
let dataDir;
let BUSY_BASE;

// Never leave a child behind, even when the test file dies before `after` runs.
const children = new Set();
function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
}
process.on('exit', killAll);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => { killAll(); process.exit(code); });
}

/** Keeps the last few kilobytes a child wrote, for failure messages, and drains its pipes. */
function collect(child) {
  let text = '';
  const add = (chunk) => { text = (text + chunk).slice(-16000); };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  child.on('error', (e) => add(`\n[spawn error] ${e.message}\n`));
  return { text: () => text || '(no output)' };
}

/** A port nobody listens on right now, from the system. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The `PORT <n>` line tools/fault_upstream.py prints first. */
function upstreamPortOf(child, logs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fault upstream printed no port within 30 s: ${logs.text()}`)), 30000);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const port = /^PORT (\d+)$/.exec(line.trim());
      if (port) {
        clearTimeout(timer);
        resolve(Number(port[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the fault upstream exited (${code ?? signal}) before printing its port: ${logs.text()}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not start python3 tools/fault_upstream.py: ${e.message}`));
    });
  });
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

/** Polls `url` until it answers 200, failing early with the child's output if it exits. */
async function waitUntilReady(url, child, logs, ms) {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(`the busy server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logs.text()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.status === 200) return;
      last = `${response.status} ${(await response.text()).slice(0, 200)}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await delay(250);
  }
  throw new Error(`the busy server was not ready at ${url} within ${ms / 1000} s (last: ${last}):\n${logs.text()}`);
}

/** SIGTERM, then SIGKILL if the child is still there after a while. */
async function stop(child) {
  // Never spawned (`pid` unset) or already gone: nothing to wait for.
  if (!child || child.pid === undefined || exited(child)) return;
  const gone = once(child, 'exit').then(() => true, () => true);
  child.kill('SIGTERM');
  const stopped = await Promise.race([gone, delay(15000, false, { ref: false })]);
  if (!stopped && !exited(child)) {
    child.kill('SIGKILL');
    await Promise.race([gone, delay(5000, false, { ref: false })]);
  }
}

async function upstreamStats() {
  const response = await fetch(`http://127.0.0.1:${upstreamPort}/stats`, { signal: AbortSignal.timeout(5000) });
  return response.json();
}

/** What the two children said and counted, for a failure message. */
async function diagnostics() {
  const stats = await upstreamStats().then((s) => JSON.stringify(s), (e) => `(stats unreadable: ${e.message})`);
  return `upstream stats: ${stats}\n--- busy server output ---\n${serverLogs?.text()}\n--- upstream output ---\n${upstreamLogs?.text()}`;
}

// helpers.mjs's signUp and signIn with the server's base URL as a parameter (theirs use the
// suite's server).
async function signInAt(page, base, email, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('form[action="/auth/login"] button[type="submit"]');
}

async function signUpAt(page, base, email, name) {
  await page.goto(`${base}/signup`);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${base}/check-email`, { timeout: 60000 }), page.click('button[type="submit"]')]);
  await Promise.all([page.waitForURL(`${base}/home`, { timeout: 60000 }), signInAt(page, base, email)]);
}

before(async () => {
  try {
    browser = await launch();

    upstream = spawn('python3', [path.join(ROOT, 'tools/fault_upstream.py'), '--port', '0', '--exit-with-parent'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(upstream);
    upstreamLogs = collect(upstream);
    upstreamPort = await upstreamPortOf(upstream, upstreamLogs);

    if (!fs.existsSync(SERVER_BIN)) {
      throw new Error(`no server binary at ${SERVER_BIN} (E2E_SERVER_BIN): run the browser tests with scripts/e2e.sh`);
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-busy-'));
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    BUSY_BASE = `http://${address}`;
    // The suite's environment (models, LEPTOS_*, limits), minus whatever would share the suite
    // server's database or address, or configure another model.
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (key.startsWith('REHEARSE_LLM__')) continue;
      if (['REHEARSE_DATABASE_URL', 'REHEARSE_LISTEN', 'REHEARSE_PUBLIC_URL'].includes(key)) continue;
      env[key] = value;
    }
    Object.assign(env, {
      // Its own SQLite database (the default, <data_dir>/rehearse.db) and its own address.
      REHEARSE_DATA_DIR: dataDir,
      REHEARSE_LISTEN: address,
      LEPTOS_SITE_ADDR: address,
      // The fault upstream's `hang`: answers and never sends a first token.
      REHEARSE_LLM__PROVIDER: 'openai',
      REHEARSE_LLM__BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
      REHEARSE_LLM__MODEL: 'hang',
      // A hosted provider must be priced or declared free, or the server refuses to start.
      REHEARSE_LLM__FREE: 'true',
      // One model call at once and no line for it: the held call makes the model full.
      REHEARSE_LLM__MAX_CONCURRENT: '1',
      REHEARSE_LLM__MAX_WAITING: '0',
      // The held call must hold its slot for the whole test.
      REHEARSE_LLM__FIRST_TOKEN_TIMEOUT_SECS: '3600',
      REHEARSE_LLM__CALL_TIMEOUT_SECS: '3600',
      // As scripts/e2e.sh: many sign-ups and starts from one address.
      REHEARSE_SIGNUP__ATTEMPTS_PER_IP: '1000',
      REHEARSE_LIMITS__START_PER_MINUTE_PER_IP: '1000',
      REHEARSE_LIMITS__START_BURST_PER_IP: '1000',
      REHEARSE_LIMITS__SEND_PER_MINUTE_PER_IP: '1000',
      REHEARSE_LIMITS__SEND_BURST_PER_IP: '1000',
      // Stopping it in `after` need not wait for the held call's connections.
      REHEARSE_SHUTDOWN_GRACE_SECS: '1',
    });
    server = spawn(SERVER_BIN, ['serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(server);
    serverLogs = collect(server);
    await waitUntilReady(`${BUSY_BASE}/readyz`, server, serverLogs, 120000);
    // Pages hydrate only if this server finds the site files the suite's server serves.
    const script = await fetch(`${BUSY_BASE}/pkg/rehearse.js`, { signal: AbortSignal.timeout(10000) });
    if (script.status !== 200) {
      throw new Error(`the busy server answers ${script.status} for /pkg/rehearse.js: it does not find the site files `
        + `(LEPTOS_SITE_ROOT=${process.env.LEPTOS_SITE_ROOT ?? '(unset: target/site under ' + ROOT + ')'})`);
    }
  } catch (e) {
    await stop(server);
    await stop(upstream);
    await browser?.close();
    browser = null;
    throw e;
  }
});

after(async () => {
  try {
    await stop(server);
    await stop(upstream);
  } finally {
    killAll();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await browser?.close();
  }
});

test('when the interviewer is busy, starting an interview says when to try again', async () => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    // A's first answer makes a model call that never gets a token: it holds the only slot.
    const a = await first.newPage();
    await signUpAt(a, BUSY_BASE, uniqueEmail('hana'), 'Hana');
    await hydrated(a);
    await startInterview(a, 'backend-rust');
    await a.fill('[data-testid="answer"]', 'Ready.');
    await a.click('[data-testid="send"]');
    const deadline = Date.now() + 60000;
    let held = false;
    while (!held && Date.now() < deadline) {
      held = await upstreamStats().then((s) => (s.hang?.requests ?? 0) >= 1, () => false);
      if (!held) await delay(200);
    }
    if (!held) assert.fail(`the first answer never reached the model: ${await pageState(a)}\n${await diagnostics()}`);

    // B's start is refused before anything is stored, with a notice, not an error.
    const b = await second.newPage();
    await signUpAt(b, BUSY_BASE, uniqueEmail('ivo'), 'Ivo');
    await hydrated(b);
    const navigations = [];
    b.on('framenavigated', (frame) => {
      if (frame === b.mainFrame()) navigations.push(frame.url());
    });
    await b.selectOption('select[name="role"]', 'backend-rust');
    // Whichever does not happen must not become an unhandled rejection later.
    const started = b.waitForURL(/\/interviews\//, { timeout: 60000 }).then(() => 'started').catch(() => null);
    const busy = b.waitForSelector('[data-testid="busy"]', { timeout: 60000 }).then(() => 'busy').catch(() => null);
    const failed = b.waitForSelector('[data-testid="page-error"]', { timeout: 60000 }).then(() => 'failed').catch(() => null);
    await b.click('[data-testid="start-interview"]');
    const outcome = await Promise.race([started, busy, failed]);
    if (outcome !== 'busy') {
      assert.fail(`the start was not refused as busy (${outcome ?? 'nothing happened'}) at ${b.url()}: `
        + `${await pageState(b)}\n${await diagnostics()}`);
    }

    const notice = b.locator('[data-testid="busy"]');
    const text = (await notice.textContent()).trim();
    assert.match(text, /busy.*try again in \d+ s/i);
    assert.match(text, /^The interviewer is busy with other candidates right now\. Please try again in \d+ s; nothing was started\.$/);
    assert.equal(await notice.getAttribute('role'), 'status', 'a notice, not an error');
    assert.equal(await b.locator('[data-testid="busy"][role="status"]').count(), 1);
    assert.equal(new URL(b.url()).pathname, '/home', 'the refused start stays on the home page');
    assert.deepEqual(navigations.filter((url) => url.includes('/interviews/')), [], 'no interview page was opened');
    // Refused before reaching the model, while A's call still held the slot.
    const hang = (await upstreamStats()).hang ?? {};
    assert.equal(hang.requests, 1, `one model call in all: ${JSON.stringify(hang)}`);
    assert.equal(hang.disconnects, 0, `A's call still held its slot: ${JSON.stringify(hang)}`);
  } finally {
    await second.close();
    await first.close();
  }
});
