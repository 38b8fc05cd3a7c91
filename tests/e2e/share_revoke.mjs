// The "done means", in Debian's headless Chromium: an admin shares a site with a group
// as operators; a technician of the group sees exactly the site's devices and sets a pressure;
// the admin finds the technician's chain in "who has access" and revokes it; the technician's
// next call is refused in words and the device is gone from their list.
// Run by tests/e2e/main.rs (`cargo test --test e2e`), which starts the server and sets the env.
// Every wait is on a condition (playwright's auto-waiting), never on time.
import fs from 'node:fs';
import { env, scenario, step } from './browser.mjs';

const base = env('FW_E2E_BASE_URL');
const adminEmail = env('FW_E2E_ADMIN_EMAIL');
const techEmail = env('FW_E2E_TECH_EMAIL');
const password = env('FW_E2E_PASSWORD');
const siteName = env('FW_E2E_SITE');
const groupName = env('FW_E2E_GROUP');
const siteDevices = env('FW_E2E_SITE_DEVICES').split(',').sort();

async function signIn(page, email) {
  await page.goto(`${base}/devices`);
  // Not signed in: the app sends us to the sign-in page, and back afterwards.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
}
async function deviceNames(page) {
  await page.locator('table.devices tbody tr').first().waitFor();
  return (await page.locator('table.devices tbody tr td:first-child a').allTextContents()).sort();
}
function same(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const summary = 'share, operate, who has access, revoke, refused, audit, directory, people, account, tablet';
await scenario(summary, async ({ newPerson, screenshot }) => {
  const admin = await newPerson('admin');
  const tech = await newPerson('technician');

  step('a wrong password is said in words');
  await admin.goto(`${base}/login`);
  await admin.getByLabel('Email').fill(adminEmail);
  await admin.getByLabel('Password').fill('not the password at all');
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('alert').filter({ hasText: 'Email or password is wrong.' }).waitFor();
  await screenshot(admin, 'login-error');

  step('the technician starts with nothing shared');
  await signIn(tech, techEmail);
  await tech.getByTestId('devices-empty').waitFor();
  await screenshot(tech, 'technician-before-share');

  step('the admin signs in and shares the site with the group as operators');
  await signIn(admin, adminEmail);
  await admin.locator('table.devices tbody tr').first().waitFor();
  await screenshot(admin, 'admin-devices');
  await admin.getByLabel('Site').selectOption({ label: siteName });
  await admin.getByText(`Page 1 of 1 · ${siteDevices.length} devices`).waitFor();
  same(await deviceNames(admin), siteDevices, 'devices at the site (admin)');
  await admin.getByRole('button', { name: 'Share this site…' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Share' });
  await dialog.waitFor();
  await dialog.getByLabel('With a').selectOption('group');
  await dialog.getByLabel('Group').selectOption({ label: groupName });
  await dialog.getByLabel('Role').selectOption({ label: 'operator' });
  await screenshot(admin, 'share-dialog');
  await dialog.getByRole('button', { name: 'Share', exact: true }).click();
  await admin.getByRole('status').filter({ hasText: `Shared site ${siteName} with group ${groupName} as operator.` }).waitFor();
  await dialog.waitFor({ state: 'detached' });
  await screenshot(admin, 'shared');

  step('the technician sees exactly the site\'s devices');
  await tech.reload();
  same(await deviceNames(tech), siteDevices, 'devices the technician sees');
  await screenshot(tech, 'technician-devices');

  step('the technician sets a pressure and sees the new value');
  const device = siteDevices[0];
  await tech.getByRole('link', { name: device, exact: true }).click();
  await tech.getByRole('heading', { name: device }).waitFor();
  const deviceUrl = tech.url();
  const deviceId = deviceUrl.split('/').pop();
  await tech.locator('#var-pressure .value').waitFor();
  await tech.getByLabel('Set pressure (bar)').fill('4.2');
  await tech.getByRole('button', { name: 'Set pressure', exact: true }).click();
  await tech.locator('#fn-setPressure-result').getByText('the device returned').waitFor();
  await tech.locator('#var-pressure .value').filter({ hasText: /^4\.2$/ }).waitFor();
  await screenshot(tech, 'technician-set-pressure');

  step('the admin opens "who has access" and finds the technician\'s chain');
  await admin.goto(`${base}/devices/${deviceId}/access`);
  const person = admin.locator(`article.person[data-email="${techEmail}"]`);
  await person.waitFor();
  const chain = person.locator('ol.chain').filter({ hasText: `group ${groupName}` });
  await chain.filter({ hasText: `operator on site ${siteName}` }).waitFor();
  await screenshot(admin, 'who-has-access');

  step('the admin revokes the grant in place');
  await chain.getByRole('button', { name: 'Revoke' }).click();
  await screenshot(admin, 'revoke-confirm');
  await chain.getByRole('button', { name: 'Yes, revoke' }).click();
  await admin.getByRole('status').filter({ hasText: 'Revoked operator on site' }).waitFor();
  await person.waitFor({ state: 'detached' });
  await screenshot(admin, 'revoked');

  step('the technician\'s next call is refused, in words');
  await tech.getByLabel('Set pressure (bar)').fill('3.1');
  await tech.getByRole('button', { name: 'Set pressure', exact: true }).click();
  await tech.locator('#fn-setPressure-result')
    .getByText('Refused: this device is no longer shared with you.').waitFor();
  await screenshot(tech, 'technician-refused');

  step('and the device is gone from the technician\'s list');
  await tech.getByRole('link', { name: 'Devices', exact: true }).click();
  await tech.getByTestId('devices-empty').waitFor();
  if (await tech.getByRole('link', { name: device, exact: true }).count() !== 0) {
    throw new Error(`${device} is still listed for the technician`);
  }
  await screenshot(tech, 'technician-after-revoke');

  step('a reload of a client-side route loads the app');
  await tech.goto(deviceUrl);
  await tech.getByRole('alert').filter({ hasText: 'no longer shared with you' }).waitFor();

  step('the admin finds the share and the revoke in the audit log, filtered to grants');
  await admin.getByRole('link', { name: 'Audit log', exact: true }).click();
  await admin.getByRole('heading', { name: 'Audit log' }).waitFor();
  await admin.getByLabel('Action', { exact: true }).fill('grant.');
  await admin.getByRole('button', { name: 'Apply filters' }).click();
  const grantRows = admin.locator('table.audit tbody tr');
  await grantRows.filter({ hasText: 'grant.revoke' }).first().waitFor();
  await grantRows.filter({ hasText: 'grant.create' }).first().waitFor();
  for (const row of await grantRows.allInnerTexts()) {
    if (!row.includes('grant.')) throw new Error(`the grant filter let through: ${row}`);
  }
  await screenshot(admin, 'audit-grants');

  step('the filtered log downloads as CSV');
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  if (!csv.startsWith('created_at,actor_email,')) throw new Error(`not the audit CSV: ${csv.slice(0, 200)}`);
  if (!csv.includes('grant.revoke') || !csv.includes('grant.create')) {
    throw new Error(`the export lacks the grants: ${csv.slice(0, 500)}`);
  }
  if (csv.includes('device.function_call')) throw new Error('the export ignored the filter');

  step('the directory shows the site and the group; people shows the technician');
  await admin.getByRole('link', { name: 'Directory', exact: true }).click();
  await admin.getByRole('heading', { name: 'Sites' }).waitFor();
  await admin.getByText(siteName, { exact: true }).first().waitFor();
  await admin.getByText(groupName, { exact: true }).first().waitFor();
  await screenshot(admin, 'directory');
  await admin.getByRole('link', { name: 'People', exact: true }).click();
  await admin.getByRole('heading', { name: 'People in this tenant' }).waitFor();
  await admin.getByText(techEmail).first().waitFor();
  await screenshot(admin, 'people');

  step('my account lists this very session');
  await admin.getByRole('link', { name: 'My account', exact: true }).click();
  await admin.getByRole('heading', { name: "Where I'm signed in" }).waitFor();
  await admin.getByText('this session', { exact: true }).first().waitFor();
  await screenshot(admin, 'my-account');

  step('on a tablet\'s width the device list fits the screen');
  await admin.setViewportSize({ width: 768, height: 1024 });
  await admin.getByRole('link', { name: 'Devices', exact: true }).click();
  await admin.getByRole('link', { name: device, exact: true }).waitFor();
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the device list is ${overflow} px wider than a 768 px screen`);
  await screenshot(admin, 'tablet-devices');
});
