/**
 * Seeded random directory trees for differential tests of the artifact builder against
 * `flux build artifact`, plus helpers to explain a tar difference.
 *
 *   const tree = await makeRandomTree(dir, seed);   // same seed → same tree, byte for byte
 *   // tree.ignorePaths: undefined (Flux defaults), [] (nothing), or patterns for --ignore-paths
 */

import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rng } from './rng.js';

export interface RandomTreeOptions {
  /** Maximum directory depth below the root (default 4). */
  readonly maxDepth?: number;
  /** Maximum entries per directory (default 6). */
  readonly maxEntries?: number;
  /** Make symlinks only to targets inside the tree that exist (for --resolve-symlinks runs). */
  readonly linksInsideOnly?: boolean;
  /** Largest file in bytes (default 300 KiB). */
  readonly maxFileSize?: number;
}

export interface RandomTree {
  readonly seed: number;
  readonly files: number;
  readonly dirs: number;
  readonly links: number;
  readonly bytes: number;
  /** undefined → use Flux's defaults; otherwise the exact --ignore-paths values. */
  readonly ignorePaths: string[] | undefined;
}

const WORDS = ['a', 'b', 'app', 'deploy', 'kustomization', 'base', 'overlays', 'x', 'a-b', 'a_b'];
const EXTS = ['', '.yaml', '.yml', '.txt', '.json', '.png', '.tar.gz', '.sh', '.md'];
const SPECIAL = [
  '.git',
  '.gitignore',
  '.sourceignore',
  'build',
  'keep.yaml',
  'node_modules',
  'deep',
  'top.yaml',
  'a.yaml',
  'A',
  '#hash',
  '!bang',
  '[br]',
  'ends with space ',
  ' leading',
];
const UNICODE = ['ünï', 'ç', '日本語', 'emoji😀', 'e\u0301', 'ŝpace name', 'Ω', 'ß'];
// Patterns kept free of ',' and '"', which pflag's CSV parsing of --ignore-paths would alter.
const PATTERNS = [
  '*.png',
  '!keep.png',
  'build/',
  '/top.yaml',
  '**/deep',
  'a/**/b',
  '*.yaml',
  '!keep.yaml',
  '!*.yml',
  '[ab]*',
  'deploy/*.txt',
  'ü*',
  '/base/',
  'overlays/**',
  '*',
  '!deploy/',
  '.git/',
  '**/*.md',
  'x',
  'a**b',
  '#comment',
  '\\#hash',
  '*.tar.gz',
  '!a',
  'emoji*',
  '/*/app*',
  '**/',
  'node_modules/',
  '!**/keep*',
];
const DIR_MODES = [0o755, 0o755, 0o700, 0o2775, 0o775, 0o750];
const FILE_MODES = [0o644, 0o644, 0o600, 0o755, 0o2775, 0o664, 0o4755];

export async function makeRandomTree(
  root: string,
  seed: number,
  options: RandomTreeOptions = {},
): Promise<RandomTree> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maxDepth = options.maxDepth ?? 4;
  const maxEntries = options.maxEntries ?? 6;
  const maxFileSize = options.maxFileSize ?? 300 * 1024;
  const stats = { files: 0, dirs: 0, links: 0, bytes: 0 };
  const allFiles: string[] = [];
  const allDirs: string[] = [];
  const pendingLinks: { at: string; depth: number }[] = [];

  const name = (depth: number): string => {
    const k = r();
    if (k < 0.15) return pick(SPECIAL);
    if (k < 0.3) return pick(UNICODE) + pick(EXTS);
    if (k < 0.36) {
      // Long components: paths beyond 100, 155 and 255 bytes, ASCII (prefix split) or not.
      const len = 40 + Math.floor(r() * 100);
      const ch = r() < 0.7 ? 'l' : 'ł';
      return ch.repeat(Math.max(1, Math.floor(len / Buffer.byteLength(ch)))).slice(0, 200);
    }
    if (k < 0.42 && depth > 0) return `${pick(WORDS)} ${pick(WORDS)}`;
    return pick(WORDS) + pick(EXTS);
  };

  const content = (): Buffer => {
    const k = r();
    if (k < 0.15) return Buffer.alloc(0);
    const size = k < 0.85 ? Math.floor(r() * 2048) : Math.floor(r() * maxFileSize);
    if (r() < 0.5) {
      // Compressible text.
      const line = `key-${Math.floor(r() * 1000)}: value ${pick(WORDS)}\n`;
      return Buffer.from(line.repeat(Math.ceil(size / line.length) + 1)).subarray(0, size);
    }
    const b = Buffer.alloc(size);
    for (let i = 0; i < size; i++) b[i] = Math.floor(r() * 256);
    return b;
  };

  const fill = async (dir: string, rel: string, depth: number): Promise<void> => {
    // At least a few entries at the root, so that no case is trivially empty.
    const n = Math.floor(r() * (maxEntries + 1)) + (depth === 0 ? 3 : 0);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const nm = name(depth);
      if (used.has(nm) || nm === '.' || nm === '..') continue;
      used.add(nm);
      const p = join(dir, nm);
      const relp = rel ? `${rel}/${nm}` : nm;
      const k = r();
      if (k < 0.35 && depth < maxDepth && Buffer.byteLength(p) < 3000) {
        await mkdir(p);
        stats.dirs++;
        allDirs.push(relp);
        await fill(p, relp, depth + 1);
        await chmod(p, pick(DIR_MODES));
      } else if (k < 0.9) {
        const data = content();
        await writeFile(p, data);
        await chmod(p, pick(FILE_MODES));
        stats.files++;
        stats.bytes += data.length;
        allFiles.push(relp);
      } else {
        pendingLinks.push({ at: p, depth });
      }
    }
  };

  await mkdir(root, { recursive: true });
  await fill(root, '', 0);
  // Links last, so that they can point at anything in the tree.
  for (const { at } of pendingLinks) {
    const k = r();
    let target: string | undefined;
    if (options.linksInsideOnly) {
      const pool = r() < 0.5 && allDirs.length > 0 ? allDirs : allFiles;
      if (pool.length > 0) target = join(root, pick(pool));
    } else if (k < 0.3 && allFiles.length > 0) target = join(root, pick(allFiles));
    else if (k < 0.5 && allDirs.length > 0) target = join(root, pick(allDirs));
    else if (k < 0.7) target = '/etc';
    else if (k < 0.85) target = 'does-not-exist';
    else target = '..';
    if (target === undefined) continue;
    await symlink(target, at);
    stats.links++;
  }

  const k = r();
  let ignorePaths: string[] | undefined;
  if (k < 0.25) ignorePaths = undefined;
  else if (k < 0.35) ignorePaths = [];
  else {
    const count = 1 + Math.floor(r() * 5);
    ignorePaths = Array.from({ length: count }, () => pick(PATTERNS));
  }
  return { seed, ...stats, ignorePaths };
}

/** First offset where two buffers differ, or -1 when they are identical. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** The name of the tar entry whose header or data covers `offset` (walks the raw headers). */
export function tarEntryAt(tar: Uint8Array, offset: number): string {
  let pos = 0;
  let last = '(before first header)';
  while (pos + 512 <= tar.length) {
    const blk = Buffer.from(tar.subarray(pos, pos + 512));
    if (blk.every((c) => c === 0)) return pos <= offset ? '(trailer)' : last;
    const nul = blk.indexOf(0);
    const name = blk.toString('utf8', 0, nul >= 0 && nul < 100 ? nul : 100);
    const size = Number.parseInt(blk.toString('latin1', 124, 135).replace(/\0/g, '') || '0', 8);
    const end = pos + 512 + Math.ceil(size / 512) * 512;
    if (offset < end)
      return `${name} (header at ${pos}, typeflag ${String.fromCharCode(blk[156]!)})`;
    last = name;
    pos = end;
  }
  return '(past end)';
}
