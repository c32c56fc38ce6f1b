// Shared set-up for the browser tests: Debian Chromium driven by playwright-core.
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export const BASE = process.env.E2E_BASE_URL || 'http://127.0.0.1:3000';
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL || 'admin@e2e.rehearse.test';
export const PASSWORD = 'correct horse battery';

// The closed network makes Chromium misbehave without these (see shared/TOOLCHAIN.md).
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
}

/** A unique email per run, so reruns against the same database never collide. */
export function uniqueEmail(name) {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.rehearse.test`;
}

export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30000 });
}

/**
 * Signs up and then signs in: sign-up answers "check your email" and signs nobody in (a taken
 * address must look the same); the new account can sign in with its password and practise
 * before it confirms its address.
 */
export async function signUp(page, email, name) {
  await page.goto(`${BASE}/signup`);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/check-email`), page.click('button[type="submit"]')]);
  await Promise.all([page.waitForURL(`${BASE}/home`), signIn(page, email)]);
}

export async function signIn(page, email, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('form[action="/auth/login"] button[type="submit"]');
}

/**
 * Makes an existing account an admin the way an operator does: `server promote <email>`, run
 * with this environment (the same REHEARSE_DATA_DIR, so the same database as the server).
 */
export function promote(email) {
  const bin = process.env.E2E_SERVER_BIN
    || `${process.env.CARGO_TARGET_DIR || 'target'}/debug/server`;
  execFileSync(bin, ['promote', email], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Marks an account's address confirmed the way an operator does: `server verify-email <email>`
 * (the tests run no mail server; the API tests follow the real mailed link).
 */
export function verifyEmail(email) {
  const bin = process.env.E2E_SERVER_BIN
    || `${process.env.CARGO_TARGET_DIR || 'target'}/debug/server`;
  execFileSync(bin, ['verify-email', email], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Signs `page` in as the admin. The account may exist from an earlier test file or run: sign
 * in, else sign up and promote it (signing up alone never makes an admin).
 */
export async function signInAsAdmin(page, name = 'Admin') {
  await signIn(page, ADMIN_EMAIL);
  // Whichever does not happen must not become an unhandled rejection later.
  const home = page.waitForURL(`${BASE}/home`).catch(() => {});
  const error = page.waitForSelector('[data-testid="form-error"]').catch(() => {});
  await Promise.race([home, error]);
  if (!page.url().endsWith('/home')) {
    await signUp(page, ADMIN_EMAIL, name);
    promote(ADMIN_EMAIL);
  }
}

export async function signOut(page) {
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('text=Sign out')]);
}

/** Picks the role whose option value is `role` and starts an interview on it. */
export async function startInterview(page, role) {
  await page.selectOption('select[name="role"]', role);
  await Promise.all([
    page.waitForURL(/\/interviews\//, { timeout: 30000 }),
    page.click('[data-testid="start-interview"]'),
  ]);
  await interviewLoaded(page);
}

/**
 * Waits for the interview page's own document: starting an interview navigates in the page and
 * then loads the interview with a full page load (so the page opens its own live stream). A
 * message typed before that load would be lost with the old document, so wait until the
 * current document is the interview's and it is hydrated.
 */
export async function interviewLoaded(page) {
  await page.waitForFunction(
    () => (performance.getEntriesByType('navigation')[0]?.name || '').includes('/interviews/'),
    null,
    { timeout: 30000 },
  );
  await hydrated(page);
  await page.waitForSelector('[data-testid="transcript"]', { timeout: 30000 }).catch(async (e) => {
    throw new Error(`no transcript at ${page.url()}: ${await page.textContent('main')}`, { cause: e });
  });
}

/** Sends an answer and waits until both it and the interviewer's reply are in the transcript. */
export async function send(page, text) {
  // The transcript is a <Suspense>: while it reloads (after each send and each live event) it
  // is not in the page at all, so a count read then would be 0. Count only when it is there;
  // messages never go away, so a count read while it shows is never too high.
  const before = await (await page.waitForFunction(() => {
    const list = document.querySelector('[data-testid="transcript"]');
    return list ? { n: list.querySelectorAll(':scope > li[data-seq]').length } : null;
  }, null, { timeout: 30000 })).jsonValue();
  await page.fill('[data-testid="answer"]', text);
  await page.click('[data-testid="send"]');
  // Done when, after those messages, the candidate's message is stored and the last stored
  // message is the interviewer's: not merely two more items, which a reply in two parts or a
  // stale count could give without this message's reply.
  await page.waitForFunction(
    (n) => {
      const list = document.querySelector('[data-testid="transcript"]');
      if (!list) return false;
      const items = [...list.querySelectorAll(':scope > li[data-seq]')];
      return items.length >= n + 2
        && items[items.length - 1].dataset.author === 'interviewer'
        && items.slice(n).some((li) => li.dataset.author === 'candidate');
    },
    before.n,
    { timeout: 120000 },
  ).catch(async (e) => {
    throw new Error(`no reply to "${text.slice(0, 40)}" at ${page.url()}: ${await pageState(page)}`, { cause: e });
  });
}

/** What the page shows, for a failure message: the transcript's last lines and any notice. */
export async function pageState(page) {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll('[data-testid="transcript"] > li')]
      .map((li) => `${li.dataset.author || '?'}#${li.dataset.seq || '-'}: ${li.textContent.trim().slice(0, 80)}`);
    const notices = [...document.querySelectorAll('[role="alert"], [role="status"], [data-testid="notice"]')]
      .map((n) => n.textContent.trim());
    const answer = document.querySelector('[data-testid="answer"]');
    return JSON.stringify({
      transcript: items.slice(-4),
      notices,
      box: answer ? answer.value.slice(0, 40) : null,
      hydrated: document.body.dataset.hydrated || null,
    });
  }).catch((e) => `(page state unreadable: ${e.message})`);
}
