import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIdentities } from '../../src/github/identities.js';
import { UserError } from '../../src/util/errors.js';

test('identities pasted from an OCIRepository, quoted or not, subject first or second', () => {
  const text = `
    - issuer: ^https://token\\.actions\\.githubusercontent\\.com$
      subject: ^https://github\\.com/org/app/\\.github/workflows/publish\\.yaml@refs/heads/main$
    # a release workflow
    - subject: '^https://github\\.com/org/app/.*@refs/tags/v.*$'
      issuer: "^https://token\\\\.actions\\\\.githubusercontent\\\\.com$"
  `;
  const ids = parseIdentities(text);
  assert.equal(ids.length, 2);
  assert.equal(ids[0]?.issuer, '^https://token\\.actions\\.githubusercontent\\.com$');
  assert.equal(ids[1]?.subject, '^https://github\\.com/org/app/.*@refs/tags/v.*$');
  assert.equal(ids[1]?.issuer, '^https://token\\.actions\\.githubusercontent\\.com$');
});

test('incomplete or unreadable entries name the input', () => {
  for (const bad of ['- issuer: x', 'subject: y', '- issuer: x\n  audience: z']) {
    assert.throws(
      () => parseIdentities(bad),
      (e: unknown) => e instanceof UserError && e.input === 'match-oidc-identity',
    );
  }
});
