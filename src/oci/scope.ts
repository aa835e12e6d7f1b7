// Token scopes of the distribution token auth spec (`repository:org/app:pull,push`).

export function parseScope(scope: string): { resource: string; actions: string[] } {
  const last = scope.lastIndexOf(':');
  return { resource: scope.slice(0, last), actions: scope.slice(last + 1).split(',') };
}

/** True when a token granted for `have` serves a request needing `need`. */
export function covers(have: string[], need: string[]): boolean {
  const granted = new Map<string, Set<string>>();
  for (const s of have) {
    const { resource, actions } = parseScope(s);
    const set = granted.get(resource) ?? new Set<string>();
    for (const a of actions) set.add(a);
    granted.set(resource, set);
  }
  return need.every((s) => {
    const { resource, actions } = parseScope(s);
    const set = granted.get(resource);
    return set !== undefined && actions.every((a) => set.has(a) || set.has('*'));
  });
}

export function mergeScopes(a: string[], b: string[]): string[] {
  const merged = new Map<string, Set<string>>();
  for (const s of [...a, ...b]) {
    const { resource, actions } = parseScope(s);
    const set = merged.get(resource) ?? new Set<string>();
    for (const x of actions) set.add(x);
    merged.set(resource, set);
  }
  return [...merged].map(([r, actions]) => `${r}:${[...actions].sort().join(',')}`);
}

/** `registry/path` of the repository a scope set is for (the registry when none is). */
export function repositoryOf(scopes: string[], registry: string): string {
  const s = scopes.find((x) => x.startsWith('repository:'));
  return s ? `${registry}/${parseScope(s).resource.slice('repository:'.length)}` : registry;
}

/** Whether a request needs more than pull rights. */
export function needsPush(scopes: string[], method: string): boolean {
  return (
    !['GET', 'HEAD'].includes(method) ||
    scopes.some((s) => parseScope(s).actions.some((a) => a === 'push' || a === 'delete'))
  );
}
