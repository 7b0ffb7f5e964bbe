import { parseDate } from './dates.js';

/** Which posts and pages a build publishes besides the ones due now (Hugo's `--buildFuture`/`--buildExpired`, Jekyll's `--future`/`--unpublished`). */
export interface PublishingRules {
  /** The instant the build publishes for. */
  now: Date;
  future: boolean;
  expired: boolean;
  unpublished: boolean;
}

/** Why a post or page is left out of a build. */
export type HoldReason = 'future' | 'expired' | 'unpublished';

/** A post or page left out, and until when (`future`) or since when (`expired`). */
export interface Hold {
  reason: HoldReason;
  /** ISO instant: when a future post is due, when an expired one expired; null for `published: false`. */
  at: string | null;
}

/** The front-matter names of the publishing dates, Hugo's spellings first (Hugo reads keys in any case). */
export const publishDateKeys = ['publishDate', 'publishdate', 'pubdate', 'pubDate'] as const;
export const expiryDateKeys = ['expiryDate', 'expirydate', 'unpublishdate', 'unpublishDate'] as const;

/** The first of `keys` the front matter sets. */
export function firstKey(data: Record<string, unknown>, keys: readonly string[]): string | undefined {
  return keys.find((key) => data[key] !== undefined && data[key] !== null);
}

/** What the publishing rules read of a post or page: whether it says `published: false`, when it is due and when it expires. */
export interface PublishingDates {
  unpublished: boolean;
  due: Date | undefined;
  expires: Date | undefined;
}

/**
 * The publishing dates of a post or page, read from its front matter as Jekyll and Hugo read them:
 *
 * - `published: false` (Jekyll);
 * - its publish date: `publishDate`, else a `published` date as Hugo allows, else its `date` or the
 *   `YYYY-MM-DD-` prefix of its file name;
 * - its `expiryDate`.
 *
 * Values that are not valid dates are ignored here: the indexer reports them.
 */
export function publishingDates(data: Record<string, unknown>, fileDate: string | undefined): PublishingDates {
  const publishKey = firstKey(data, publishDateKeys);
  const published = publishKey !== undefined ? data[publishKey] : typeof data.published === 'string' ? data.published : (data.date ?? fileDate);
  const expiryKey = firstKey(data, expiryDateKeys);
  return { unpublished: data.published === false, due: parseDate(published), expires: expiryKey === undefined ? undefined : parseDate(data[expiryKey]) };
}

/**
 * Whether a post or page with these dates is left out of a build made at `rules.now`: `published: false` unless
 * `unpublished`, due after `now` unless `future`, expired at or before `now` unless `expired`.
 */
export function holdAt(dates: PublishingDates, rules: PublishingRules): Hold | undefined {
  if (dates.unpublished && !rules.unpublished) return { reason: 'unpublished', at: null };
  const { due, expires } = dates;
  if (due && due.getTime() > rules.now.getTime() && !rules.future) return { reason: 'future', at: due.toISOString() };
  if (expires && expires.getTime() <= rules.now.getTime() && !rules.expired) return { reason: 'expired', at: expires.toISOString() };
  return undefined;
}

/** Whether a post or page is left out of a build made at `rules.now` (see {@link publishingDates} and {@link holdAt}). */
export function holdOf(data: Record<string, unknown>, fileDate: string | undefined, rules: PublishingRules): Hold | undefined {
  return holdAt(publishingDates(data, fileDate), rules);
}

/** The `YYYY-MM-DD` prefix of a post file's name (`posts/2024-03-01-hello.md`), Jekyll's way of dating a post. */
export function fileNameDate(source: string): string | undefined {
  const base = source.slice(source.lastIndexOf('/') + 1);
  return /^(\d{4}-\d{2}-\d{2})-/.exec(base)?.[1];
}
