/**
 * A TypeDoc plugin that renders the Mermaid diagrams of the docs site with no network: Mermaid
 * comes from the `mermaid` package pinned in `package.json`, not from a CDN.
 *
 * - Each fenced block whose language is `mermaid`, in a project document or a doc comment,
 *   becomes `<pre class="mermaid-source">` holding its escaped text: readable as it is when
 *   scripts are off, and no warning about a language the highlighter lacks.
 * - A page with such a block gets two classic scripts before `</body>`: `assets/mermaid.min.js`
 *   (Mermaid's self-contained browser bundle, copied from `node_modules/mermaid/dist`, with its
 *   licence as `assets/mermaid.LICENSE.txt`) and `assets/mermaid-render.js` (this folder's
 *   `offline-mermaid.browser.js`), which turns each block into an SVG in the page's light or dark
 *   theme. Classic scripts rather than modules, so the site also works opened from `file://`.
 *
 * `typedoc.json` loads it through `offline-mermaid.js`, which lets `npm run docs`'s plain Node
 * import this TypeScript. `docs/checkSite.ts` checks the built site in headless Chromium.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Application, MarkdownEvent, PageEvent, RendererEvent } from "typedoc"

/** The class of the `<pre>` a Mermaid block becomes, which the browser script looks for. */
export const SOURCE_CLASS = "mermaid-source"

/** Where the site's pages find the bundled Mermaid and the script that renders with it, relative to the site's root. */
export const ASSETS = {
  mermaid: "assets/mermaid.min.js",
  licence: "assets/mermaid.LICENSE.txt",
  render: "assets/mermaid-render.js"
} as const

const require = createRequire(import.meta.url)

/** The files the plugin copies into the site, keyed like {@link ASSETS}. */
const SOURCES: { readonly [K in keyof typeof ASSETS]: string } = {
  mermaid: require.resolve("mermaid/dist/mermaid.min.js"),
  licence: join(dirname(require.resolve("mermaid/package.json")), "LICENSE"),
  render: fileURLToPath(new URL("offline-mermaid.browser.js", import.meta.url))
}

/** The version of the bundled Mermaid, from its `package.json`. */
export const mermaidVersion = (): string => (JSON.parse(readFileSync(require.resolve("mermaid/package.json"), "utf8")) as { readonly version: string }).version

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

/**
 * A fenced `mermaid` block: an opening fence of three or more backticks or tildes, indented by
 * at most three spaces, the language `mermaid` and nothing after it; its text; a closing fence of
 * the same character at least as long.
 */
const FENCE = /^ {0,3}((`|~)\2{2,})[ \t]*mermaid[ \t]*\r?\n([\s\S]*?)^ {0,3}\1\2*[ \t]*\r?$/gm

/**
 * Markdown with each fenced `mermaid` block replaced by `<pre class="mermaid-source">` holding its
 * escaped text. The `<pre>` starts its line, so Markdown passes it through untouched up to its
 * `</pre>`, blank lines included (an HTML block of CommonMark's first kind).
 */
export const toMermaidBlocks = (markdown: string): string =>
  markdown.replace(FENCE, (_block, _fence: string, _char: string, text: string) => `<pre class="${SOURCE_CLASS}">${escapeHtml(text.replace(/\s+$/, ""))}</pre>`)

/** The tags a page with diagrams gets before `</body>`, for a page at `url` (relative to the site's root). */
export const scriptTags = (url: string): string => {
  const root = "../".repeat(url.split("/").length - 1)
  return `<script src="${root}${ASSETS.mermaid}"></script><script src="${root}${ASSETS.render}"></script>`
}

/** TypeDoc's entry point: registers the Markdown rewrite, the scripts of the pages with diagrams and the copy of the assets. */
export const load = (app: Application): void => {
  // Before TypeDoc's own listener (priority 0) turns the Markdown into HTML.
  app.renderer.on(
    MarkdownEvent.PARSE,
    (event) => {
      event.parsedText = toMermaidBlocks(event.parsedText)
    },
    100
  )
  app.renderer.on(PageEvent.END, (page) => {
    if (page.contents === undefined || !page.contents.includes(`<pre class="${SOURCE_CLASS}">`)) return
    const end = page.contents.lastIndexOf("</body>")
    if (end < 0) throw new Error(`offline-mermaid: ${page.url} has diagrams but no </body>`)
    page.contents = page.contents.slice(0, end) + scriptTags(page.url) + page.contents.slice(end)
  })
  app.renderer.on(RendererEvent.END, (event) => {
    mkdirSync(join(event.outputDirectory, "assets"), { recursive: true })
    for (const key of Object.keys(ASSETS) as Array<keyof typeof ASSETS>) copyFileSync(SOURCES[key], join(event.outputDirectory, ASSETS[key]))
    app.logger.info(`Bundled Mermaid ${mermaidVersion()} into ${ASSETS.mermaid}`)
  })
}
