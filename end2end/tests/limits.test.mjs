import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, uniqueEmail, hydrated, signUp, startInterview } from './helpers.mjs';

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

// Sending is limited per person too: six at once, then one every 5 s
// (REHEARSE_LIMITS__SEND_BURST / __SEND_PER_MINUTE; the suite raises only the per-address
// limits). The Send button stays usable while the interviewer answers, so pressing it again
// and again is refused, first as busy, then as too quick: a calm notice with the wait, the
// words typed still in the box, and nothing stored for any refused press.
test('sending messages too quickly says how long to wait and keeps what was typed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('sid'), 'Sid');
  await page.goto(`${BASE}/home`);
  await hydrated(page);
  await startInterview(page, 'backend-rust');
  const accepted = [];
  let refusedAs = null;
  let typed = null;
  for (let i = 0; i < 20 && !refusedAs; i++) {
    typed = `My answer, take ${i + 1}: I built a queue with backpressure.`;
    await page.fill('[data-testid="answer"]', typed);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/send_message'), { timeout: 30000 }),
      page.click('[data-testid="send"]'),
    ]);
    if (response.status() === 200) {
      accepted.push(typed);
    } else if (response.status() === 429) {
      refusedAs = await page.waitForSelector('[data-testid="slow-down"]', { timeout: 30000 });
    } else {
      assert.equal(response.status(), 409, `press ${i + 1}: ${await response.text()}`);
    }
  }
  assert.ok(refusedAs, 'twenty presses in a row were never refused as too quick');
  const notice = (await refusedAs.textContent()).trim();
  assert.match(notice, /^You're sending messages quickly; try again in \d+ s\.$/);
  assert.equal(await refusedAs.getAttribute('role'), 'status', 'a notice, not an error');
  assert.equal(await page.inputValue('[data-testid="answer"]'), typed, 'what was typed is still in the box');
  // Each accepted press is in the transcript once; no refused one is.
  for (const text of accepted) {
    await page.waitForFunction(
      (t) => document.querySelector('[data-testid="transcript"]')?.textContent.includes(t) ?? false,
      text,
      { timeout: 30000 },
    );
  }
  const transcript = await page.textContent('[data-testid="transcript"]');
  for (const text of accepted) {
    assert.equal(transcript.split(text).length - 1, 1, `"${text}" shown once`);
  }
  assert.ok(!transcript.includes(typed), 'the refused message was not stored');
  await context.close();
});
