/** What {@link makeRealTextCorpus} wrote. */
export interface RealTextCorpus {
  posts: number;
  dir: string;
  /** Distinct posts cut from the installed packages' Markdown before replication. */
  distinct: number;
  packages: number;
  /** A digest of the text, the same wherever the lockfile is the same. */
  digest: string;
}

/** Writes a site of `posts` posts of real text (the installed packages' Markdown documentation) to `out`. */
export function makeRealTextCorpus(out: string, posts: number, seed?: number, options?: { modules?: string; min?: number }): RealTextCorpus;
