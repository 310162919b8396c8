/**
 * `npx tsx docs/checkSite.ts` (`npm run docs:check`): checks in headless Chromium that the built
 * docs site (`npm run docs`, in `docs/site`) draws its Mermaid diagrams with no network.
 *
 * It serves `docs/site` on 127.0.0.1 from a small static server, opens every page that has a
 * diagram in Debian's Chromium (`/usr/bin/chromium`, driven by `playwright-core`, which downloads
 * no browser of its own), aborts and records every request that is not to that server, and
 * asserts, page by page: each `<pre class="mermaid-source">` became an SVG of a real size, no
 * request left the machine, no console error and no page error. It also checks that no page of
 * the site loads a script or a style sheet from elsewhere, and that the diagrams include a
 * sequence diagram and a state diagram. A screenshot of each page, scrolled to its first
 * diagram, goes to a new temporary folder, named in the last line.
 *
 * Exit codes: 0 when every check passes; 1 when one fails (one line each); 3 when
 * `/usr/bin/chromium` is missing (`apt-get install -y chromium`).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { extname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium, type BrowserContext, type Page } from "playwright-core"

const CHROMIUM = "/usr/bin/chromium"
const SITE = fileURLToPath(new URL("site", import.meta.url))
/** How long a page may take to load and draw its diagrams. */
const PAGE_TIMEOUT_MS = 30_000
/** The diagram types that must be among the drawn ones, as Mermaid names them in `aria-roledescription`. */
const REQUIRED_TYPES: ReadonlyArray<string> = ["sequence", "stateDiagram"]

const ARGS: ReadonlyArray<string> = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Resolve no host name but the loopback address: nothing Chromium might try on its own leaves the machine.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
]

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8"
}

const say = (line: string): void => console.log(`docs:check: ${line}`)

/** A browser message on one line, without the stack trace a console error may carry, at most 300 characters. */
const oneLine = (text: string): string => {
  const line = text.replace(/\n\s*at\s[\s\S]*$/, "").replace(/\s+/g, " ").trim()
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}

/** Every file under `dir`, relative to it, with `/` separators. */
const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))

/** A static server for `root` on 127.0.0.1, on a free port. */
const serve = (root: string): Promise<Server> =>
  new Promise((done, fail) => {
    const server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname)
      const file = resolve(root, `.${path.endsWith("/") ? `${path}index.html` : path}`)
      if (!file.startsWith(root + sep) || !existsSync(file)) {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found")
        return
      }
      response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file))
    })
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => done(server))
  })

/** What went wrong on a page, one line each. */
const checkPage = async (page: Page, base: string, path: string, types: Set<string>): Promise<{ readonly problems: ReadonlyArray<string>; readonly diagrams: number }> => {
  const problems: Array<string> = []
  await page.goto(`${base}/${path}`, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS })
  const html = page.locator("html")
  try {
    await page.waitForSelector("html[data-mermaid]", { state: "attached", timeout: PAGE_TIMEOUT_MS })
  } catch {
    return { problems: [`${path}: the diagrams were not drawn within ${PAGE_TIMEOUT_MS / 1000} s`], diagrams: 0 }
  }
  const state = await html.getAttribute("data-mermaid")
  if (state !== "rendered") problems.push(`${path}: the render script reported "${state}"`)
  const sources = page.locator("pre.mermaid-source")
  const svgs = page.locator("div.mermaid-diagram > svg")
  const [sourceCount, svgCount] = [await sources.count(), await svgs.count()]
  if (sourceCount === 0) problems.push(`${path}: no mermaid block on the page`)
  if (svgCount !== sourceCount) problems.push(`${path}: ${sourceCount} mermaid blocks but ${svgCount} SVGs`)
  for (let index = 0; index < sourceCount; index++) {
    if (!(await sources.nth(index).isHidden())) problems.push(`${path}: the source of diagram ${index + 1} is still shown`)
  }
  for (let index = 0; index < svgCount; index++) {
    const svg = svgs.nth(index)
    const type = (await svg.getAttribute("aria-roledescription")) ?? "unknown"
    types.add(type)
    const box = await svg.boundingBox()
    if (type === "error") problems.push(`${path}: diagram ${index + 1} is Mermaid's syntax-error picture`)
    else if (box === null || box.width < 50 || box.height < 50) problems.push(`${path}: diagram ${index + 1} (${type}) is not drawn at a real size (${box === null ? "hidden" : `${Math.round(box.width)}x${Math.round(box.height)}`})`)
  }
  return { problems, diagrams: svgCount }
}

const main = async (): Promise<number> => {
  if (!existsSync(CHROMIUM)) {
    say(`${CHROMIUM} is missing: apt-get install -y chromium (Debian's package), then run again`)
    return 3
  }
  if (!existsSync(join(SITE, "index.html"))) {
    say("docs/site is missing: run npm run docs first")
    return 1
  }
  const started = performance.now()
  const problems: Array<string> = []
  const files = filesUnder(SITE)
  const pages = files.filter((file) => file.endsWith(".html") && readFileSync(join(SITE, file), "utf8").includes('<pre class="mermaid-source">')).sort()
  if (pages.length === 0) problems.push("no page of docs/site has a mermaid block")
  for (const file of files.filter((name) => name.endsWith(".html"))) {
    const remote = /<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?\/\/[^"]*"/i.exec(readFileSync(join(SITE, file), "utf8"))
    if (remote !== null) problems.push(`${file}: loads from another host: ${remote[0]}`)
  }

  const server = await serve(SITE)
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const profile = mkdtempSync(join(tmpdir(), "checkout-site-profile-"))
  const shots = mkdtempSync(join(tmpdir(), "checkout-site-shots-"))
  const types = new Set<string>()
  let diagrams = 0
  let context: BrowserContext | undefined
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...ARGS],
      viewport: { width: 1280, height: 900 },
      serviceWorkers: "block"
    })
    const blocked: Array<string> = []
    await context.route("**/*", async (route) => {
      const url = new URL(route.request().url())
      if (url.protocol === "file:" || (url.protocol === "http:" && url.hostname === "127.0.0.1")) await route.continue()
      else {
        blocked.push(route.request().url())
        await route.abort("blockedbyclient")
      }
    })
    for (const path of pages) {
      const page = await context.newPage()
      const errors: Array<string> = []
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console error: ${message.text()}`)
      })
      page.on("pageerror", (error) => errors.push(`page error: ${error.message}`))
      page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? "?"})`))
      page.on("response", (response) => {
        if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`)
      })
      const blockedBefore = blocked.length
      const result = await checkPage(page, base, path, types)
      diagrams += result.diagrams
      problems.push(...result.problems, ...errors.map((error) => `${path}: ${oneLine(error)}`))
      problems.push(...blocked.slice(blockedBefore).map((url) => `${path}: blocked a request that would have left the machine: ${url}`))
      const first = page.locator("div.mermaid-diagram").first()
      if ((await first.count()) > 0) await first.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(shots, `${path.replace(/[^A-Za-z0-9._-]+/g, "_")}.png`) })
      say(`${result.problems.length + errors.length === 0 ? "ok" : "FAIL"} ${path}: ${result.diagrams} diagram(s)`)
      await page.close()
    }
  } finally {
    await context?.close()
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }

  for (const type of REQUIRED_TYPES) if (!types.has(type)) problems.push(`no ${type} diagram was drawn (drawn: ${[...types].sort().join(", ") || "none"})`)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  for (const problem of problems) say(`FAIL ${problem}`)
  say(
    problems.length === 0
      ? `${diagrams} diagrams on ${pages.length} pages drawn offline with Mermaid's bundled copy in ${seconds} s; no request left 127.0.0.1; screenshots in ${shots}`
      : `${problems.length} problem(s) in ${seconds} s; screenshots in ${shots}`
  )
  return problems.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`FAIL ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`)
    process.exit(1)
  }
)
