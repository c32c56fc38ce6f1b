import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, uniqueEmail, hydrated, signUp, startInterview } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * Records every CSP violation on `page`, across navigations: a listener installed before any
 * page script runs reports `securitypolicyviolation` events through a binding (neither is
 * subject to the page's policy), and Chromium's own "Refused to …" console messages are kept
 * as well.
 */
async function recordViolations(page) {
  const violations = [];
  await page.exposeFunction('__reportCspViolation', (v) => { violations.push(v); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation({
        directive: e.effectiveDirective || e.violatedDirective,
        blocked: e.blockedURI,
        sample: e.sample,
        url: document.location.href,
      });
    });
  });
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) {
      violations.push({ console: text, url: page.url() });
    }
  });
  return violations;
}

test('pages hydrate and work under the Content-Security-Policy, with nothing refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = await recordViolations(page);

  const response = await page.goto(`${BASE}/login`);
  const csp = response.headers()['content-security-policy'];
  assert.ok(csp, 'the page carries a Content-Security-Policy');
  assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(response.headers()['x-content-type-options'], 'nosniff');
  // Hydration ran: the loader script (nonce) fetched and compiled the app (wasm-unsafe-eval).
  await hydrated(page);

  // An interactive element answers: starting an interview is a server-function call made by the
  // hydrated page, which then navigates to the new interview and follows its live stream.
  await signUp(page, uniqueEmail('cora'), 'Cora');
  await hydrated(page);
  await startInterview(page, 'backend-rust');
  assert.match(page.url(), /\/interviews\//);
  assert.deepEqual(violations, [], `no CSP violation: ${JSON.stringify(violations)}`);

  // The policy is really enforced: an inline script without the nonce is refused, and reported.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true;';
    document.head.appendChild(script);
    await new Promise((resolve) => { setTimeout(resolve, 200); });
    return window.__injected === true;
  });
  assert.equal(ran, false, 'an inline script without the nonce must not run');
  const deadline = Date.now() + 5000;
  while (!violations.some((v) => v.directive?.startsWith('script-src')) && Date.now() < deadline) {
    await new Promise((resolve) => { setTimeout(resolve, 50); });
  }
  assert.ok(
    violations.some((v) => v.directive?.startsWith('script-src')),
    `the refused script was reported: ${JSON.stringify(violations)}`,
  );
  await context.close();
});
