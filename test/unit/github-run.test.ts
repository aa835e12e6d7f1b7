import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { run } from '../../src/github/run.js';
import { UserError } from '../../src/util/errors.js';

/** What run() prints as the step's error line. */
async function failure(main: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Only the workflow commands are taken; the test reporter's own output passes through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (text.includes('::')) {
      lines.push(text);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await run(main);
  } finally {
    process.stdout.write = write;
    process.exitCode = 0;
  }
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('::error::'));
}

test('a UserError is printed as is', async () => {
  assert.deepEqual(
    await failure(async () => {
      throw new UserError('input x is wrong; fix x', 'x');
    }),
    ['::error::input x is wrong; fix x'],
  );
});

test('a file-system error names the path and the reason, not "unexpected error"', async () => {
  const [line] = await failure(async () => {
    await readFile(`${tmpdir()}/no-such-dir-${process.pid}/file`);
  });
  assert.match(
    line ?? '',
    /^::error::cannot open \S+no-such-dir-\d+\/file \(it does not exist\); check/,
  );
  const [dir] = await failure(async () => {
    await readFile(tmpdir()); // EISDIR carries no path: a bug-shaped error stays "unexpected"
  });
  assert.match(dir ?? '', /unexpected error: EISDIR/);
});
