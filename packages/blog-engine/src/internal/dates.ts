const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTime = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a front-matter date: `2021-03-04`, `2021-03-04 10:30`, an ISO string
 * with or without a zone, or a Date. Times without a zone are UTC, so a build
 * gives the same pages on every machine. Returns undefined when invalid.
 */
export function parseDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  let date: Date;
  const simple = dateOnly.exec(text);
  if (simple) date = new Date(Date.UTC(Number(simple[1]), Number(simple[2]) - 1, Number(simple[3])));
  else {
    const full = dateTime.exec(text);
    if (!full) return undefined;
    const [, y, mo, d, h, mi, s, ms, zone] = full;
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
    let offsetMinutes = 0;
    if (zone && zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
    date = new Date(utc - offsetMinutes * 60_000);
  }
  if (Number.isNaN(date.getTime())) return undefined;
  // Reject rolled-over dates such as 2021-02-31 and 2020-13-01 (the fields as written, before any zone offset).
  const check = dateOnly.exec(text.slice(0, 10));
  if (check) {
    const written = simple ? date : new Date(Date.UTC(Number(check[1]), Number(check[2]) - 1, Number(check[3])));
    if (written.getUTCMonth() !== Number(check[2]) - 1 || written.getUTCDate() !== Number(check[3])) return undefined;
  }
  return date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A date in a language's words (UTC): `4 March 2021`, `4. März 2021`. Formatters are cached. */
const formatted = new Map<string, string>();

export function formatDate(date: Date, lang: string, style: 'full' | 'long' | 'medium' | 'short' = 'long'): string {
  // Posts share days: format each day once (Intl formatting is the costly part of indexing).
  const day = `${date.toISOString().slice(0, 10)}|${lang}|${style}`;
  const known = formatted.get(day);
  if (known !== undefined) return known;
  const key = `${lang}|${style}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(lang, { dateStyle: style, timeZone: 'UTC' });
    formatters.set(key, formatter);
  }
  const text = formatter.format(date);
  if (formatted.size > 100_000) formatted.clear();
  formatted.set(day, text);
  return text;
}

const monthFormatters = new Map<string, Intl.DateTimeFormat>();

/** A month in a language's words: `March 2021`. */
export function formatMonth(year: number, month: number, lang: string): string {
  let formatter = monthFormatters.get(lang);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'long', timeZone: 'UTC' });
    monthFormatters.set(lang, formatter);
  }
  return formatter.format(new Date(Date.UTC(year, month - 1, 1)));
}

/** RFC 822 date for RSS. */
export function rfc822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
