import { BlogEngineError } from '../errors.js';
import type { Macro, MacroCall } from '../site-config.js';

/**
 * Hugo's embedding shortcodes as macros, for a site read with `folders: 'hugo'`:
 * `{{< gist user id [file] >}}`, `{{< youtube id >}}`, `{{< vimeo id >}}` and
 * `{{< figure src="…" alt="…" caption="…" >}}` make the HTML Hugo's built-ins
 * make. A site's own macro of the same name replaces one.
 */
export const hugoShortcodes: Record<string, Macro> = {
  gist(call) {
    const [user, id, file] = [call.args[0] ?? call.named.user, call.args[1] ?? call.named.id, call.args[2] ?? call.named.file];
    const query = file === undefined ? '' : `?file=${encodeURIComponent(file)}`;
    return `<script src="https://gist.github.com/${token(call, 'user', user)}/${token(call, 'id', id)}.js${query}"></script>`;
  },
  youtube(call) {
    const id = token(call, 'id', call.args[0] ?? call.named.id);
    const title = escapeAttribute(call.named.title ?? 'YouTube video');
    return `<div class="video"><iframe src="https://www.youtube-nocookie.com/embed/${id}" title="${title}" allowfullscreen loading="lazy"></iframe></div>`;
  },
  vimeo(call) {
    const id = token(call, 'id', call.args[0] ?? call.named.id);
    const title = escapeAttribute(call.named.title ?? 'Vimeo video');
    return `<div class="video"><iframe src="https://player.vimeo.com/video/${id}?dnt=1" title="${title}" allowfullscreen loading="lazy"></iframe></div>`;
  },
  figure(call) {
    const { src, alt, caption, title, link } = call.named;
    if (src === undefined) throw new BlogEngineError('ERR_BLOG_MACRO', 'figure needs src="…"', { file: call.file, line: call.line });
    const img = `<img src="${escapeAttribute(src)}"${alt === undefined ? '' : ` alt="${escapeAttribute(alt)}"`}>`;
    const linked = link === undefined ? img : `<a href="${escapeAttribute(link)}">${img}</a>`;
    const heading = title === undefined ? '' : `<h4>${escapeText(title)}</h4>`;
    const text = caption === undefined ? '' : `<p>${escapeText(caption)}</p>`;
    return `<figure>${linked}${heading || text ? `<figcaption>${heading}${text}</figcaption>` : ''}</figure>`;
  },
};

/** An id or user name: letters, digits, `-` and `_` only, so it cannot break out of the URL. */
function token(call: MacroCall, name: string, value: string | undefined): string {
  if (value === undefined || !/^[\w-]+$/.test(value)) {
    throw new BlogEngineError('ERR_BLOG_MACRO', `${call.name} needs a ${name} of letters, digits, "-" and "_", got ${JSON.stringify(value ?? '')}`, { file: call.file, line: call.line });
  }
  return value;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
