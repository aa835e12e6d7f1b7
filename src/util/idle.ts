/**
 * Work that may run whenever this process is known to wait with nothing else to do, such as a
 * shared tag's settle window (src/oci/shared-tag.ts): loading a module the end of a step needs
 * (the summary's YAML) there instead of between two round trips. Each task runs once: at the
 * first idle moment, or when its owner stops waiting for one (`flushIdle`).
 */
const tasks: (() => void)[] = [];

export function whenIdle(task: () => void): void {
  tasks.push(task);
}

/** Runs every queued task now (an idle moment starts, or its owner needs it done anyway). */
export function flushIdle(): void {
  for (const task of tasks.splice(0)) {
    try {
      task();
    } catch {
      // a task's failure is its own (the owner loads the module again when it needs it)
    }
  }
}
