// Fork detection from pull_request payloads and the preview comment's marker and changes text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorkflowContext } from '../../src/github/context.js';
import { changesMarkdown, commentBody, commentMarker } from '../../src/github/preview.js';
import { pullRequestOf } from '../../src/github/pull-request.js';

function ctx(eventName: string, head: unknown, base = 'org/app'): WorkflowContext {
  return {
    eventName,
    event: {
      number: 5,
      pull_request: { number: 5, head: { repo: head }, base: { repo: { full_name: base } } },
    },
    ref: 'refs/pull/5/merge',
    sha: '',
    serverUrl: 'https://github.com',
    repository: base,
    workspace: '/w',
  };
}

describe('pullRequestOf', () => {
  test('same repository (even when that repository is itself a fork) is not a fork PR', () => {
    const pr = pullRequestOf(ctx('pull_request', { full_name: 'Org/App', fork: true }));
    assert.equal(pr?.fromFork, false);
    assert.equal(pr?.number, 5);
  });
  test('another head repository is a fork PR; pull_request_target is flagged', () => {
    const pr = pullRequestOf(ctx('pull_request_target', { full_name: 'someone/app', fork: true }));
    assert.equal(pr?.fromFork, true);
    assert.equal(pr?.target, true);
    assert.equal(pr?.headRepo, 'someone/app');
  });
  test('a deleted fork (head.repo null) is a fork PR; no head.repo at all is not', () => {
    assert.equal(pullRequestOf(ctx('pull_request', null))?.fromFork, true);
    assert.equal(pullRequestOf(ctx('pull_request', undefined))?.fromFork, false);
  });
  test('other events have no pull request', () => {
    assert.equal(pullRequestOf(ctx('push', { full_name: 'x/y' })), undefined);
  });
});

describe('preview comment', () => {
  const remote = { bytes: Buffer.from('{}'), mediaType: 'm', digest: 'sha256:abc' };
  test('the marker names repository and path, so two publishes keep two comments', () => {
    assert.notEqual(commentMarker('r.io/a', 'deploy'), commentMarker('r.io/a', 'infra'));
    assert.match(commentMarker('r.io/a', ''), /<!-- flux-oci-action:preview r\.io\/a \. -->/);
  });
  test('changes: counts, lists, missing tag, identical files', () => {
    const files = { added: ['a.yaml'], removed: [], modified: ['b.yaml', 'c.yaml'] };
    const md = changesMarkdown('r.io/a', 'latest', {
      remote,
      changed: true,
      decidedBy: 'layer-digest',
      files,
    });
    assert.match(md, /1 added, 0 removed, 2 modified/);
    assert.match(md, /Modified \(2\)[\s\S]*`b\.yaml`/);
    assert.match(
      changesMarkdown('r.io/a', 'latest', { changed: true, decidedBy: 'layer-digest', files }),
      /does not exist yet/,
    );
    const none = { added: [], removed: [], modified: [] };
    assert.match(
      changesMarkdown('r.io/a', 'latest', {
        remote,
        changed: false,
        decidedBy: 'layer-digest',
        files: none,
      }),
      /no changes/,
    );
  });
  test('long lists are cut, the body starts with the marker', () => {
    const many = Array.from({ length: 450 }, (_, i) => `f${i}.yaml`);
    const body = commentBody({
      repository: 'r.io/a',
      path: 'deploy',
      compareTag: 'latest',
      diff: {
        remote,
        changed: true,
        decidedBy: 'layer-digest',
        files: { added: many, removed: [], modified: [] },
      },
      digest: 'sha256:def',
      tags: ['pr-5'],
      pushed: true,
      revision: 'feature@sha1:1234',
    });
    assert.ok(body.startsWith(commentMarker('r.io/a', 'deploy')));
    assert.match(body, /… and 250 more/);
    assert.ok(body.length < 65_536);
  });
});
