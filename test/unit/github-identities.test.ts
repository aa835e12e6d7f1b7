import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIdentities } from '../../src/github/identities.js';
import { UserError } from '../../src/util/errors.js';

const ISSUER = '^https://token\\.actions\\.githubusercontent\\.com$';
const MAIN = '^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$';
const TAGS = '^https://github\\.com/org/app/.*@refs/tags/v.*$';

test('identities pasted from an OCIRepository, quoted or not, subject first or second', async () => {
  const text = `
    - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
      subject: ^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$ # main
    # a release workflow
    - subject: '^https://github\\.com/org/app/.*@refs/tags/v.*$'
      issuer: "^https://token\\\\.actions\\\\.githubusercontent\\\\.com$"
  `;
  assert.deepEqual(await parseIdentities(text), [
    { issuer: ISSUER, subject: MAIN },
    { issuer: ISSUER, subject: TAGS },
  ]);
});

test('flow style, and the matchOIDCIdentity key or verify block pasted with it', async () => {
  const flow = `- {issuer: '${ISSUER}', subject: "${MAIN.replace(/\\/g, '\\\\')}"}`;
  assert.deepEqual(await parseIdentities(flow), [{ issuer: ISSUER, subject: MAIN }]);
  const keyed = `matchOIDCIdentity:\n  - issuer: ${ISSUER}\n    subject: ${TAGS}\n`;
  assert.deepEqual(await parseIdentities(keyed), [{ issuer: ISSUER, subject: TAGS }]);
  const verify = `verify:\n  provider: cosign\n  matchOIDCIdentity:\n    - {issuer: '${ISSUER}', subject: '${TAGS}'}\n`;
  assert.deepEqual(await parseIdentities(verify), [{ issuer: ISSUER, subject: TAGS }]);
});

test('a selection copied from an indented block, first line without its indentation', async () => {
  const copied = `- issuer: ${ISSUER}\n        subject: ${MAIN}\n      - issuer: ${ISSUER}\n        subject: ${TAGS}\n`;
  assert.deepEqual(await parseIdentities(copied), [
    { issuer: ISSUER, subject: MAIN },
    { issuer: ISSUER, subject: TAGS },
  ]);
  const keyed = `matchOIDCIdentity:\n      - issuer: ${ISSUER}\n        subject: ${MAIN}\n`;
  assert.deepEqual(await parseIdentities(keyed), [{ issuer: ISSUER, subject: MAIN }]);
});

test('incomplete, empty or unreadable entries name the input and the line', async () => {
  for (const [bad, why] of [
    ['- issuer: x', /entry 1 needs both issuer and subject/],
    ['subject: y', /not a list/],
    ['- issuer: x\n  subject: y\n  audience: z', /entry 1 has "audience"/],
    ['- issuer: x\n  subject: 12', /needs both issuer and subject/],
    ['# only a comment', /no entries/],
    ['matchOIDCIdentity: []', /no entries/],
    [
      '- issuer: x\n  issuer: y\n  subject: z',
      /not YAML: Map keys must be unique at line 2, column 3/,
    ],
    ["- issuer: 'x\n  subject: y", /not YAML/],
    ['- x', /entry 1 is not a mapping/],
  ] as const) {
    await assert.rejects(
      parseIdentities(bad),
      (e: unknown) =>
        e instanceof UserError &&
        e.input === 'match-oidc-identity' &&
        e.message.startsWith('input match-oidc-identity: ') &&
        why.test(e.message),
      bad,
    );
  }
});
