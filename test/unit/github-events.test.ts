// Defaults per event (revision, tags, created, source) on real-shaped payload fixtures: the
// table in README "Defaults per event" is this test's expectations.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  contextFromEnv,
  defaultRevision,
  defaultSource,
  defaultTags,
  KNOWN_EVENTS,
  type LatestMode,
  provenance,
} from '../../src/github/context.js';
import { resolveCreated } from '../../src/github/created.js';
import { UserError } from '../../src/util/errors.js';
import { EVENTS_DIR as DIR, fixtureEnv } from '../harness/events.js';

const MAIN = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const FEAT = '2b7e151628aed2a6abf7158809cf4f3c762e7160';
const PRHEAD = '1a79a4d60de6718e8e5b326e338ae533f2f5a3c4';
const FORKHEAD = '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a';
const TAG = '4e9b2c7d1a0f8e6d5c3b2a1f0e9d8c7b6a5f4e3d';
const MQ = '3c59dc048e8850243be8079a5c74d079e1f2a3b4';
const MQ_REF = `gh-readonly-queue/main/pr-42-${MAIN}`;

interface Row {
  fixture: string;
  revision: string;
  /** Default tags with latest: auto; a RegExp when the event has none (the error). */
  tags: string[] | RegExp;
  /** With latest: true / false. */
  latestTrue?: string[];
  /** `created` from the payload; undefined when the payload has no commit time. */
  created?: string;
}

const ROWS: Row[] = [
  {
    fixture: 'push',
    revision: `main@sha1:${MAIN}`,
    tags: ['latest', 'main-9f2c4b1'],
    created: '2026-11-20T13:03:07Z',
  },
  {
    fixture: 'push-branch',
    revision: `feature/login@sha1:${FEAT}`,
    tags: ['feature-login-2b7e151'],
    latestTrue: ['latest', 'feature-login-2b7e151'],
    created: '2026-11-18T08:30:00Z',
  },
  {
    fixture: 'push-tag',
    revision: `v1.2.3@sha1:${TAG}`,
    tags: ['v1.2.3'],
    latestTrue: ['latest', 'v1.2.3'],
    created: '2026-11-21T10:00:00Z',
  },
  { fixture: 'pull_request', revision: `feature/login@sha1:${PRHEAD}`, tags: ['pr-42'] },
  { fixture: 'pull_request-fork', revision: `main@sha1:${FORKHEAD}`, tags: ['pr-43'] },
  {
    fixture: 'pull_request_target',
    revision: `feature/login@sha1:${PRHEAD}`,
    tags: ['pr-42'],
    latestTrue: ['pr-42'],
  },
  { fixture: 'pull_request_review', revision: `feature/login@sha1:${PRHEAD}`, tags: ['pr-42'] },
  {
    fixture: 'pull_request_review_comment',
    revision: `feature/login@sha1:${PRHEAD}`,
    tags: ['pr-42'],
  },
  { fixture: 'release', revision: `v1.2.3@sha1:${TAG}`, tags: ['v1.2.3'] },
  { fixture: 'workflow_dispatch', revision: `main@sha1:${MAIN}`, tags: ['latest', 'main-9f2c4b1'] },
  {
    fixture: 'workflow_dispatch-branch',
    revision: `feature/login@sha1:${FEAT}`,
    tags: ['feature-login-2b7e151'],
  },
  { fixture: 'schedule', revision: `main@sha1:${MAIN}`, tags: ['latest', 'main-9f2c4b1'] },
  {
    fixture: 'repository_dispatch',
    revision: `main@sha1:${MAIN}`,
    tags: ['latest', 'main-9f2c4b1'],
  },
  {
    fixture: 'merge_group',
    revision: `${MQ_REF}@sha1:${MQ}`,
    tags: [`gh-readonly-queue-main-pr-42-${MAIN}-3c59dc0`],
    created: '2026-11-20T16:00:00Z',
  },
  {
    fixture: 'workflow_run',
    revision: `main@sha1:${MAIN}`,
    tags: ['latest', 'main-9f2c4b1'],
    created: '2026-11-20T13:03:07Z',
  },
  {
    fixture: 'workflow_run-pull_request',
    revision: `main@sha1:${FORKHEAD}`,
    tags: /pull request number/,
    created: '2026-11-19T12:00:00Z',
  },
  { fixture: 'create', revision: `v1.2.3@sha1:${TAG}`, tags: ['v1.2.3'] },
  {
    fixture: 'create-branch',
    revision: `release/1.x@sha1:${MAIN}`,
    tags: ['release-1.x-9f2c4b1'],
  },
];

describe('defaults per event (payload fixtures)', () => {
  for (const row of ROWS) {
    test(row.fixture, async () => {
      const env = fixtureEnv(row.fixture);
      const ctx = contextFromEnv(env);
      const p = provenance(ctx);
      assert.equal(defaultRevision(p), row.revision);
      assert.equal(defaultSource(ctx), 'https://github.com/org/app-config');
      const tagsFor = (mode: LatestMode) => defaultTags(ctx.eventName, p, mode);
      if (row.tags instanceof RegExp) {
        const re = row.tags;
        assert.throws(
          () => tagsFor('auto'),
          (e: unknown) => e instanceof UserError && e.input === 'tags' && re.test(e.message),
        );
      } else {
        assert.deepEqual(tagsFor('auto'), row.tags);
        assert.ok(!tagsFor('false').includes('latest'), 'latest: false never adds latest');
        if (row.latestTrue) assert.deepEqual(tagsFor('true'), row.latestTrue);
      }
      if (row.created) {
        assert.equal(await resolveCreated(undefined, p), row.created);
      } else {
        assert.equal(
          p.commitTime,
          undefined,
          'no commit time in this payload: the checkout gives it',
        );
      }
    });
  }

  test('every fixture is in the table, and every fixture event is supported', () => {
    const names = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    assert.deepEqual(names, ROWS.map((r) => r.fixture).sort());
    for (const name of names) {
      const event = fixtureEnv(name).GITHUB_EVENT_NAME ?? '';
      assert.ok(KNOWN_EVENTS.includes(event), `${name}: ${event} is not a supported event`);
    }
  });

  test('every supported event has a payload fixture', () => {
    const covered = new Set(ROWS.map((r) => fixtureEnv(r.fixture).GITHUB_EVENT_NAME));
    const missing = KNOWN_EVENTS.filter((e) => !covered.has(e));
    assert.deepEqual(missing, [], `events without a fixture: ${missing.join(', ')}`);
  });

  test('a fork branch named like the default branch never gets latest', () => {
    const ctx = contextFromEnv(fixtureEnv('pull_request-fork'));
    const p = provenance(ctx);
    assert.equal(p.fork, true);
    assert.equal(p.refName, 'main');
    const run = provenance(contextFromEnv(fixtureEnv('workflow_run-pull_request')));
    assert.equal(run.fork, true);
  });

  test('a PR payload names the head, base and merge commits the checkout may hold', () => {
    const p = provenance(contextFromEnv(fixtureEnv('pull_request')));
    assert.deepEqual(p.pull, {
      headSha: PRHEAD,
      baseSha: MAIN,
      baseRef: 'main',
      mergeSha: '6c3f0f4a8e2d1b9c7a5e3f1d0b8a6c4e2f0d9b7a',
    });
  });
});
