// A tenant admin's bill in Debian's headless Chromium: the tenant is on a plan including
// fewer seats than its people, so Billing says so prominently, bills the extra seats and
// projects the month; the seats chart draws a bar a day and downloads as CSV; an earlier
// month is one pick away; no invoice has been issued yet. Then a platform admin, who belongs
// to no tenant, picks the tenant, sees the plans, moves it onto a plan including all its people
// (the warning goes) and closes last month.
// Run by tests/e2e/main.rs (`cargo test --test e2e`), which starts the server, puts the tenant
// on the plan and sets the env. Every wait is on a condition, never on time.
import fs from 'node:fs';
import { env, scenario, step } from './browser.mjs';

const base = env('FW_E2E_BASE_URL');
const adminEmail = env('FW_E2E_ADMIN_EMAIL');
const opsEmail = env('FW_E2E_OPS_EMAIL');
const password = env('FW_E2E_PASSWORD');
const tenantName = env('FW_E2E_TENANT');
const planName = env('FW_E2E_PLAN');
const newPlanName = env('FW_E2E_NEW_PLAN');
const newIncluded = env('FW_E2E_NEW_INCLUDED');
const seats = env('FW_E2E_SEATS');
const included = env('FW_E2E_INCLUDED');
const period = env('FW_E2E_PERIOD');
const previousPeriod = env('FW_E2E_PREVIOUS_PERIOD');
const daysInMonth = Number(env('FW_E2E_DAYS_IN_MONTH'));
// What the API says, as the page must show it.
const billTotal = env('FW_E2E_BILL_TOTAL');
const projectedTotal = env('FW_E2E_PROJECTED_TOTAL');

function check(condition, what) {
  if (!condition) throw new Error(what);
}

function monthName(periodText) {
  const [y, m] = periodText.split('-');
  const name = new Date(Date.UTC(Number(y), Number(m) - 1, 1))
    .toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return `${name} ${y}`;
}

const summary = 'plan, seats over the included ones, bill so far, projection, chart, CSV, '
  + 'earlier month; a platform admin moves the tenant onto another plan and closes last month';
await scenario(summary, async ({ newPerson, screenshot }) => {
  const admin = await newPerson('admin');

  step('the tenant admin signs in and opens Billing from the navigation');
  await admin.goto(`${base}/devices`);
  await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
  await admin.getByLabel('Email').fill(adminEmail);
  await admin.getByLabel('Password').fill(password);
  await admin.getByLabel('Password').press('Enter');
  await admin.getByRole('heading', { name: 'Devices' }).waitFor();
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
  await admin.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();

  step('the plan, the seats over the included ones, and the warning');
  await admin.getByTestId('plan').filter({ hasText: planName }).waitFor();
  await admin.getByTestId('seats').filter({ hasText: `Seats: ${seats} of ${included} included` }).waitFor();
  const warning = admin.getByTestId('seat-warning');
  await warning.waitFor();
  check((await warning.getAttribute('role')) === 'alert', 'the warning is an alert');
  check((await warning.textContent()).trim().length > 0, 'the warning says something');
  await admin.getByText('2 seats included · 49.00 USD a month · 12.00 USD a month per extra seat').waitFor();

  step('this month\'s bill so far: a base line, an extra-seats line, a total and a projection');
  const bill = admin.locator('table.bill');
  await bill.locator('tr[data-kind="base"]').waitFor();
  const extra = bill.locator('tr[data-kind="extra_seats"]');
  await extra.waitFor();
  const extraCells = await extra.locator('td').allTextContents();
  check(/seat-days?$/.test(extraCells[1]), `extra seats counted in seat-days: ${extraCells}`);
  check(/^\d+\.\d{4} USD$/.test(extraCells[2]), `a unit price per seat-day: ${extraCells}`);
  check(/^\d+\.\d{2} USD$/.test(extraCells[3]), `an amount: ${extraCells}`);
  await admin.getByTestId('bill-total').filter({ hasText: billTotal }).waitFor();
  await admin.getByTestId('projected').filter({ hasText: projectedTotal }).waitFor();
  await screenshot(admin, 'billing-this-month');

  step('the chart has a bar a day, the days so far over the included line');
  const chart = admin.getByTestId('seat-chart');
  await chart.waitFor();
  check(await chart.locator('rect.bar').count() === daysInMonth, 'a bar for every day of the month');
  check(await chart.locator('rect.bar.over').count() >= 1, 'today is drawn above the included seats');
  check(await chart.locator('line.included-line').count() === 1, 'a line at the included seats');

  step('the month\'s seats download as CSV');
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  check(download.suggestedFilename() === `seats-${period}.csv`, `file name: ${download.suggestedFilename()}`);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  check(csv[0] === 'date,seats', `CSV header: ${csv[0]}`);
  check(csv.length === daysInMonth + 1, `a CSV row a day: ${csv.length - 1}`);
  check(csv.slice(1).every((row) => row.startsWith(`${period}-`)), 'rows are days of the month');
  check(csv.slice(1).some((row) => row.endsWith(`,${seats}`)), `today has ${seats} seats`);

  step('no invoice yet');
  await admin.getByTestId('no-invoices').waitFor();

  step('last month is one pick away');
  await admin.getByLabel('Month').selectOption(previousPeriod);
  const lastMonth = monthName(previousPeriod);
  await admin.getByRole('heading', { name: `Seats per day, ${lastMonth}` }).waitFor();
  await admin.getByRole('heading', { name: `${lastMonth}: bill`, exact: true }).waitFor();
  check(await admin.getByTestId('projected').count() === 0, 'no projection for a past month');
  await screenshot(admin, 'billing-last-month');

  step('back to this month');
  await admin.getByLabel('Month').selectOption(period);
  await admin.getByTestId('projected').waitFor();
  await admin.setViewportSize({ width: 768, height: 1024 });
  await screenshot(admin, 'billing-tablet');

  step('a platform admin, in no tenant, signs in and picks the tenant');
  const ops = await newPerson('ops');
  await ops.goto(`${base}/devices`);
  await ops.getByRole('heading', { name: 'Sign in' }).waitFor();
  await ops.getByLabel('Email').fill(opsEmail);
  await ops.getByLabel('Password').fill(password);
  await ops.getByLabel('Password').press('Enter');
  await ops.getByRole('heading', { name: 'Devices' }).waitFor();
  const tenant = ops.getByLabel('Tenant');
  await tenant.locator('option', { hasText: tenantName }).waitFor({ state: 'attached' });
  check(await tenant.locator('option').count() >= 2, 'every tenant is offered');
  await tenant.selectOption({ label: tenantName });
  await screenshot(ops, 'ops-tenant-picked');

  step('Billing is in the navigation; the page shows the tenant\'s plan and the plans');
  await ops.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
  await ops.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();
  check(await ops.getByText("You don't belong to a tenant yet").count() === 0, 'no "no tenant" note');
  await ops.getByTestId('plan').filter({ hasText: planName }).waitFor();
  await ops.getByTestId('seat-warning').waitFor();
  const plans = ops.locator('table.plans');
  await plans.locator('tbody tr', { hasText: planName }).waitFor();
  const team = plans.locator('tbody tr', { hasText: newPlanName });
  await team.waitFor();
  const teamCells = await team.locator('td').allTextContents();
  check(teamCells[1].trim() === newIncluded, `${newPlanName} includes ${newIncluded}: ${teamCells}`);
  await plans.locator('tbody tr', { hasText: planName }).filter({ hasText: "this tenant's" }).waitFor();
  await screenshot(ops, 'ops-billing-plans');

  step('ops moves the tenant onto the larger plan: the new plan shows, the warning goes');
  const planPicker = ops.getByLabel('Move this tenant onto');
  const newPlanId = await planPicker.locator('option', { hasText: newPlanName }).getAttribute('value');
  await planPicker.selectOption(newPlanId);
  await ops.getByRole('button', { name: 'Move to this plan' }).click();
  await ops.getByRole('status').filter({ hasText: `The tenant is now on ${newPlanName}.` }).waitFor();
  await ops.getByTestId('plan').filter({ hasText: newPlanName }).waitFor();
  await ops.getByTestId('seats').filter({ hasText: `Seats: ${seats} of ${newIncluded} included` }).waitFor();
  await ops.getByTestId('seat-warning').waitFor({ state: 'detached' });
  await team.filter({ hasText: "this tenant's" }).waitFor();
  check(await plans.locator('tbody tr', { hasText: "this tenant's" }).count() === 1,
    'only the new plan is marked as the tenant\'s');
  await screenshot(ops, 'ops-moved-plan');

  step('ops closes last month, which the tenant had no plan in: the page says so in words');
  const close = ops.getByRole('button', { name: `Close last month (${lastMonth})` });
  await close.click();
  const closed = ops.getByRole('status').filter({ hasText: `Closed ${lastMonth}` });
  await closed.waitFor();
  const said = (await closed.textContent()).trim();
  check(said === `Closed ${lastMonth}: no invoices for that month.`, `close answered: ${said}`);
  check(await ops.getByRole('alert').filter({ hasText: /./ }).count() === 0, 'no error or warning');
  await ops.getByTestId('no-invoices').waitFor();
  await screenshot(ops, 'ops-closed-last-month');
});
