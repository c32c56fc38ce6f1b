import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, uniqueEmail, hydrated, signUp, startInterview, send, interviewLoaded,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Long enough and on topic for every requirement of the sample Rust role, so no follow-ups.
const ANSWER = 'In my last job we built an async payments service in Rust on tokio with PostgreSQL. '
  + 'We designed the schema with an index per hot query and short transactions, and we ran it with metrics, '
  + 'tracing and logs, with a timeout and retry budget on every outbound call. For example, one incident taught '
  + 'us to shed load early, which kept the service within its SLO during peak traffic.';

test('a short interview on the local model streams its replies, then reports', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('rhea'), 'Rhea');
  await hydrated(page);
  await startInterview(page, 'backend-rust');
  assert.match(await page.textContent('[data-testid="transcript"]'), /Senior Backend Engineer \(Rust\)/);

  // Record when drafted tokens show and when the committed reply lands.
  await page.evaluate(() => {
    window.__seen = [];
    const transcript = document.querySelector('[data-testid="transcript"]');
    new MutationObserver(() => {
      const draft = document.querySelector('[data-testid="draft"]');
      const count = document.querySelectorAll('[data-testid="transcript"] > li[data-seq]').length;
      window.__seen.push({ draft: draft ? draft.textContent.length : 0, count, t: performance.now() });
    }).observe(transcript.parentElement, { childList: true, subtree: true, characterData: true });
  });
  await send(page, 'Ready.');
  const seen = await page.evaluate(() => window.__seen);
  const firstDraft = seen.find((s) => s.draft > 0);
  assert.ok(firstDraft, `tokens arrived before the reply completed: ${JSON.stringify(seen.slice(0, 20))}`);
  const committed = seen.find((s) => s.count >= 3);
  assert.ok(committed && firstDraft.t <= committed.t, 'the draft came before the committed reply');

  for (let i = 0; i < 3; i++) {
    await send(page, ANSWER);
  }
  assert.match(await page.textContent('[data-testid="transcript"]'), /What would you like to know about the role\?/);
  await send(page, 'What is the salary for this role?');
  const last = page.locator('[data-testid="transcript"] > li[data-author="interviewer"]').last();
  assert.equal((await last.textContent()).trim(), 'The job description does not state that.');
  await send(page, 'No questions, thanks.');
  await page.waitForSelector('[data-testid="report"]', { timeout: 30000 });
  const scores = await page.locator('[data-testid="score"]').allTextContents();
  assert.equal(scores.length, 3, 'one score per requirement asked about');
  assert.match(await page.textContent('[data-testid="report"]'), /payments service in Rust/, 'evidence is quoted');
  assert.equal(await page.locator('[data-testid="answer"]').count(), 0, 'a finished interview takes no more messages');
  // Scored by meaning with the server's MiniLM, not on the degraded path.
  assert.equal(await page.locator('[data-testid="report-degraded"]').count(), 0);
  // "Why this score" opens the signals the first score was computed from.
  const why = page.locator('[data-testid="why-score"]').first();
  await why.locator('summary').click();
  const signals = await why.locator('[data-testid="signal"]').allTextContents();
  assert.equal(signals.length, 5, 'relevance, substance, coherence, specificity and depth');
  for (const s of signals) assert.match(s.trim(), /^\d{1,3}%$/);
  assert.match(await why.textContent(), /On the requirement/);

  await page.goto(`${BASE}/home`);
  await page.waitForSelector('[data-testid="score-chart"]');
  assert.equal(await page.locator('[data-testid="history"] tbody tr').count(), 1);
  // Progress per competency, with a button to practise the weakest.
  const rows = page.locator('[data-testid="competency-row"]');
  assert.ok(await rows.count() >= 1, 'a row per competency scored');
  assert.ok(await page.locator('[data-testid="competency-progress"] [data-testid="sparkline"]').count() >= 1);
  const practise = page.locator('[data-testid="practise-weakest"]');
  assert.match(await practise.textContent(), /^Practise .+, your weakest$/);
  await hydrated(page);
  await Promise.all([page.waitForURL(/\/interviews\//, { timeout: 30000 }), practise.click()]);
  await interviewLoaded(page);
  assert.match(await page.textContent('[data-testid="transcript"]'), /I will ask one main question/);
  await context.close();
});

test('a send that fails keeps the text in the box, and the resend is stored once', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('fenna'), 'Fenna');
  await hydrated(page);
  await startInterview(page, 'backend-rust');
  // The first send never reaches the server.
  let failed = 0;
  await page.route('**/api/send_message', (route) => {
    failed += 1;
    return route.abort('connectionreset');
  });
  await page.fill('[data-testid="answer"]', 'Ready when you are.');
  await page.click('[data-testid="send"]');
  await page.waitForSelector('[role="alert"]', { timeout: 30000 });
  assert.equal(failed, 1);
  assert.equal(await page.inputValue('[data-testid="answer"]'), 'Ready when you are.', 'the text is still there');
  await page.unroute('**/api/send_message');
  await page.click('[data-testid="send"]');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="transcript"] > li[data-author="interviewer"]').length >= 2,
    null,
    { timeout: 120000 },
  );
  const mine = await page.locator('[data-testid="transcript"] > li[data-author="candidate"]').allTextContents();
  assert.deepEqual(mine.map((t) => t.trim()), ['Ready when you are.'], 'stored once');
  assert.equal(await page.inputValue('[data-testid="answer"]'), '', 'cleared once confirmed');
  await context.close();
});
