import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, uniqueEmail, hydrated, signUp, signInAsAdmin, startInterview, send } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A job description that says nothing about pay.
const JD = `# Search Reliability Engineer

You will keep product search fast and available for 40 million shoppers, working from our Lisbon office or remotely within two hours of Lisbon time.

## Requirements
- 4+ years running backend services in Rust or Go
- Operating Elasticsearch or OpenSearch clusters in production
- Designing Kafka consumers that index data in near real time

## How we work
- Everyone joins the on-call rotation, one week in six
- We deploy to Kubernetes several times a day

## Benefits
- 28 days of holiday
- A yearly learning budget for books and conferences
`;

const ANSWER = 'In my last role we ran Rust services with tokio that consumed Kafka topics and indexed them into OpenSearch. '
  + 'I designed the consumers and the index mappings, tuned the cluster shards, and we cut indexing lag from minutes to 2 seconds. '
  + 'For example, during one incident we shed load early and kept search within its SLO.';

test('an admin adds a job description without pay; a candidate asking about pay gets a plain "not stated"', async () => {
  // The admin signs in (or signs up and is promoted with `server promote`), pastes the job
  // description and waits for ingestion.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  // The account may exist from an earlier test file: sign in, else sign up and promote.
  await signInAsAdmin(admin, 'Ada Admin');
  await admin.goto(`${BASE}/admin/jds`);
  await admin.fill('[data-testid="jd-form"] textarea[name="text"]', JD);
  await Promise.all([
    admin.waitForURL(/\/admin\/jds\/[0-9a-f-]+$/, { timeout: 30000 }),
    admin.click('[data-testid="jd-form"] button[type="submit"]'),
  ]);
  let status = '';
  for (let i = 0; i < 120 && status !== 'ready'; i++) {
    await admin.waitForTimeout(1000);
    await admin.reload();
    // The badge shows a label ("Ready"); its stored name is in data-status.
    status = (await admin.getAttribute('[data-testid="versions"] [data-testid="status"]', 'data-status')) ?? '';
    assert.notEqual(status, 'failed', await admin.textContent('main'));
  }
  assert.equal(status, 'ready');
  assert.ok(await admin.locator('[data-testid="chunks"] li').count() >= 4);

  // A candidate interviews on it and asks about pay, then about on-call.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail('sal'), 'Sal');
  await hydrated(page);
  const option = page.locator('select[name="role"] option', { hasText: 'Search Reliability Engineer' });
  await startInterview(page, await option.getAttribute('value'));
  for (let i = 0; i < 8; i++) {
    if (/What would you like to know about the role\?/.test(await page.textContent('[data-testid="transcript"]'))) break;
    await send(page, ANSWER);
  }
  assert.match(await page.textContent('[data-testid="transcript"]'), /What would you like to know about the role\?/);

  await send(page, 'What is the salary for this role?');
  const pay = page.locator('[data-testid="transcript"] > li[data-author="interviewer"]').last();
  const payText = (await pay.textContent()).trim();
  assert.equal(payText, 'The job description does not state that.');
  assert.doesNotMatch(payText, /\d/, 'never a number');

  await send(page, 'How often would I be on call?');
  // The candidate's last question: its answer, then the wrap-up.
  const oncall = page.locator('[data-testid="transcript"] > li[data-author="interviewer"]', { hasText: 'one week in six' }).last();
  assert.match(await oncall.textContent(), /one week in six/);
  assert.equal(await oncall.locator('[data-testid="citations"] li').count() >= 1, true, 'the citation is shown');
  assert.match(await oncall.locator('[data-testid="citations"]').textContent(), /How we work/);

  // The feedback names, for each score, the section and chunk of the job description that
  // states the requirement.
  await page.waitForSelector('[data-testid="report"]', { timeout: 30000 });
  const sources = await page.locator('[data-testid="score-source"]').allTextContents();
  assert.ok(sources.length >= 1, 'every score says where its requirement is stated');
  assert.equal(sources.length, await page.locator('[data-testid="score"]').count());
  for (const s of sources) assert.match(s, /Search Reliability Engineer > Requirements, chunk \d+/);
  await adminContext.close();
  await context.close();
});
