import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, uniqueEmail, hydrated, signUp, signIn, signOut, signInAsAdmin, verifyEmail } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign up, sign out, sign in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail('nina');
  await signUp(page, email, 'Nina');
  await hydrated(page);
  assert.match(await page.textContent('[data-testid="home-title"]'), /Welcome, Nina/);
  assert.equal((await page.textContent('[data-testid="home-role"]')).trim(), 'Candidate');

  await signOut(page);
  const home = await page.goto(`${BASE}/home`);
  assert.ok(page.url().startsWith(`${BASE}/login`), `signed out, /home sends to sign-in (got ${page.url()}, ${home.status()})`);

  await signIn(page, email, 'not the password');
  await page.waitForSelector('[data-testid="form-error"]');
  assert.match(await page.textContent('[data-testid="form-error"]'), /Wrong email or password/);

  await signIn(page, email);
  await page.waitForURL(`${BASE}/home`);
  assert.match(await page.textContent('[data-testid="whoami"]'), /Nina/);
  await context.close();
});

test('sign-up errors come from the server and show on the fields', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/signup`);
  await page.fill('input[name="email"]', 'not-an-email');
  await page.fill('input[name="password"]', 'short');
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="error-email"]');
  assert.match(await page.textContent('[data-testid="error-email"]'), /valid email/);
  assert.match(await page.textContent('[data-testid="error-password"]'), /at least 10/);
  assert.equal(await page.inputValue('input[name="email"]'), 'not-an-email');
  await context.close();
});

test('sign-in works with JavaScript disabled', async () => {
  const email = uniqueEmail('otto');
  const setup = await browser.newContext();
  await signUp(await setup.newPage(), email, 'Otto');
  await setup.close();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, email);
  await page.waitForURL(`${BASE}/home`);
  assert.match(await page.textContent('[data-testid="home-title"]'), /Welcome, Otto/);
  await context.close();
});

test('an admin promotes a user to reviewer', async () => {
  const candidateContext = await browser.newContext();
  const candidate = await candidateContext.newPage();
  const email = uniqueEmail('pia');
  await signUp(candidate, email, 'Pia');
  // Reviewers and admins need a confirmed address.
  verifyEmail(email);

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  // The admin signs up (and is promoted with `server promote`) once per database; later runs
  // against it sign in.
  await signInAsAdmin(admin, 'Admin');
  await admin.goto(`${BASE}/admin/users`);
  await hydrated(admin);
  const row = admin.locator(`[data-testid="user-${email}"]`);
  await row.locator('select[name="role"]').selectOption('reviewer');
  await row.locator('button[type="submit"]').click();
  // The list reloads after the change; the saved role comes back from the server.
  await admin.waitForFunction(
    (testid) => document.querySelector(`[data-testid="${testid}"] select`)?.dataset.current === 'reviewer',
    `user-${email}`,
    { timeout: 15000 },
  );
  await admin.reload();
  assert.equal(await admin.locator(`[data-testid="user-${email}"] select`).inputValue(), 'reviewer');

  await candidate.goto(`${BASE}/home`);
  assert.equal((await candidate.textContent('[data-testid="home-role"]')).trim(), 'Reviewer');

  await admin.goto(`${BASE}/admin/audit?kind=role_changed`);
  assert.match(await admin.textContent('[data-testid="audit-table"]'), new RegExp(email.replace(/[.+]/g, '\\$&')));
  await adminContext.close();
  await candidateContext.close();
});

test('a candidate is refused the admin page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('quinn'), 'Quinn');
  const response = await page.goto(`${BASE}/admin/users`);
  assert.equal(response.status(), 403);
  assert.match(await page.textContent('[data-testid="forbidden"]'), /do not have access/);
  const nav = await page.goto(`${BASE}/home`);
  assert.equal(nav.status(), 200);
  assert.equal(await page.locator('a[href="/admin/users"]').count(), 0, 'no admin links for candidates');
  await context.close();
});
