import type { ApiToken } from "@tablesnap/config";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Served with every page: nothing from elsewhere, no inline script, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** JSON for a `<script type="application/json">`: `<` escaped so no `</script>` ends it early. */
export function jsonIsland(id: string, value: unknown): Html {
  const text = JSON.stringify(value).replaceAll("<", "\\u003c");
  return html`<script type="application/json" id="${id}">${raw(text)}</script>`;
}

/** The page around every view: the libraries it needs come from this server, never a CDN. */
export function layout(title: string, who: ApiToken | null, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · tablesnap</title>
<link rel="stylesheet" href="/ui/assets/uPlot.min.css">
<link rel="stylesheet" href="/ui/assets/dashboard.css">
<script src="/ui/assets/uPlot.iife.min.js" defer></script>
<script src="/ui/assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <a href="/" class="brand">tablesnap</a>
  ${
    who === null
      ? ""
      : html`<span class="who">signed in as ${who.name} (${who.role})</span>
  <form method="post" action="/logout"><button type="submit">Sign out</button></form>`
  }
</header>
<main>
${body}
</main>
</body>
</html>`;
}

export function loginPage(next: string, problem: string | null): Html {
  return layout(
    "Sign in",
    null,
    html`<h1>Sign in</h1>
<p>Paste an API token (<code>TABLESNAP_API_TOKEN</code>) or a read-only viewer token
(<code>TABLESNAP_VIEWER_TOKEN</code>). A session cookie signed with it (not the token) lasts 12 hours.</p>
${problem === null ? "" : html`<p class="problem" role="alert">${problem}</p>`}
<form method="post" action="/login" class="login">
  <input type="hidden" name="next" value="${next}">
  <label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
  <button type="submit">Sign in</button>
</form>`,
  );
}
