// Seeded input generators for the gzip tests and benchmark: Kubernetes-like YAML, tar-like
// archives, random bytes, runs, and random mixtures for differential fuzzing.

import { rng } from '../../harness/rng.js';

export { rng };

export type Rng = () => number;
const int = (r: Rng, n: number): number => Math.floor(r() * n);

export function randomBytes(n: number, r: Rng): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 4) {
    const v = (r() * 4294967296) >>> 0;
    b[i] = v;
    if (i + 1 < n) b[i + 1] = v >>> 8;
    if (i + 2 < n) b[i + 2] = v >>> 16;
    if (i + 3 < n) b[i + 3] = v >>> 24;
  }
  return b;
}

const KINDS = ['Deployment', 'Service', 'ConfigMap', 'Ingress', 'HelmRelease', 'Kustomization'];
const WORDS = ['app', 'web', 'api', 'worker', 'cache', 'db', 'frontend', 'backend', 'podinfo'];

/** One Kubernetes-like manifest. */
function manifest(r: Rng): string {
  const kind = KINDS[int(r, KINDS.length)]!;
  const name = `${WORDS[int(r, WORDS.length)]}-${int(r, 1000)}`;
  const ns = WORDS[int(r, WORDS.length)]!;
  let s = `---\napiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;
  s += `  labels:\n    app.kubernetes.io/name: ${name}\n    app.kubernetes.io/part-of: ${ns}\n`;
  s += `spec:\n  replicas: ${1 + int(r, 5)}\n  selector:\n    matchLabels:\n      app: ${name}\n`;
  s += '  template:\n    spec:\n      containers:\n';
  const containers = 1 + int(r, 3);
  for (let c = 0; c < containers; c++) {
    s += `        - name: ${WORDS[int(r, WORDS.length)]}\n`;
    s += `          image: ghcr.io/example/${name}:${int(r, 20)}.${int(r, 20)}.${int(r, 20)}\n`;
    s += `          ports:\n            - containerPort: ${1024 + int(r, 60000)}\n`;
    s += `          resources:\n            limits:\n              cpu: ${100 * (1 + int(r, 9))}m\n`;
    s += `              memory: ${64 * (1 + int(r, 16))}Mi\n`;
    if (r() < 0.3)
      s += `          env:\n            - name: TOKEN_HASH\n              value: "${randomBytes(16, r).toString('hex')}"\n`;
  }
  return s;
}

/** Kubernetes-like multi-document YAML of exactly `n` bytes. */
export function yaml(n: number, r: Rng): Buffer {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const m = manifest(r);
    parts.push(m);
    len += m.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

/** A tar-like stream of `n` bytes: 512-byte headers, YAML bodies, zero padding and zero blocks. */
export function tarLike(n: number, r: Rng): Buffer {
  const out = Buffer.alloc(n); // zero-filled: padding and end-of-archive blocks stay zero
  let off = 0;
  let i = 0;
  while (off + 512 <= n) {
    const header = Buffer.alloc(512);
    header.write(`manifests/${WORDS[int(r, WORDS.length)]}/file-${i++}.yaml`, 0);
    header.write('0000644\u00000000000\u00000000000\u0000', 100);
    const bodyLen = r() < 0.1 ? 0 : int(r, 6000);
    header.write(`${bodyLen.toString(8).padStart(11, '0')}\u0000`, 124);
    header.write('00000000000\u0000', 136);
    header.write('ustar\u000000', 257);
    header.copy(out, off);
    off += 512;
    const body = yaml(bodyLen, r);
    body.copy(out, off, 0, Math.min(body.length, n - off));
    off += Math.ceil(bodyLen / 512) * 512;
    if (r() < 0.05) off += 512 * int(r, 40); // runs of zero blocks
  }
  return out;
}

/** A random mixture of runs, repeats, text and random bytes, `n` bytes long. */
export function mixed(n: number, r: Rng): Buffer {
  const out = Buffer.allocUnsafe(n);
  let off = 0;
  while (off < n) {
    const len = Math.min(n - off, 1 + int(r, r() < 0.5 ? 64 : 70000));
    const kind = int(r, 6);
    if (kind === 0) out.fill(int(r, 256), off, off + len);
    else if (kind === 1) randomBytes(len, r).copy(out, off);
    else if (kind === 2) yaml(len, r).copy(out, off);
    else if (kind === 3 && off > 0) {
      // Copy from earlier: matches at all distances, including beyond the 32 KiB window.
      const dist = 1 + int(r, Math.min(off, r() < 0.5 ? 300 : 100000));
      for (let i = 0; i < len; i++) out[off + i] = out[off + i - dist]!;
    } else if (kind === 4) {
      const pat = randomBytes(1 + int(r, 8), r);
      for (let i = 0; i < len; i++) out[off + i] = pat[i % pat.length]!;
    } else {
      // Small alphabet: many short, colliding matches.
      for (let i = 0; i < len; i++) out[off + i] = 97 + int(r, 4);
    }
    off += len;
  }
  return out;
}

/** Repetitive text: one line repeated with a counter. */
export function repetitive(n: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const s = `line ${i % 100}: the quick brown fox jumps over the lazy dog\n`;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

/** A fuzz input: random length (mostly small, sometimes up to ~300 KiB) and random content. */
export function fuzzCase(r: Rng): Buffer {
  const p = r();
  const n =
    p < 0.3 ? int(r, 300) : p < 0.7 ? int(r, 20000) : p < 0.95 ? int(r, 140000) : int(r, 300000);
  return mixed(n, r);
}
