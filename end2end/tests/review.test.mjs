import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, uniqueEmail, hydrated, signUp, signInAsAdmin, startInterview, send,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ANSWER = 'In my last job we built an async payments service in Rust on tokio with PostgreSQL. '
  + 'We designed the schema with an index per hot query and short transactions, and we ran it with metrics, '
  + 'tracing and logs, with a timeout and retry budget on every outbound call. For example, one incident taught '
  + 'us to shed load early, which kept the service within its SLO during peak traffic.';

const lastInterviewer = (page) => page.locator('[data-testid="transcript"] > li[data-author="interviewer"]');

/** Opens the queue, waits for the item asking `question` (the queue reloads itself) and claims it. */
async function claimItem(page, question) {
  await page.goto(`${BASE}/review`);
  const link = page.locator('[data-testid="review-item"] a', { hasText: question });
  await link.first().waitFor({ timeout: 30000 });
  await Promise.all([page.waitForURL(/\/review\//), link.first().click()]);
  await hydrated(page);
  await page.click('[data-testid="claim"]');
  await page.waitForSelector('[data-testid="approve"]', { timeout: 30000 });
}

test('a held answer is edited by a reviewer and appears in the candidate\'s chat without a reload; a rejected one gives the fallback', async () => {
  const candidateContext = await browser.newContext();
  const reviewerContext = await browser.newContext();
  const candidate = await candidateContext.newPage();
  const reviewer = await reviewerContext.newPage();

  await signInAsAdmin(reviewer, 'Reviewing Admin');
  await signUp(candidate, uniqueEmail('hana'), 'Hana');
  await hydrated(candidate);
  await startInterview(candidate, 'backend-rust');
  await send(candidate, 'Ready.');
  for (let i = 0; i < 3; i++) {
    await send(candidate, ANSWER);
  }
  // The reply can arrive as more than one message: wait for the closing question, not one read.
  await candidate.locator('[data-testid="transcript"]', { hasText: /What would you like to know about the role\?/ })
    .waitFor({ timeout: 120000 });

  const pension = 'Do you offer a pension?';
  await send(candidate, pension);
  const held = lastInterviewer(candidate).last();
  await lastInterviewer(candidate).filter({ hasText: /being checked by a reviewer/ }).last().waitFor({ timeout: 120000 });
  assert.match(await held.textContent(), /being checked by a reviewer/);
  // It shows as under review with its age, which the page keeps up to date by itself.
  const age = await held.locator('[data-testid="held-age"]').textContent();
  assert.match(age, /under review/i);
  assert.match(age, /ago|just now/);
  assert.doesNotMatch(await candidate.textContent('[data-testid="transcript"]'), /From the job description/);

  await claimItem(reviewer, pension);
  assert.match(await reviewer.textContent('[data-testid="review-reasons"]'), /Sensitive topic: pay and benefits/);
  const edited = 'Yes: a pension with a 5% employer contribution; the recruiter can tell you more.';
  await reviewer.fill('[data-testid="edit-text"]', edited);
  await reviewer.click('[data-testid="edit-approve"]');
  await reviewer.waitForSelector('[data-testid="review-outcome"]', { timeout: 30000 });
  // The edit is kept as a diff of the answer as written.
  await reviewer.waitForSelector('[data-testid="review-diff"] ins', { timeout: 30000 });

  // The candidate's open chat shows the approved text, once, without reloading.
  await candidate.waitForFunction(
    (text) => document.querySelector('[data-testid="transcript"]')?.textContent.includes(text) ?? false,
    edited,
    { timeout: 30000 },
  );
  const occurrences = (await candidate.textContent('[data-testid="transcript"]')).split(edited).length - 1;
  assert.equal(occurrences, 1);

  const visa = 'Does the payments team sponsor visas?';
  await send(candidate, visa);
  await claimItem(reviewer, visa);
  await reviewer.fill('[data-testid="reject-reason"]', 'Visa sponsorship is not in the job description.');
  await reviewer.click('[data-testid="reject"]');
  await reviewer.waitForSelector('[data-testid="review-outcome"]', { timeout: 30000 });
  await candidate.waitForFunction(
    // The transcript can be absent for a moment while the page re-renders: keep waiting.
    () => document.querySelector('[data-testid="transcript"]')?.textContent
      .includes("I can't confirm that from the job description; please ask the recruiter.") ?? false,
    null,
    { timeout: 30000 },
  );
  await candidateContext.close();
  await reviewerContext.close();
});
