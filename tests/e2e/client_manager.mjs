// A client company's manager, in Debian's headless Chromium: ClientX's manager sees their own
// company's directory, people and audit log and nothing of ClientY; invites a colleague into
// ClientX; makes a ClientX group and puts the colleague in it; shares a Boston pump with the
// group as operators; gives that grant an end in the grant dialog; and finds all of it in the
// audit log, with the colleague's refused attempt on another pump said in words.
// Run by tests/e2e/main.rs (`cargo test --test e2e`), which starts the server, sets the env, and
// accepts the emailed invitation when this script prints `INVITED <email>` (answering
// `accepted` on stdin). Every wait is on a condition (playwright's auto-waiting), never on time.
import readline from 'node:readline';
import { env, scenario, step } from './browser.mjs';

const base = env('FW_E2E_BASE_URL');
const managerEmail = env('FW_E2E_MANAGER_EMAIL');
const colleagueEmail = env('FW_E2E_COLLEAGUE_EMAIL');
const colleagueName = env('FW_E2E_COLLEAGUE_NAME');
const password = env('FW_E2E_PASSWORD');
const company = env('FW_E2E_COMPANY');
const groupName = env('FW_E2E_GROUP');
const deviceName = env('FW_E2E_DEVICE');
// What ClientX's manager must never see.
const others = ['ClientY', 'Chicago', 'ystaff@'];

// Answers from the test, one line each.
const fromTest = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function answer(expected) {
  const { value, done } = await fromTest.next();
  if (done || value !== expected) throw new Error(`the test answered ${done ? 'nothing' : value}, not ${expected}`);
}

async function nothingOfTheOthers(page, where) {
  // textContent, not innerText: option lists and collapsed details count too.
  const text = await page.evaluate(() => document.body.textContent);
  for (const secret of others) {
    if (text.includes(secret)) throw new Error(`the ${where} shows ${secret}`);
  }
}

const summary = 'manager nav, own directory only, invite, group, member, share, edit grant, audit, refused';
await scenario(summary, async ({ newPerson, screenshot }) => {
  // UTC, so the end typed into the grant dialog reads back the same in the chain.
  const page = await newPerson('manager', { timezoneId: 'UTC' });
  const nav = page.getByRole('navigation', { name: 'Main' });

  step('the manager signs in and is offered the directory, people and the audit log');
  await page.goto(`${base}/devices`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(managerEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.getByRole('link', { name: deviceName, exact: true }).waitFor();
  for (const link of ['Directory', 'People', 'Audit log']) {
    await nav.getByRole('link', { name: link, exact: true }).waitFor();
  }
  await screenshot(page, 'manager-devices');

  step(`the directory shows ${company} alone, as a root, without the tenant's controls`);
  await nav.getByRole('link', { name: 'Directory', exact: true }).click();
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();
  const orgs = page.locator('ul.tree li.tree-node');
  await orgs.first().waitFor();
  const orgNames = await orgs.locator('.tree-name').allTextContents();
  if (orgNames.length !== 1 || orgNames[0].trim() !== company) {
    throw new Error(`the tree shows ${JSON.stringify(orgNames)}, not ${company} alone`);
  }
  await page.getByRole('cell', { name: `${company} Boston`, exact: true }).waitFor();
  if (await page.getByRole('button', { name: /^Delete organization/ }).count() !== 0) {
    throw new Error('a manager is offered deleting an organization');
  }
  if (await page.getByRole('button', { name: 'Add organization' }).count() !== 0) {
    throw new Error('a manager is offered adding organizations');
  }
  await page.getByRole('button', { name: 'Add site…' }).waitFor();
  await page.getByRole('button', { name: 'Add group…' }).waitFor();
  await nothingOfTheOthers(page, 'directory');
  await screenshot(page, 'directory');

  step(`people shows ${company}'s people; the manager invites a colleague into ${company}`);
  await nav.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('heading', { name: 'People in this tenant' }).waitFor();
  await page.locator(`tr[data-email="${managerEmail}"]`).waitFor();
  if (await page.getByRole('combobox', { name: /^Role of/ }).count() !== 0) {
    throw new Error('a manager is offered making people tenant admins');
  }
  const into = page.getByLabel('Into', { exact: true });
  const intoOptions = await into.locator('option').allTextContents();
  if (JSON.stringify(intoOptions) !== JSON.stringify([company])) {
    throw new Error(`the invitation goes into ${JSON.stringify(intoOptions)}, not ${company} alone`);
  }
  if (await page.getByLabel('As', { exact: true }).locator('option').filter({ hasText: 'tenant admin' }).count() !== 0) {
    throw new Error('a manager is offered inviting tenant admins');
  }
  await nothingOfTheOthers(page, 'people page');
  await page.getByLabel('Email', { exact: true }).fill(colleagueEmail);
  await screenshot(page, 'invite');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Invited ${colleagueEmail}` }).waitFor();
  await page.locator(`tr[data-invitation="${colleagueEmail}"]`).filter({ hasText: company }).waitFor();
  await screenshot(page, 'invited');

  step('the colleague accepts the emailed invitation');
  console.log(`INVITED ${colleagueEmail}`);
  await answer('accepted');
  await page.reload();
  await page.locator(`tr[data-email="${colleagueEmail}"]`).waitFor();
  await screenshot(page, 'colleague-joined');

  step(`the manager makes a ${company} group and puts the colleague in it`);
  await nav.getByRole('link', { name: 'Directory', exact: true }).click();
  await page.getByRole('button', { name: 'Add group…' }).click();
  const groupDialog = page.getByRole('dialog', { name: 'Add a group' });
  await groupDialog.waitFor();
  await groupDialog.getByLabel('Name').fill(groupName);
  const groupOrgs = await groupDialog.getByLabel('Organization').locator('option').allTextContents();
  if (JSON.stringify(groupOrgs.map((o) => o.trim())) !== JSON.stringify([company])) {
    throw new Error(`the group may belong to ${JSON.stringify(groupOrgs)}, not ${company} alone`);
  }
  await screenshot(page, 'group-dialog');
  await groupDialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: `Saved the group ${groupName}.` }).waitFor();
  const card = page.locator(`article.group[data-group="${groupName}"]`);
  await card.getByText(`of ${company}`, { exact: true }).waitFor();
  await card.getByLabel('Add a person').selectOption({ label: `${colleagueName} <${colleagueEmail}>` });
  await card.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Added ${colleagueName} to ${groupName}.` }).waitFor();
  await page.locator(`article.group[data-group="${groupName}"] li.chip`).filter({ hasText: colleagueName }).waitFor();
  await nothingOfTheOthers(page, 'directory');
  await screenshot(page, 'group-with-colleague');

  step(`the manager shares ${deviceName} with the group as operators`);
  await nav.getByRole('link', { name: 'Devices', exact: true }).click();
  await page.getByRole('link', { name: deviceName, exact: true }).click();
  await page.getByRole('heading', { name: deviceName }).waitFor();
  const deviceId = page.url().split('/').pop();
  await page.goto(`${base}/devices/${deviceId}/access`);
  await page.getByRole('heading', { name: `Who has access to ${deviceName}` }).waitFor();
  await page.getByRole('button', { name: 'Share…' }).click();
  const share = page.getByRole('dialog', { name: 'Share' });
  await share.waitFor();
  await share.getByLabel('With a').selectOption('group');
  const groupChoices = await share.getByLabel('Group').locator('option').allTextContents();
  if (groupChoices.some((g) => g.includes('Chicago'))) throw new Error(`the share dialog offers ${groupChoices}`);
  await share.getByLabel('Group').selectOption({ label: groupName });
  await share.getByLabel('Role').selectOption({ label: 'operator' });
  await screenshot(page, 'share-dialog');
  await share.getByRole('button', { name: 'Share', exact: true }).click();
  await page.getByRole('status')
    .filter({ hasText: `Shared device ${deviceName} with group ${groupName} as operator.` }).waitFor();
  const colleague = page.locator(`article.person[data-email="${colleagueEmail}"]`);
  const chain = colleague.locator('ol.chain').filter({ hasText: `group ${groupName}` });
  await chain.filter({ hasText: `operator on device ${deviceName}` }).waitFor();
  await screenshot(page, 'shared');

  step('the manager gives that grant an end in the grant dialog');
  await chain.getByRole('button', { name: `Edit operator on device ${deviceName}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit operator on device ${deviceName}` });
  await edit.waitFor();
  await edit.getByLabel('Role').locator('option', { hasText: 'operator' }).waitFor({ state: 'attached' });
  await edit.getByLabel('Never (until revoked)').uncheck();
  await edit.getByLabel('Ends at').fill('2031-01-15T12:00');
  await screenshot(page, 'edit-grant');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Changed the grant: operator until 2031-01-15 12:00 UTC.' }).waitFor();
  await edit.waitFor({ state: 'detached' });
  await chain.filter({ hasText: `operator on device ${deviceName} until 2031-01-15 12:00 UTC` }).waitFor();
  await screenshot(page, 'grant-edited');

  step('the audit log shows what the manager did, and nothing of ClientY');
  await nav.getByRole('link', { name: 'Audit log', exact: true }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  const rows = page.locator('table.audit tbody tr');
  for (const action of ['invitation.create', 'group.create', 'group.member_add', 'grant.create', 'grant.update']) {
    await rows.filter({ hasText: managerEmail }).filter({ hasText: action }).first().waitFor();
  }
  await nothingOfTheOthers(page, 'audit log');
  await screenshot(page, 'audit');

  step('refused attempts only: the colleague\'s tries on a pump not shared with them, in words');
  await page.getByLabel('Refused attempts only').check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const refused = rows.filter({ hasText: colleagueEmail }).filter({ hasText: /refused: device\.[a-z_.]+ ×5 \(/ });
  await refused.first().waitFor();
  // The unfiltered table holds the refusal too: wait for the filtered answer to replace it.
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('table.audit tbody tr')];
    return shown.length > 0 && shown.every((row) => row.textContent.includes('access.refused'));
  });
  await nothingOfTheOthers(page, 'audit log');
  await screenshot(page, 'audit-refused');
});
process.stdin.destroy();
