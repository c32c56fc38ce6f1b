// Shared set-up for the browser tests: Debian Chromium driven by playwright-core.
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

export async function signUp(page, email, name) {
  await page.goto(`${BASE}/signup`);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/home`), page.click('button[type="submit"]')]);
}

export async function signIn(page, email, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('form[action="/auth/login"] button[type="submit"]');
}

export async function signOut(page) {
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('text=Sign out')]);
}
