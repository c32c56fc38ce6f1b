import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, uniqueEmail, hydrated, signUp } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The server runs with the default limits: three starts at once per user, then one every
// 15 s (REHEARSE_LIMITS__START_BURST / __START_PER_MINUTE). Starting again and again is
// refused within a few tries, kindly, with the wait.
test('starting interviews too quickly says how long to wait', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('quinn'), 'Quinn');
  let notice = null;
  for (let i = 0; i < 8 && !notice; i++) {
    await page.goto(`${BASE}/home`);
    await hydrated(page);
    await page.selectOption('select[name="role"]', 'backend-rust');
    await page.click('[data-testid="start-interview"]');
    // Whichever does not happen must not become an unhandled rejection later.
    const started = page.waitForURL(/\/interviews\//, { timeout: 30000 }).then(() => 'started').catch(() => null);
    const refused = page.waitForSelector('[data-testid="slow-down"]', { timeout: 30000 }).then(() => 'refused').catch(() => null);
    const outcome = await Promise.race([started, refused]);
    assert.ok(outcome, `start number ${i + 1} neither started nor was refused`);
    if (outcome === 'refused') {
      notice = (await page.textContent('[data-testid="slow-down"]')).trim();
    } else {
      // Let the started interview's page finish arriving before navigating away again.
      await page.waitForSelector('[data-testid="transcript"]', { timeout: 30000 });
      await page.waitForLoadState('load');
    }
  }
  assert.ok(notice, 'eight starts in a row were all accepted');
  assert.match(notice, /^You're starting interviews quickly; try again in \d+ s\.$/);
  assert.ok(page.url().endsWith('/home'), 'the refused start stays on the home page');
  assert.equal(await page.locator('[data-testid="slow-down"][role="status"]').count(), 1, 'a notice, not an error');
  await context.close();
});
