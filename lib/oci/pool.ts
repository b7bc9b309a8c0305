/**
 * Runs jobs with at most `limit` in flight. The first failure stops new jobs from
 * starting; the ones already running finish, then that first error is thrown.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  job: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await job(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (failure) throw failure.error;
}

/** Runs each keyed job once: concurrent and later callers of a key share its promise. */
export class Shared<V> {
  private readonly jobs = new Map<string, Promise<V>>();

  run(key: string, job: () => Promise<V>): Promise<V> {
    let p = this.jobs.get(key);
    if (!p) {
      p = job();
      this.jobs.set(key, p);
      // A failed job may be tried again by a later caller.
      p.catch(() => this.jobs.delete(key));
    }
    return p;
  }
}
