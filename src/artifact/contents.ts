// File-level listings of a layer or of a local tree, and their difference, for the diff entry
// point (Flux's own `flux diff artifact` only says "differs").
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { BuildOptions } from './build.js';
import { currentUmask } from './build.js';
import { FLUX_DEFAULT_IGNORE, IgnoreMatcher } from './ignore.js';
import type { EntryType } from './tar.js';
import { readTar } from './tarread.js';
import { type WalkStats, walk } from './walk.js';

interface ContentEntry {
  readonly type: EntryType | 'symlink' | 'other';
  readonly mode: number;
  readonly size: number;
  /** Hex sha256 of a file's content; '' for everything else. */
  readonly sha256: string;
}

/** Keyed by `/`-separated path relative to the root (`.` is the root). */
export type ContentMap = Map<string, ContentEntry>;

export interface ContentsDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly modified: string[];
}

/** `./a//b/` → `a/b`; the root is `.`. */
function normalise(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

const TYPES: Record<string, ContentEntry['type']> = {
  '0': 'file',
  '7': 'file',
  '5': 'dir',
  '2': 'symlink',
};

/** Lists a gzip-compressed layer without writing anything to disk. */
export async function listLayer(gz: Readable | AsyncIterable<Buffer>): Promise<ContentMap> {
  const gunzip = createGunzip();
  const feeding = pipeline(gz, gunzip).catch((err: unknown) => err);
  const out: ContentMap = new Map();
  try {
    for await (const e of readTar(gunzip)) {
      const type = TYPES[e.typeflag] ?? 'other';
      let sha256 = '';
      if (type === 'file') {
        const h = createHash('sha256');
        for await (const c of e.body()) h.update(c);
        sha256 = h.digest('hex');
      }
      out.set(normalise(e.name.toString('utf8')), { type, mode: e.mode, size: e.size, sha256 });
    }
    const err = await feeding;
    if (err) throw err;
  } finally {
    gunzip.destroy();
  }
  return out;
}

/**
 * Whether a gzip-compressed layer holds at least one regular file. Stops reading at the first
 * file, so a large artifact costs one short read, not a full download.
 */
export async function layerHasFiles(gz: Readable | AsyncIterable<Buffer>): Promise<boolean> {
  const gunzip = createGunzip();
  const feeding = pipeline(gz, gunzip).catch((err: unknown) => err);
  try {
    for await (const e of readTar(gunzip)) {
      if (TYPES[e.typeflag] === 'file') return true;
    }
    const err = await feeding;
    if (err) throw err;
    return false;
  } finally {
    gunzip.destroy();
    await feeding; // the destroyed pipeline settles (premature close) and closes the source
  }
}

/** Lists what buildLayer would archive for these options (same walk, same ignore rules). */
export async function listTree(options: BuildOptions): Promise<ContentMap> {
  const umask = options.umask ?? (await currentUmask());
  const stats: WalkStats = { skippedSymlinks: 0, skippedSpecial: 0, skippedUnresolved: 0 };
  const out: ContentMap = new Map();
  const walkOpts = {
    path: options.path,
    matcher: new IgnoreMatcher(options.ignorePaths ?? FLUX_DEFAULT_IGNORE),
    resolveSymlinks: options.resolveSymlinks ?? false,
    umask,
    ...(options.workspace !== undefined ? { workspace: options.workspace } : {}),
  };
  for await (const e of walk(walkOpts, stats)) {
    let sha256 = '';
    if (e.type === 'file') {
      const h = createHash('sha256');
      for await (const c of createReadStream(e.source)) h.update(c as Buffer);
      sha256 = h.digest('hex');
    }
    out.set(e.name.toString('utf8'), { type: e.type, mode: e.mode, size: e.size, sha256 });
  }
  return out;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Paths only in `local` (added), only in `remote` (removed), or different (modified). */
export function diffContents(local: ContentMap, remote: ContentMap): ContentsDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const [path, l] of local) {
    const r = remote.get(path);
    if (!r) added.push(path);
    else if (l.type !== r.type || l.mode !== r.mode || l.size !== r.size || l.sha256 !== r.sha256) {
      modified.push(path);
    }
  }
  for (const path of remote.keys()) if (!local.has(path)) removed.push(path);
  return {
    added: added.sort(byBytes),
    removed: removed.sort(byBytes),
    modified: modified.sort(byBytes),
  };
}
