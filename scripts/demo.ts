// Runs the publish action end to end on this machine: a real registry on 127.0.0.1, a sample
// tree, a Sigstore stack on loopback (Fulcio, Rekor) with a GitHub-shaped OIDC token endpoint, and
// the bundled dist/publish.js under Node 24 with exactly the environment the runner gives an
// action (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, ACTIONS_ID_TOKEN_REQUEST_*, an event
// payload). Prints the log, the outputs and the job summary, then what the registry holds.
// Usage: node --import tsx scripts/demo.ts   (scripts/demo.sh installs what it needs first)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../src/oci/client.js';
import { parseRepository } from '../src/oci/reference.js';
import { runAction } from '../test/harness/action.js';
import { startKeyless } from '../test/harness/keyless.js';
import { startRegistry } from '../test/harness/registry.js';

const registry = await startRegistry({ auth: 'basic' });
const keyless = await startKeyless({ repository: 'org/app-config', ref: 'refs/heads/main' });
const { oidc, stack: sigstore } = keyless;
const ws = mkdtempSync(join(tmpdir(), 'demo-'));
try {
  mkdirSync(join(ws, 'deploy', 'apps'), { recursive: true });
  writeFileSync(join(ws, 'deploy', 'kustomization.yaml'), 'resources:\n  - apps/podinfo.yaml\n');
  writeFileSync(
    join(ws, 'deploy', 'apps', 'podinfo.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n',
  );
  const repository = `${registry.host}/org/app-config/manifests`;
  const sha = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
  const inputs = {
    repository,
    path: 'deploy',
    username: registry.username ?? '',
    password: registry.password ?? '',
    'fulcio-url': sigstore.fulcioURL,
    'rekor-url': sigstore.rekorURL,
  };
  console.log(`registry: http://${registry.host} (distribution, htpasswd auth)`);
  console.log(`sigstore: Fulcio ${sigstore.fulcioURL}, Rekor ${sigstore.rekorURL} (test stack)`);
  console.log(`workspace: ${ws}`);
  console.log(`running dist/publish.js under Node 24 with inputs:`);
  for (const [k, v] of Object.entries(inputs))
    console.log(`  ${k}: ${k === 'password' ? '***' : v}`);
  const r = await runAction('publish', {
    inputs,
    workspace: ws,
    eventName: 'push',
    event: {
      ref: 'refs/heads/main',
      head_commit: { id: sha, timestamp: '2026-11-20T14:03:07Z' },
      repository: { full_name: 'org/app-config', default_branch: 'main' },
    },
    env: { GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main', ...oidc.env },
  });
  console.log(`\n--- action log (exit code ${r.exitCode}) ---\n${r.stdout}${r.stderr}`);
  console.log('--- outputs ($GITHUB_OUTPUT) ---');
  for (const [k, v] of Object.entries(r.outputs)) console.log(`${k}: ${v}`);
  console.log(`\n--- job summary ($GITHUB_STEP_SUMMARY) ---\n${r.summary}`);
  const client = new RegistryClient(parseRepository(repository), {
    username: registry.username,
    password: registry.password,
    ignoreDockerConfig: true,
  });
  console.log('--- registry content ---');
  for (const tag of await client.listTags()) {
    console.log(`${repository}:${tag} -> ${(await client.headManifest(tag))?.digest}`);
  }
  process.exitCode = r.exitCode;
} finally {
  await registry.stop();
  await keyless.stop();
  rmSync(ws, { recursive: true, force: true });
}
