// Imported first by the entry points that sign with a cosign key (publish, sign): the key's scrypt
// (~250 ms of CPU with cosign's N=65536, in the thread pool) starts while Node is still loading
// the rest of the action, instead of after the inputs are read. Reads the inputs as
// @actions/core's getInput() and Inputs.secret() do; signingSetup() then takes the result only
// when key, password, salt and parameters match (src/signing/key-derivation.ts), and still
// checks, masks and reports everything itself.
import { startKeyDerivation } from '../signing/key-derivation.js';

const input = (name: string) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const key = input('cosign-key');
if (key && input('sign').toLowerCase() !== 'false') {
  startKeyDerivation(key, input('cosign-key-password') || process.env.COSIGN_PASSWORD || '');
}
