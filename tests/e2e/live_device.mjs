// A technician watches a pump live: its page charts the last hour (stored history the test
// sent through the product's webhook) and the telemetry the simulator publishes meanwhile;
// they start the pump and set a new pressure, and the pressure shown changes to about the new
// value from the live stream, without reloading; a pressure out of the pump's range is refused
// in words before anything is sent. Then the day and week charts, the live activity page and
// the device list's online status and last heard; last, an admin's reset asks to be confirmed.
// Run by tests/e2e/main.rs (`cargo test --test e2e`), which starts the server, publishes a
// round of telemetry every 300 ms while this runs, and sets the env.
// Every wait is on a condition (playwright's auto-waiting), never on time.
import { env, scenario, step } from './browser.mjs';

const base = env('FW_E2E_BASE_URL');
const techEmail = env('FW_E2E_TECH_EMAIL');
const adminEmail = env('FW_E2E_ADMIN_EMAIL');
const password = env('FW_E2E_PASSWORD');
const deviceName = env('FW_E2E_DEVICE');
const deviceId = env('FW_E2E_DEVICE_ID');
const backfilled = Number(env('FW_E2E_BACKFILLED_MINUTES'));
const newPressure = Number(env('FW_E2E_NEW_PRESSURE'));

/** The number shown for `name` once the live stream brought it. */
function liveValue(page, name) {
  return page.locator(`#var-${name}[data-source="live"] .value`);
}

const summary = 'live values, hour/day/week charts, set pressure seen live without reload, range checked, activity, last heard, reset confirmed';
await scenario(summary, async ({ newPerson, screenshot }) => {
  const tech = await newPerson('technician');

  step('the technician signs in and opens the pump');
  await tech.goto(`${base}/devices`);
  await tech.getByRole('heading', { name: 'Sign in' }).waitFor();
  await tech.getByLabel('Email').fill(techEmail);
  await tech.getByLabel('Password').fill(password);
  await tech.getByLabel('Password').press('Enter');
  await tech.getByRole('heading', { name: 'Devices' }).waitFor();
  await tech.getByRole('link', { name: deviceName, exact: true }).click();
  await tech.getByRole('heading', { name: deviceName }).waitFor();
  await tech.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();

  step('the hour chart shows the stored history, and live readings join it');
  const pressureChart = tech.getByRole('img', { name: 'Pressure over the last hour, in bar' });
  const flowChart = tech.getByRole('img', { name: 'Flow over the last hour, in L/min' });
  await pressureChart.waitFor();
  await flowChart.waitFor();
  const points = Number(await pressureChart.getAttribute('data-points'));
  if (points < backfilled - 2) {
    throw new Error(`the hour chart has ${points} points, expected about ${backfilled}`);
  }
  await liveValue(tech, 'pressure').waitFor();
  await liveValue(tech, 'flow').waitFor();
  const readingsBefore = Number(await pressureChart.getAttribute('data-readings'));
  await screenshot(tech, 'pump-live-stopped');

  step('the technician starts the pump and sets a new pressure; no reload');
  // Gone if the page reloads.
  await tech.evaluate(() => { window.sameDocument = true; });
  // The catalog's controls: buttons for start and stop, a pressure field in bar with its range,
  // and no reset for an operator.
  await tech.locator('#fn-setPressure-hint').getByText('From 0 to 10 bar.').waitFor();
  if (await tech.getByRole('button', { name: 'Reset', exact: true }).count() !== 0) {
    throw new Error('an operator is offered a reset');
  }
  await tech.getByRole('button', { name: 'Start', exact: true }).click();
  await tech.locator('#fn-start-result').getByText('the device returned').waitFor();
  await tech.getByLabel('Set pressure (bar)').fill('12');
  await tech.getByRole('button', { name: 'Set pressure', exact: true }).click();
  await tech.locator('#fn-setPressure-result')
    .getByText('Enter a number from 0 to 10 bar.').waitFor();
  await screenshot(tech, 'pump-pressure-out-of-range');
  await tech.getByLabel('Set pressure (bar)').fill(String(newPressure));
  await tech.getByRole('button', { name: 'Set pressure', exact: true }).click();
  await tech.locator('#fn-setPressure-result').getByText('the device returned').waitFor();
  // Telemetry ripples ±2% around the set pressure.
  await tech.waitForFunction(([target]) => {
    const shown = document.querySelector('#var-pressure[data-source="live"] .value');
    const value = Number(shown?.textContent);
    return Math.abs(value - target) <= target * 0.03;
  }, [newPressure], { timeout: 15_000 });
  // Flow follows (3.7 L/min per bar), published just after the pressure of the same round.
  await tech.waitForFunction(([target]) => {
    const shown = document.querySelector('#var-flow[data-source="live"] .value');
    return Math.abs(Number(shown?.textContent) - target) <= target * 0.03;
  }, [newPressure * 3.7], { timeout: 15_000 });
  const shown = Number(await liveValue(tech, 'pressure').textContent());
  const flow = Number(await liveValue(tech, 'flow').textContent());
  if (!(await tech.evaluate(() => window.sameDocument === true))) {
    throw new Error('the page reloaded');
  }
  // The chart took the new readings in without reloading either.
  await tech.waitForFunction(([before]) => {
    const chart = document.querySelector('figure[data-name="pressure"] svg');
    return Number(chart?.getAttribute('data-readings')) > before + 3;
  }, [readingsBefore]);
  await tech.getByTestId('device-status').getByText('Online').waitFor();
  await tech.getByTestId('last-heard').filter({ hasText: /just now|\d+ s ago/ }).waitFor();
  console.log(`pressure shown ${shown} bar after setting ${newPressure}; flow ${flow} L/min`);
  await screenshot(tech, 'pump-new-pressure-live');

  step('the day and week charts');
  await tech.getByRole('button', { name: 'Last day' }).click();
  await tech.getByRole('img', { name: 'Pressure over the last day, in bar' }).waitFor();
  await screenshot(tech, 'pump-last-day');
  await tech.getByRole('button', { name: 'Last week' }).click();
  await tech.getByRole('img', { name: 'Flow over the last week, in L/min' }).waitFor();
  if (await tech.getByRole('button', { name: 'Last week' }).getAttribute('aria-pressed') !== 'true') {
    throw new Error('the week button is not shown pressed');
  }
  await screenshot(tech, 'pump-last-week');

  step('live activity lists what the technician\'s pumps publish, newest first');
  await tech.getByRole('link', { name: 'Live activity', exact: true }).click();
  await tech.getByRole('heading', { name: 'Live activity' }).waitFor();
  const row = tech.locator(`table.activity tbody tr[data-device="${deviceId}"][data-event="pressure"]`);
  await row.first().waitFor();
  // The device's name replaces its id once looked up.
  await row.first().getByRole('link', { name: deviceName, exact: true }).waitFor();
  const times = await tech.locator('table.activity tbody tr td:first-child').allTextContents();
  const sorted = [...times].sort().reverse();
  if (JSON.stringify(times) !== JSON.stringify(sorted)) throw new Error(`not newest first: ${times.slice(0, 5)}`);
  await screenshot(tech, 'live-activity');

  step('the device list shows online status and last heard');
  await tech.getByRole('link', { name: 'Devices', exact: true }).click();
  await tech.getByRole('columnheader', { name: 'Last heard' }).waitFor();
  const listed = tech.locator(`table.devices tbody tr[data-device="${deviceId}"]`);
  await listed.getByText('Online').waitFor();
  await listed.locator('td.last-heard').filter({ hasText: /just now|\d+ s ago/ }).waitFor();
  await screenshot(tech, 'devices-last-heard');

  step('an admin\'s reset asks to be confirmed; cancelled, nothing is sent');
  const admin = await newPerson('admin');
  await admin.goto(`${base}/devices/${deviceId}`);
  await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
  await admin.getByLabel('Email').fill(adminEmail);
  await admin.getByLabel('Password').fill(password);
  await admin.getByLabel('Password').press('Enter');
  await admin.getByRole('heading', { name: deviceName }).waitFor();
  await admin.getByRole('button', { name: 'Reset', exact: true }).click();
  const confirm = admin.getByRole('group', { name: 'Confirm reset' });
  await confirm.getByText('Reset this device?').waitFor();
  await screenshot(admin, 'pump-reset-confirm');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await confirm.waitFor({ state: 'detached' });
  if ((await admin.locator('#fn-reset-result').textContent()).trim() !== '') {
    throw new Error('a cancelled reset said something happened');
  }
  await admin.getByRole('button', { name: 'Reset', exact: true }).click();
  await confirm.getByRole('button', { name: 'Yes, reset' }).click();
  await admin.locator('#fn-reset-result').getByText('the device returned').waitFor();
  await screenshot(admin, 'pump-reset-done');
});
