// Where the step's log points for a Rekor entry (src/github/sigstore-log.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rekorEntryURL } from '../../src/github/sigstore-log.js';

test('public-good Rekor entries link to the log search, as actions/attest does', () => {
  assert.equal(
    rekorEntryURL('https://rekor.sigstore.dev/', '123456'),
    'https://search.sigstore.dev/?logIndex=123456',
  );
});

test('any other Rekor links to its own entries API', () => {
  assert.equal(
    rekorEntryURL('https://rekor.example.internal/', '7'),
    'https://rekor.example.internal/api/v1/log/entries?logIndex=7',
  );
});
