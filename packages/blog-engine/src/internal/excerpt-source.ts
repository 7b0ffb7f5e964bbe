/** The excerpt's Markdown: what comes before `<!-- more -->`, else the first paragraph of prose. */
export function excerptSource(body: string): string {
  const more = body.includes('more') ? /<!--\s*more\s*-->/.exec(body) : null;
  if (more) return body.slice(0, more.index).trim();
  // Walk blank-line-separated blocks without splitting the whole body.
  let start = 0;
  while (start < body.length) {
    const match = /\n[ \t]*\n/g;
    match.lastIndex = start;
    const end = match.exec(body);
    const text = body.slice(start, end ? end.index : body.length).trim();
    if (text && !/^(#|```|~~~|\||<|[-*+] |\d+\. |>|\{\{<)/.test(text)) return text;
    if (!end) break;
    start = end.index + end[0].length;
  }
  return '';
}
