// Command-line flags of the benchmarks: `--name value`, else the fallback.
const argv = process.argv.slice(2);

export function flag(name: string, fallback: string): string {
  return argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? fallback) : fallback;
}

/** Whether `--name` was given (a switch). */
export function has(name: string): boolean {
  return argv.includes(name);
}
