import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  contextFromEnv,
  defaultRevision,
  defaultSource,
  defaultTags,
  expandTag,
  provenance,
  sanitizeTag,
  tagVariables,
  type WorkflowContext,
} from '../../src/github/context.js';
import { resolveCreated } from '../../src/github/created.js';
import { UserError } from '../../src/util/errors.js';

const SHA = '9f2c4b1e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const HEAD_SHA = '1111111111222222222233333333334444444444';

// Payloads trimmed from the shapes in GitHub's "Webhook events and payloads" documentation.
const pushPayload = {
  ref: 'refs/heads/main',
  before: '0000000000000000000000000000000000000000',
  after: SHA,
  repository: {
    full_name: 'org/app-config',
    html_url: 'https://github.com/org/app-config',
    default_branch: 'main',
  },
  head_commit: {
    id: SHA,
    tree_id: 'abc',
    message: 'Update manifests',
    timestamp: '2026-11-20T14:03:07+01:00',
    author: { name: 'A', email: 'a@example.com' },
  },
};
const prPayload = {
  action: 'synchronize',
  number: 42,
  pull_request: {
    number: 42,
    state: 'open',
    head: { ref: 'feature/new-app', sha: HEAD_SHA, repo: { full_name: 'org/app-config' } },
    base: { ref: 'main', sha: SHA },
    merge_commit_sha: 'ffffffffffffffffffffffffffffffffffffffff',
  },
};
const releasePayload = {
  action: 'published',
  release: { tag_name: 'v1.2.3', target_commitish: 'main', draft: false, prerelease: false },
};

function ctx(eventName: string, ref: string, event: object, sha = SHA): WorkflowContext {
  return {
    eventName,
    event: event as Record<string, unknown>,
    ref,
    sha,
    serverUrl: 'https://github.example.com',
    repository: 'org/app-config',
    workspace: process.cwd(),
  };
}

describe('context defaults per event', () => {
  test('branch push: ref name, commit time from head_commit, latest + branch-shortsha', () => {
    const c = ctx('push', 'refs/heads/main', pushPayload);
    const p = provenance(c);
    assert.equal(defaultRevision(p), `main@sha1:${SHA}`);
    assert.equal(p.commitTime, '2026-11-20T14:03:07+01:00');
    assert.deepEqual(defaultTags('push', p), ['latest', 'main-9f2c4b1']);
    assert.equal(defaultSource(c), 'https://github.example.com/org/app-config');
  });

  test('tag push: the tag, semver parts as placeholders', () => {
    const p = provenance(
      ctx('push', 'refs/tags/v2.10.0-rc.1', { ...pushPayload, ref: 'refs/tags/v2.10.0-rc.1' }),
    );
    assert.equal(defaultRevision(p), `v2.10.0-rc.1@sha1:${SHA}`);
    assert.deepEqual(defaultTags('push', p), ['v2.10.0-rc.1']);
    const vars = tagVariables(p);
    assert.equal(expandTag('{{major}}.{{minor}}', vars), '2.10');
    assert.equal(expandTag('{{ version }}', vars), '2.10.0-rc.1');
  });

  test('pull_request: head branch and head sha, never the merge commit', () => {
    const c = ctx(
      'pull_request',
      'refs/pull/42/merge',
      prPayload,
      'ffffffffffffffffffffffffffffffffffffffff',
    );
    const p = provenance(c);
    assert.equal(defaultRevision(p), `feature/new-app@sha1:${HEAD_SHA}`);
    assert.deepEqual(defaultTags('pull_request', p), ['pr-42']);
    assert.equal(expandTag('preview-{{pr}}-{{short-sha}}', tagVariables(p)), 'preview-42-1111111');
    assert.equal(expandTag('{{branch}}', tagVariables(p)), 'feature-new-app');
  });

  test('pull_request_target behaves like pull_request', () => {
    const p = provenance(ctx('pull_request_target', 'refs/heads/main', prPayload));
    assert.equal(defaultRevision(p), `feature/new-app@sha1:${HEAD_SHA}`);
    assert.deepEqual(defaultTags('pull_request_target', p), ['pr-42']);
  });

  test('release: the release tag', () => {
    const p = provenance(ctx('release', 'refs/tags/v1.2.3', releasePayload));
    assert.equal(defaultRevision(p), `v1.2.3@sha1:${SHA}`);
    assert.deepEqual(defaultTags('release', p), ['v1.2.3']);
  });

  test('workflow_dispatch on a branch and on a tag', () => {
    const dispatch = {
      ref: 'refs/heads/release-1.x',
      inputs: { env: 'prod' },
      repository: { default_branch: 'main' },
    };
    const onBranch = provenance(ctx('workflow_dispatch', 'refs/heads/release-1.x', dispatch));
    // Not the default branch: latest stays where it is (latest: auto).
    assert.deepEqual(defaultTags('workflow_dispatch', onBranch), ['release-1.x-9f2c4b1']);
    assert.deepEqual(defaultTags('workflow_dispatch', onBranch, 'true'), [
      'latest',
      'release-1.x-9f2c4b1',
    ]);
    const onTag = provenance(ctx('workflow_dispatch', 'refs/tags/v3.0.0', dispatch));
    assert.deepEqual(defaultTags('workflow_dispatch', onTag), ['v3.0.0']);
  });

  test('an unknown event has no default tags: a clear error naming the tags input', () => {
    const p = provenance(ctx('issue_comment', 'refs/heads/main', { action: 'created' }));
    assert.equal(defaultRevision(p), `main@sha1:${SHA}`);
    assert.throws(
      () => defaultTags('issue_comment', p),
      (e: unknown) =>
        e instanceof UserError && e.input === 'tags' && /issue_comment/.test(e.message),
    );
  });

  test('revision never has an empty name before @', () => {
    const p = provenance(ctx('push', 'refs/pull/1/merge', {}));
    assert.equal(defaultRevision(p), `sha1:${SHA}`);
  });

  test('placeholder without a value in this event is refused', () => {
    const p = provenance(ctx('push', 'refs/heads/main', pushPayload));
    assert.throws(() => expandTag('pr-{{pr}}', tagVariables(p)), /\{\{pr\}\}/);
  });

  test('sanitizeTag keeps tags within the OCI tag grammar', () => {
    assert.equal(sanitizeTag('feature/x+y'), 'feature-x-y');
    assert.equal(sanitizeTag('-lead'), '_-lead');
    assert.equal(sanitizeTag('a'.repeat(200)).length, 128);
  });

  test('contextFromEnv reads the event file the runner writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify(pushPayload));
    const c = contextFromEnv({
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: file,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: SHA,
      GITHUB_SERVER_URL: 'https://ghes.example.com/',
      GITHUB_REPOSITORY: 'org/app-config',
    });
    assert.equal(defaultSource(c), 'https://ghes.example.com/org/app-config');
    assert.equal(provenance(c).commitTime, pushPayload.head_commit.timestamp);
  });
});

describe('created', () => {
  const p = { sha: SHA, commitTime: '2026-11-20T14:03:07+01:00' };
  test('commit time is normalised to UTC seconds', async () => {
    assert.equal(await resolveCreated(undefined, p), '2026-11-20T13:03:07Z');
  });
  test('epoch and now', async () => {
    assert.equal(await resolveCreated('epoch', p), '1970-01-01T00:00:00Z');
    const fixed = new Date('2030-01-02T03:04:05.678Z');
    assert.equal(await resolveCreated('now', p, () => fixed), '2030-01-02T03:04:05Z');
  });
  test('RFC 3339 values are accepted, others refused naming the input', async () => {
    assert.equal(await resolveCreated('2026-01-02T03:04:05-02:00', p), '2026-01-02T05:04:05Z');
    await assert.rejects(
      resolveCreated('yesterday', p),
      (e: unknown) => e instanceof UserError && e.input === 'created',
    );
  });
  test('no commit time (payload or checkout): the current time, with a warning saying so', async () => {
    // A checkout's commit time comes with the provenance (checkout-git.test.ts); without one
    // there is no git to ask.
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const fixed = new Date('2030-01-02T03:04:05Z');
    try {
      assert.equal(
        await resolveCreated('commit', { sha: SHA }, () => fixed),
        '2030-01-02T03:04:05Z',
      );
    } finally {
      process.stdout.write = write;
    }
    assert.match(
      lines.join(''),
      /::warning::created: neither the event payload nor a git checkout/,
    );
  });
});

describe('placeholders as in metadata-action', () => {
  test('{{sha}} is the 7-character SHA, {{long-sha}} the full one, {{short-sha}} kept', () => {
    const vars = tagVariables(provenance(ctx('push', 'refs/heads/main', pushPayload)));
    assert.equal(expandTag('{{sha}}', vars), SHA.slice(0, 7));
    assert.equal(expandTag('{{short-sha}}', vars), SHA.slice(0, 7));
    assert.equal(expandTag('sha-{{long-sha}}', vars), `sha-${SHA}`);
    assert.equal(SHA.length, 40);
  });

  test('on pull requests every SHA placeholder is the head commit', () => {
    const c = ctx('pull_request', 'refs/pull/42/merge', prPayload, 'f'.repeat(40));
    const vars = tagVariables(provenance(c));
    assert.equal(expandTag('{{long-sha}}', vars), HEAD_SHA);
    assert.equal(expandTag('{{sha}}', vars), HEAD_SHA.slice(0, 7));
  });
});
