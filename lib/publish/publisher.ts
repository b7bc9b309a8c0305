import type { PublishTree } from './tree.js';

export interface PublishReport {
  destination: string;
  /** Entries written or uploaded this run. */
  written: string[];
  /** Entries that were already there, unchanged. */
  skipped: string[];
}

/** Progress callback: entries done of total, and the one being worked on. */
export type Progress = (done: number, total: number, current: string) => void;

/** A place the published tree goes: a static directory, an OCI registry, an OCI layout directory. */
export interface Publisher {
  readonly destination: string;
  publish(tree: PublishTree, progress?: Progress): Promise<PublishReport>;
}
