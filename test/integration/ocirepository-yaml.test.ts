// The OCIRepository the job summary offers for pasting, judged by source-controller's own CRD
// schema (test/harness/flux-crd.ts): kubectl apply would accept it, and its matchOIDCIdentity,
// read back by our match-oidc-identity parser and Go regexp, matches exactly the signature's
// identity.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { yamlBlocks } from '../../scripts/check-examples.js';
import { parseIdentities } from '../../src/github/identities.js';
import { ociRepositoryYaml } from '../../src/github/ocirepository-yaml.js';
import { compileGoRegexp } from '../../src/util/go-regexp.js';
import { ociRepositorySchema, type Schema, validateObject } from '../harness/flux-crd.js';
import { REPO_ROOT, requireTools } from '../harness/tools.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT =
  'https://github.com/Org/my_app+x/.github/workflows/publish (1).yaml@refs/tags/v1.0.0';

function yamlBlock(markdown: string): unknown {
  const m = /```yaml\n([\s\S]*?)```/.exec(markdown);
  assert.ok(m, markdown);
  return parse(m[1] as string);
}

describe('summary OCIRepository', requireTools('go'), () => {
  let schema: Schema;
  before(async () => {
    schema = await ociRepositorySchema();
  });

  it('the validator refuses what the API server refuses', () => {
    const bad = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'My_App' },
      spec: { interval: '5 minutes', url: 'oci://x/y', ref: { tag: 1 }, verfy: {} },
    };
    const errs = validateObject(bad, schema);
    for (const want of ['.metadata.name', '.spec.interval', '.spec.ref.tag', '.spec.verfy'])
      assert.ok(
        errs.some((e) => e.startsWith(want)),
        `${want} not reported: ${errs.join('; ')}`,
      );
  });

  it('keyless: valid for kubectl apply, and its identity matches exactly this signature', async () => {
    const md = await ociRepositoryYaml('ghcr.io/org/My_App.Deploy', '1.0', {
      formats: ['cosign-v2', 'cosign-v3'],
      certificateIdentity: SUBJECT,
      certificateOidcIssuer: ISSUER,
    });
    const obj = yamlBlock(md) as {
      metadata: { name: string };
      spec: { ref: { tag: unknown }; verify: unknown };
    };
    assert.deepEqual(validateObject(obj, schema), []);
    assert.equal(obj.metadata.name, 'my-app-deploy');
    assert.equal(obj.spec.ref.tag, '1.0', 'a tag that looks like a number stays a string');
    const [id] = await parseIdentities(stringify(obj.spec.verify));
    assert.ok(id);
    const issuer = await compileGoRegexp(id.issuer);
    const subject = await compileGoRegexp(id.subject);
    assert.ok(issuer.test(ISSUER) && subject.test(SUBJECT));
    assert.ok(!subject.test(`${SUBJECT}x`) && !subject.test(SUBJECT.replace('+', 'x')));
    assert.ok(!issuer.test(ISSUER.replace('.', 'x')));
  });

  it('key: a secretRef with the command that creates the secret', async () => {
    const md = await ociRepositoryYaml('ghcr.io/org/app', undefined, {
      formats: ['cosign-v2'],
      publicKey: '-----BEGIN PUBLIC KEY-----',
    });
    const obj = yamlBlock(md) as { spec: { verify: unknown } };
    assert.deepEqual(validateObject(obj, schema), []);
    assert.deepEqual(obj.spec.verify, { provider: 'cosign', secretRef: { name: 'cosign-pub' } });
    assert.match(
      md,
      /# kubectl -n flux-system create secret generic cosign-pub --from-file=cosign.pub/,
    );
  });

  it('every OCIRepository in README.md and docs/ is valid for kubectl apply, its regexps Go-valid', async () => {
    let seen = 0;
    for (const file of [
      'README.md',
      ...readdirSync(join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`),
    ]) {
      if (!file.endsWith('.md')) continue;
      for (const block of yamlBlocks(readFileSync(join(REPO_ROOT, file), 'utf8'))) {
        for (const doc of parseAllDocuments(block.text)) {
          const obj = doc.toJS() as { kind?: string; spec?: { verify?: unknown } } | null;
          if (obj?.kind !== 'OCIRepository') continue;
          seen++;
          assert.deepEqual(validateObject(obj, schema), [], `${file}:${block.line}`);
          const verify = obj.spec?.verify as { matchOIDCIdentity?: unknown } | undefined;
          if (verify?.matchOIDCIdentity) {
            for (const id of await parseIdentities(stringify(verify.matchOIDCIdentity))) {
              await compileGoRegexp(id.issuer);
              await compileGoRegexp(id.subject);
            }
          }
        }
      }
    }
    assert.ok(seen >= 1, 'README has an OCIRepository');
  });
});
