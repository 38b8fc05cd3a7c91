// The official Particle JavaScript client (particle-api-js, from npm) signs in as a
// simple-auth customer against the simulated cloud with the password grant, as a maker's app
// does, then lists the customer's devices with the token it got; a wrong password is refused
// with Particle's own error, and so is the old one (FW_E2E_OLD_PASSWORD) after a reset
// through Fleetwarden. No browser: Node and the package only.
// Run by tests/e2e/main.rs (`cargo test --test e2e`), which starts the simulator and the
// server, makes the customer, resets the password and sets the env.
import Particle from 'particle-api-js';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo test --test e2e)`);
  return value;
}

const particle = new Particle({
  baseUrl: env('FW_E2E_PARTICLE_URL'),
  clientId: env('FW_E2E_CLIENT_ID'),
  clientSecret: env('FW_E2E_CLIENT_SECRET'),
});
const username = env('FW_E2E_CUSTOMER');
const password = env('FW_E2E_CUSTOMER_PASSWORD');
const oldPassword = process.env.FW_E2E_OLD_PASSWORD;

async function refusedWith(attempt) {
  try {
    await particle.login({ username, password: attempt });
  } catch (error) {
    return error;
  }
  return undefined;
}

try {
  const login = await particle.login({ username, password });
  const token = login.body.access_token;
  if (login.statusCode !== 200 || !/^[0-9a-f]{40}$/.test(token)) {
    throw new Error(`login answered ${login.statusCode}: ${JSON.stringify(login.body)}`);
  }
  const devices = await particle.listDevices({ auth: token });
  if (devices.statusCode !== 200 || !Array.isArray(devices.body)) {
    throw new Error(`listing devices answered ${devices.statusCode}`);
  }
  const wrong = [`${password} but wrong`, ...(oldPassword ? [oldPassword] : [])];
  for (const attempt of wrong) {
    const refused = await refusedWith(attempt);
    if (!refused || refused.statusCode !== 400 || refused.body?.error !== 'invalid_grant') {
      throw new Error(`a ${attempt === oldPassword ? 'old' : 'wrong'} password was not refused as invalid_grant: ${refused?.statusCode} ${JSON.stringify(refused?.body)}`);
    }
  }
  const old = oldPassword ? ' and with the old one' : '';
  console.log(`PASS: particle-api-js signed in as ${username} (${devices.body.length} devices) and was refused with a wrong password${old}`);
} catch (error) {
  console.log(`FAIL: ${error.message}`);
  process.exit(1);
}
