import type { InputRow } from './build-db.js';
import type { ChangeLog } from './change-log.js';
import type { IndexArrangement } from './index-arrangement.js';
import type { PublishingDates } from './publishing.js';
import type { PlanMemo } from './route-planner.js';
import type { IndexedDraft, SiteWarning } from './site-index.js';
import type { SourceDoc } from './site-loader.js';

/** A post or page as the index read it, with the warnings that reading gave. */
export interface IndexedDoc {
  draft: IndexedDraft;
  warnings: SiteWarning[];
}

/** A post's hashes as the last build worked them out, with what they were made of besides the post itself. */
export interface PostHashes {
  /** Its tags' and categories' names as lists show them (the newest post's spelling of each). */
  terms: string;
  card: string;
  /** The card hash the page hash was made with. */
  pageOf: string;
  page: string;
}

/** A post or page as last loaded, with the stat data its file had then, when it was read, and where it was found. */
export interface WarmDoc {
  /** Its file's size, times and inode when it was read, as a plain (not BigInt) stat gives them. */
  quick: { size: number; mtimeMs: number; ctimeMs: number; ino: number };
  readAtMs: number;
  doc: SourceDoc;
}

/**
 * What one process keeps between builds of the same site, so that a rebuild
 * (`serve`'s, after an edit) redoes only the work of the files that changed.
 * Everything in it is checked before it is used: a file's entry by its stat
 * data, the index's by the settings it was made under. A build without it
 * does all the work, as every build of the CLI does.
 */
export interface WarmState {
  /** Per source file: the post or page as last loaded. */
  docs: Map<string, WarmDoc>;
  /** What a watcher of the site reported since the last build; without one every file's stat data is compared. */
  changes: ChangeLog | undefined;
  /** Per post or page: the dates the publishing rules compare with each build's `now`. */
  publishing: WeakMap<SourceDoc, PublishingDates>;
  /** The database's inputs table as the last build left it; undefined until a build has read it. */
  inputs: Map<string, InputRow> | undefined;
  /** Posts' HTML by page hash, made under the site's inputs in `globalHash` (see `Snapshot.contentCache`): what the full-content feeds of the last build showed. */
  contents: { globalHash: string; html: Map<string, string> };
  /** The last plan's routes of posts and lists, with what their keys were made of. */
  plan: PlanMemo | undefined;
  /** Read posts, and their hashes, for the configuration and layouts in `stamp`. */
  index: {
    stamp: string;
    docs: WeakMap<SourceDoc, IndexedDoc>;
    hashes: WeakMap<SourceDoc, PostHashes>;
    /** How the last index arranged the posts; undefined after an index with problems. */
    arrangement: IndexArrangement | undefined;
  };
}

/** An empty warm state: the first build with it does all the work. */
export function createWarmState(): WarmState {
  return { docs: new Map(), changes: undefined, publishing: new WeakMap(), inputs: undefined, contents: { globalHash: '', html: new Map() }, plan: undefined, index: { stamp: '', docs: new WeakMap(), hashes: new WeakMap(), arrangement: undefined } };
}

/** The index's part of `warm`, emptied first when the settings it was made under (`stamp`) changed. */
export function warmIndex(warm: WarmState, stamp: string): WarmState['index'] {
  if (warm.index.stamp !== stamp) warm.index = { stamp, docs: new WeakMap(), hashes: new WeakMap(), arrangement: undefined };
  return warm.index;
}
