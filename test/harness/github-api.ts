// A local server for the parts of GitHub's REST API (version 2022-11-28) the action calls, shaped
// from GitHub's REST documentation: issue comments (list with `Link` pagination, create, update),
// container package versions for organization and user owners (list with pagination, delete),
// and `GET /users/{username}`. Tokens carry GITHUB_TOKEN-style permissions; a missing permission
// answers 403 "Resource not accessible by integration", a bad token 401 "Bad credentials", an
// unknown path or a package the token cannot see 404 "Not Found", as GitHub does.
//
// Package versions are the manifests of a REAL registry (`registry` option): a version per digest
// with `metadata.container.tags`, untagged referrers listed from the referrers fallback tags, and
// deleting a version deletes the manifest in that registry, so tests check the result with crane.
//
// Every request is recorded (`requests`) so tests assert what the action asked for.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Permission = 'none' | 'read' | 'write';

export interface TokenGrant {
  'pull-requests'?: Permission;
  packages?: Permission;
}

export interface GitHubApiOptions {
  /** token → permissions (like a job's `permissions:`). */
  tokens: Record<string, TokenGrant>;
  /** login → account type, for `GET /users/{login}` and the package paths. */
  owners?: Record<string, 'Organization' | 'User'>;
  /** `127.0.0.1:<port>` of the registry holding the packages (plain HTTP, no auth). */
  registry?: string;
  /** Login shown as the author of comments the server creates. */
  botLogin?: string;
  /** Largest `per_page` honoured (GitHub's is 100); lower it to make tests page. */
  maxPerPage?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  /** The token sent (`Authorization: token …` or `Bearer …`), if any. */
  token?: string;
  body?: unknown;
  status: number;
}

export interface IssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: { login: string; id: number; type: string };
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface GitHubApi {
  /** Base URL to put in GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  /** Comments per `owner/repo#number`. */
  comments(repo: string, issue: number): IssueComment[];
  /** Adds a comment as another user (e.g. a reviewer), for tests of the marker search. */
  addComment(repo: string, issue: number, body: string, login?: string): IssueComment;
  stop(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export async function startGitHubApi(options: GitHubApiOptions): Promise<GitHubApi> {
  const requests: RecordedRequest[] = [];
  const comments = new Map<string, IssueComment[]>();
  const versionIds = new Map<string, number>(); // digest → id, stable across listings
  let nextCommentId = 1_000_001;
  let nextVersionId = 50_000_001;
  const bot = options.botLogin ?? 'github-actions[bot]';
  let base = '';

  const issueKey = (repo: string, n: number) => `${repo.toLowerCase()}#${n}`;
  const newComment = (repo: string, n: number, body: string, login: string): IssueComment => {
    const id = nextCommentId++;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const c: IssueComment = {
      id,
      node_id: `IC_kwDO${id.toString(36)}`,
      url: `${base}/repos/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${repo}/pull/${n}#issuecomment-${id}`,
      issue_url: `${base}/repos/${repo}/issues/${n}`,
      body,
      user: { login, id: login === bot ? 41898282 : 583231, type: login === bot ? 'Bot' : 'User' },
      created_at: now,
      updated_at: now,
      author_association: login === bot ? 'NONE' : 'MEMBER',
    };
    const key = issueKey(repo, n);
    comments.set(key, [...(comments.get(key) ?? []), c]);
    return c;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, { message: `test server error: ${String(err)}` });
    });
  });

  const record = (req: IncomingMessage, url: URL, token: string | undefined, body: unknown) => {
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      ...(token ? { token } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    requests.push(entry);
    return entry;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const raw = await readBody(req);
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    const entry = record(req, url, token, body);
    const reply = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      send(res, status, data, headers);
    };
    const docs = (path: string) => `${DOCS}/${path}`;

    const grant = token === undefined ? undefined : options.tokens[token];
    if (token !== undefined && !grant) {
      return reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    }
    if (!grant) {
      return reply(401, {
        message: 'Requires authentication',
        documentation_url: DOCS,
        status: '401',
      });
    }
    const need = (perm: keyof TokenGrant, level: 'read' | 'write', doc: string): boolean => {
      const have = grant[perm] ?? 'none';
      if (have === 'write' || (have === 'read' && level === 'read')) return true;
      reply(403, {
        message: 'Resource not accessible by integration',
        documentation_url: docs(doc),
        status: '403',
      });
      return false;
    };
    const notFound = (doc = '') =>
      reply(404, {
        message: 'Not Found',
        documentation_url: doc ? docs(doc) : DOCS,
        status: '404',
      });

    const method = req.method ?? 'GET';
    const p = url.pathname;
    const user = /^\/users\/([^/]+)$/.exec(p);
    const issueComments = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(p);
    const oneComment = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(p);
    const versions =
      /^\/(orgs|users)\/([^/]+)\/packages\/container\/([^/]+)\/versions(?:\/(\d+))?$/.exec(p);
    let m: RegExpExecArray | null = user;

    // GET /users/{username}
    if (m && method === 'GET') {
      const login = decodeURIComponent(m[1] as string);
      const type = options.owners?.[login];
      if (!type) return notFound('users/users#get-a-user');
      return reply(200, {
        login,
        id: 1000 + login.length,
        node_id: `U_${login}`,
        type,
        site_admin: false,
        html_url: `https://github.com/${login}`,
        url: `${base}/users/${login}`,
      });
    }

    // Issue (and pull request) comments.
    m = issueComments;
    if (m) {
      const repo = `${m[1]}/${m[2]}`;
      const n = Number(m[3]);
      if (method === 'GET') {
        if (!need('pull-requests', 'read', 'issues/comments#list-issue-comments')) return;
        const all = comments.get(issueKey(repo, n)) ?? [];
        const { items, link } = paginate(url, all, base, options.maxPerPage);
        return reply(200, items, link ? { link } : {});
      }
      if (method === 'POST') {
        if (!need('pull-requests', 'write', 'issues/comments#create-an-issue-comment')) return;
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text === '') {
          return reply(422, {
            message: 'Invalid request.\n\n"body" wasn\'t supplied.',
            documentation_url: docs('issues/comments#create-an-issue-comment'),
            status: '422',
          });
        }
        const c = newComment(repo, n, text, bot);
        return reply(201, c, { location: c.url });
      }
    }
    m = oneComment;
    if (m && method === 'PATCH') {
      const repo = `${m[1]}/${m[2]}`;
      if (!need('pull-requests', 'write', 'issues/comments#update-an-issue-comment')) return;
      const id = Number(m[3]);
      const c = [...comments.entries()]
        .filter(([k]) => k.startsWith(`${repo.toLowerCase()}#`))
        .flatMap(([, list]) => list)
        .find((x) => x.id === id);
      if (!c) return notFound('issues/comments#update-an-issue-comment');
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text === 'string') c.body = text;
      c.updated_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return reply(200, c);
    }

    // Container package versions: /orgs/{org}/... and /users/{username}/...
    m = versions;
    if (m) {
      const [, kind, owner, encodedName, id] = m as unknown as [
        string,
        string,
        string,
        string,
        string?,
      ];
      const name = decodeURIComponent(encodedName);
      const type = options.owners?.[owner];
      const doc =
        kind === 'orgs'
          ? 'packages/packages#list-package-versions-for-a-package-owned-by-an-organization'
          : 'packages/packages#list-package-versions-for-a-package-owned-by-a-user';
      if (!type || (kind === 'orgs') !== (type === 'Organization')) return notFound(doc);
      if (!need('packages', method === 'DELETE' ? 'write' : 'read', doc)) return;
      const versions = await listVersions(`${owner}/${name}`);
      if (versions === undefined) {
        return reply(404, {
          message: 'Package not found.',
          documentation_url: docs(doc),
          status: '404',
        });
      }
      if (method === 'GET' && id === undefined) {
        const { items, link } = paginate(
          url,
          versions.map((v) => versionObject(kind, owner, name, v)),
          base,
          options.maxPerPage,
        );
        return reply(200, items, link ? { link } : {});
      }
      if (method === 'DELETE' && id !== undefined) {
        const v = versions.find((x) => x.id === Number(id));
        if (!v) return notFound(doc);
        const r = await fetch(
          `http://${options.registry}/v2/${owner}/${name}/manifests/${v.digest}`,
          {
            method: 'DELETE',
          },
        );
        await r.arrayBuffer();
        if (r.status !== 202) return reply(500, { message: `registry answered ${r.status}` });
        return reply(204);
      }
    }
    return notFound();
  }

  interface Version {
    id: number;
    digest: string;
    tags: string[];
  }

  /** The repository's manifests as versions, newest id first; undefined when it has none. */
  async function listVersions(path: string): Promise<Version[] | undefined> {
    if (!options.registry) return undefined;
    const r = await fetch(`http://${options.registry}/v2/${path}/tags/list?n=10000`);
    if (r.status === 404) {
      await r.arrayBuffer();
      return undefined;
    }
    const tags = ((await r.json()) as { tags?: string[] | null }).tags ?? [];
    const byDigest = new Map<string, string[]>();
    const referrerIndexes: string[] = [];
    for (const tag of tags) {
      const h = await fetch(`http://${options.registry}/v2/${path}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: MANIFEST_ACCEPT },
      });
      const digest = h.headers.get('docker-content-digest');
      if (!digest) continue;
      byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
      if (/^sha256-[0-9a-f]{64}$/.test(tag)) referrerIndexes.push(tag);
    }
    // Untagged manifests GHCR lists too: the referrers recorded in the fallback indexes.
    for (const tag of referrerIndexes) {
      const g = await fetch(`http://${options.registry}/v2/${path}/manifests/${tag}`, {
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      });
      const index = (await g.json()) as { manifests?: Array<{ digest: string }> };
      for (const d of index.manifests ?? []) {
        const exists = await fetch(`http://${options.registry}/v2/${path}/manifests/${d.digest}`, {
          method: 'HEAD',
          headers: { accept: MANIFEST_ACCEPT },
        });
        if (exists.status === 200 && !byDigest.has(d.digest)) byDigest.set(d.digest, []);
      }
    }
    const out: Version[] = [];
    for (const [digest, t] of byDigest) {
      let id = versionIds.get(digest);
      if (id === undefined) {
        id = nextVersionId++;
        versionIds.set(digest, id);
      }
      out.push({ id, digest, tags: t.sort() });
    }
    return out.sort((a, b) => b.id - a.id);
  }

  function versionObject(kind: string, owner: string, name: string, v: Version) {
    const enc = encodeURIComponent(name);
    return {
      id: v.id,
      name: v.digest,
      url: `${base}/${kind}/${owner}/packages/container/${enc}/versions/${v.id}`,
      package_html_url: `https://github.com/${kind === 'orgs' ? 'orgs/' : ''}${owner}/packages/container/package/${enc}`,
      created_at: '2026-11-30T10:00:00Z',
      updated_at: '2026-11-30T10:00:00Z',
      html_url: `https://github.com/${kind === 'orgs' ? 'orgs/' : ''}${owner}/packages/container/${enc}/${v.id}`,
      metadata: { package_type: 'container', container: { tags: v.tags } },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    comments: (repo, n) => comments.get(issueKey(repo, n)) ?? [],
    addComment: (repo, n, body, login = 'reviewer') => newComment(repo, n, body, login),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * GitHub's offset pagination: `per_page` (default 30, max 100) and `page` (from 1), with a `Link`
 * header holding `prev`, `next`, `last` and `first` as they apply.
 */
function paginate<T>(url: URL, all: T[], base: string, max = 100): { items: T[]; link?: string } {
  const perPage = Math.min(max, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const at = (n: number) => {
    const u = new URL(url.pathname + url.search, base);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(n));
    return `<${u.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) parts.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) parts.push(`${at(1)}; rel="first"`);
  return parts.length > 0 ? { items, link: parts.join(', ') } : { items };
}

function send(
  res: ServerResponse,
  status: number,
  data?: unknown,
  headers: Record<string, string> = {},
) {
  const body = data === undefined ? '' : JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    ...headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.on('data', (d: Buffer) => {
      s += d.toString();
    });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}
