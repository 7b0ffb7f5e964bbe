import type { ListEntry, PostEntry, TermRef } from './snapshot.js';
import type { IndexedDraft, SiteIndex } from './site-index.js';

/**
 * How the last index arranged a site's posts (their order, neighbours and lists) and what it worked out of
 * each, kept by a warm build (`serve`'s) so that an edit that moves no post redoes only the edited posts' part.
 */
export interface IndexArrangement {
  /** The posts as read, in the order of the site's files (before sorting). */
  unsorted: IndexedDraft[];
  /** Per id: the post's place in `unsorted`. */
  order: number[];
  /** Per place in `unsorted`: the post's id. */
  idAt: number[];
  posts: PostEntry[];
  lists: ListEntry[];
  tagIndex: SiteIndex['tagIndex'];
  /** Per id: its tags' and categories' names as lists show them, its own card hash, its card and page hashes. */
  terms: string[];
  baseCards: string[];
  cardHashes: string[];
  pageHashes: string[];
}

function sameTerms(a: TermRef[], b: TermRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.name !== y.name || x.slug !== y.slug || x.url !== y.url || x.href !== y.href) return false;
  }
  return true;
}

/** Whether a post read again stands where it stood: what its order, neighbours, translations and lists are made of. */
function samePlace(a: IndexedDraft, b: IndexedDraft): boolean {
  const [x, y] = [a.entry, b.entry];
  return (
    x.source === y.source &&
    x.kind === y.kind &&
    x.date === y.date &&
    x.year === y.year &&
    x.month === y.month &&
    x.lang === y.lang &&
    a.translationKey === b.translationKey &&
    sameTerms(x.tags, y.tags) &&
    sameTerms(x.categories, y.categories)
  );
}

/**
 * The places in `drafts` of the posts read again since the last index, when every one of them stands where it
 * stood (same file order, date, language, translation key, tags and categories) and no post came or went: then
 * the last arrangement holds. Undefined when anything moved.
 */
export function changedInPlace(last: IndexArrangement, drafts: IndexedDraft[]): number[] | undefined {
  if (drafts.length !== last.unsorted.length) return undefined;
  const changed: number[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const [now, before] = [drafts[i]!, last.unsorted[i]!];
    if (now === before) continue;
    if (!samePlace(now, before)) return undefined;
    changed.push(i);
  }
  return changed;
}
