// Turns a generated drove-blog site into a Hugo site with equivalent Go templates:
// posts, a paginated home per language, paginated tag and category pages, RSS
// feeds (home, per tag and per category: the 20 newest posts, whole, as drove-blog's),
// a sitemap and a 404 page; raw HTML in Markdown is kept, as drove-blog keeps it. Hugo has no
// Atom feed and no year/month archives out of the box: those are not made.
//
// Two styles of templates:
// - `expert` (the default), as Hugo's performance advice has it: the home page's
//   list of posts is worked out once per language (`partialCached` of a partial
//   that `return`s it) instead of once per pager page, and a post's card, which
//   appears on the home, tag and category pages, is rendered once
//   (`partialCached` keyed by the page) — what drove-blog's `{% memo %}` does;
// - `docs`: the home page filters `.Site.RegularPages` with `where` in the
//   template, as Hugo's documentation shows, evaluated for every pager page
//   (O(pager pages × posts)), and every card is rendered where it appears.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makeHugoSite(site, dir, { style = 'expert' } = {}) {
  rmSync(dir, { recursive: true, force: true });
  const config = JSON.parse(readFileSync(join(site, 'site.config.json'), 'utf8'));
  const content = join(dir, 'content', 'posts');
  for (const year of readdirSync(join(site, 'posts'))) {
    mkdirSync(join(content, year), { recursive: true });
    for (const file of readdirSync(join(site, 'posts', year))) {
      // Hugo wants an RFC 3339 date.
      const text = readFileSync(join(site, 'posts', year, file), 'utf8').replace(/^date: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/m, 'date: $1T$2:00Z');
      writeFileSync(join(content, year, file), text);
    }
  }
  const languages = Object.keys(config.languages)
    .map((code, i) => `  ${code}:\n    weight: ${i + 1}\n    languageName: ${code}`)
    .join('\n');
  writeFileSync(
    join(dir, 'hugo.yaml'),
    `baseURL: ${config.baseUrl}
title: ${JSON.stringify(config.title)}
defaultContentLanguage: en
paginate: ${config.paginate.home}
disableKinds: [section]
taxonomies:
  tag: tags
  category: categories
permalinks:
  posts: /:year/:month/:filename/
services:
  rss:
    limit: 20
markup:
  goldmark:
    renderer:
      unsafe: true
  highlight:
    noClasses: false
languages:
${languages}
`,
  );
  const layouts = join(dir, 'layouts');
  mkdirSync(join(layouts, '_default'), { recursive: true });
  mkdirSync(join(layouts, 'partials'), { recursive: true });
  writeFileSync(
    join(layouts, '_default', 'baseof.html'),
    `<!doctype html>
<html lang="{{ .Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="site-header"><a class="site-title" href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav>{{ range .Site.Home.AllTranslations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Lang }}">{{ .Lang }}</a> {{ end }}</nav></header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>{{ .Site.Title }}</p></footer>
</body>
</html>
`,
  );
  writeFileSync(
    join(layouts, 'partials', 'meta.html'),
    `<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time>{{ range .GetTerms "categories" }} · <a class="category" href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}{{ range .GetTerms "tags" }} <a class="tag" href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a>{{ end }}</p>`,
  );
  writeFileSync(
    join(layouts, '_default', 'single.html'),
    `{{ define "main" }}<article class="post">
<header><h1>{{ .Title }}</h1>
{{ partial "meta.html" . }}
{{ if .IsTranslated }}<p class="translations">{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Lang }}">{{ .Title }} ({{ .Lang }})</a> {{ end }}</p>{{ end }}
</header>
<div class="content">
{{ .Content }}
</div>
<nav class="neighbours">
{{ with .NextInSection }}<a class="newer" href="{{ .RelPermalink }}">← {{ .Title }}</a>{{ end }}
{{ with .PrevInSection }}<a class="older" href="{{ .RelPermalink }}">{{ .Title }} →</a>{{ end }}
</nav>
</article>{{ end }}
`,
  );
  const card = `<article class="card">
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
{{ partial "meta.html" . }}
{{ with .Params.summary }}<p>{{ . }}</p>{{ else }}{{ .Summary }}{{ end }}
<p><a class="more" href="{{ .RelPermalink }}">Read more</a></p>
</article>
`;
  writeFileSync(join(layouts, 'partials', 'card.html'), card);
  writeFileSync(join(layouts, 'partials', 'home-pages.html'), `{{ return where .Site.RegularPages "Type" "posts" }}`);
  const pagesLine =
    style === 'expert'
      ? `{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = partialCached "home-pages.html" . .Lang }}{{ end }}`
      : `{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = where .Site.RegularPages "Type" "posts" }}{{ end }}`;
  const cardLine = style === 'expert' ? `{{ partialCached "card.html" . .RelPermalink }}` : `{{ partial "card.html" . }}`;
  const listBody = `{{ define "main" }}<h1>{{ .Title }}</h1>
${pagesLine}
{{ $paginator := .Paginate $pages }}
{{ range $paginator.Pages }}${cardLine}{{ end }}{{ if gt $paginator.TotalPages 1 }}<nav class="pagination">{{ with $paginator.Prev }}<a rel="prev" href="{{ .URL }}">← Newer</a>{{ end }}<span>Page {{ $paginator.PageNumber }} of {{ $paginator.TotalPages }}</span>{{ with $paginator.Next }}<a rel="next" href="{{ .URL }}">Older →</a>{{ end }}</nav>{{ end }}
{{ end }}
`;
  writeFileSync(join(layouts, '_default', 'list.html'), listBody);
  writeFileSync(join(layouts, 'index.html'), listBody);
  writeFileSync(
    join(layouts, '_default', 'terms.html'),
    `{{ define "main" }}<h1>{{ .Title }}</h1><ul class="tag-cloud">{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> <span>{{ .Count }}</span></li>{{ end }}</ul>{{ end }}`,
  );
  // drove-blog's feeds hold the 20 newest posts, whole: Hugo's built-in RSS template holds
  // summaries, so the site gets an RSS template of its own with the content (and
  // `services.rss.limit` above), for home, tag and category feeds alike.
  writeFileSync(
    join(layouts, '_default', 'rss.xml'),
    `{{- $pages := .Pages -}}{{- if .IsHome -}}{{- $pages = .Site.RegularPages -}}{{- end -}}
{{- $pages = $pages | first .Site.Config.Services.RSS.Limit -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link>{{ .Permalink }}</link>
<language>{{ .Lang }}</language>
{{ with .OutputFormats.Get "RSS" }}{{ printf "<atom:link href=%q rel=\\"self\\" type=%q />" .Permalink .MediaType | safeHTML }}{{ end }}
{{- range $pages }}
<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate><guid>{{ .Permalink }}</guid><description>{{ .Content | html }}</description></item>
{{- end }}
</channel></rss>
`,
  );
  writeFileSync(join(layouts, '404.html'), `{{ define "main" }}<h1>Page not found</h1>{{ end }}`);
  return dir;
}
