// What every browser scenario shares: its settings from the environment, Debian's headless
// Chromium, one page per person that collects page errors and panics, numbered screenshots,
// a watchdog, and the PASS/FAIL verdict tests/e2e/main.rs reads (the exit status).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

/** A setting the test passes; missing means the script was not run by `cargo test --test e2e`. */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo test --test e2e)`);
  return value;
}

export function step(text) {
  console.log(`-- ${text}`);
}

/**
 * Runs `body({ newPerson, screenshot })` in a fresh browser, then prints `PASS: <summary>` and
 * exits 0, or prints the failure, screenshots every open page and exits 1. A hung browser
 * fails after 180 s instead of hanging the test run.
 */
export async function scenario(summary, body) {
  const artifacts = env('FW_E2E_ARTIFACTS');
  fs.mkdirSync(artifacts, { recursive: true });
  const watchdog = setTimeout(() => {
    console.log('FAIL: the scenario took longer than 180 s');
    process.exit(1);
  }, 180_000);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  let shot = 0;
  const screenshot = async (page, name) => {
    shot += 1;
    const file = path.join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
  };
  // One context each: separate cookie jars, like two people on two machines.
  const newPerson = async (who, options = {}) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => problems.push(`${who}: page error: ${e}`));
    page.on('console', (m) => {
      // Refused requests show as console errors by design; panics and exceptions must not.
      if (m.type() === 'error' && /panicked|RuntimeError|TypeError|unreachable/.test(m.text())) {
        problems.push(`${who}: console: ${m.text()}`);
      }
    });
    return page;
  };
  let failed = false;
  try {
    await body({ newPerson, screenshot });
    if (problems.length > 0) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
    console.log(`PASS: ${summary}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL: ${e.stack ?? e}`);
    if (problems.length > 0) console.log(problems.join('\n'));
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        await screenshot(page, 'failure').catch(() => {});
      }
    }
  } finally {
    await browser.close();
    clearTimeout(watchdog);
  }
  process.exitCode = failed ? 1 : 0;
}
