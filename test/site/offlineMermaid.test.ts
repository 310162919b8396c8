import { readFileSync } from "node:fs"
import { Script } from "node:vm"
import { describe, expect, it } from "vitest"
import { ASSETS, mermaidVersion, scriptTags, SOURCE_CLASS, toMermaidBlocks } from "../../docs/plugins/OfflineMermaid.js"

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), "utf8")

describe("OfflineMermaid", () => {
  it("toMermaidBlocks - should turn a mermaid fence into an escaped <pre> that starts its line", () => {
    const markdown = ["Before.", "", "```mermaid", "sequenceDiagram", "  a->>b: <hi> & \"bye\"", "```", "", "After."].join("\n")
    expect(toMermaidBlocks(markdown)).toBe(
      ["Before.", "", `<pre class="${SOURCE_CLASS}">sequenceDiagram`, "  a-&gt;&gt;b: &lt;hi&gt; &amp; &quot;bye&quot;</pre>", "", "After."].join("\n")
    )
  })

  it("toMermaidBlocks - should keep blank lines inside a diagram and take tildes and longer fences", () => {
    expect(toMermaidBlocks("~~~~ mermaid\nstateDiagram-v2\n\n  A --> B\n~~~~~\n")).toBe(`<pre class="${SOURCE_CLASS}">stateDiagram-v2\n\n  A --&gt; B</pre>\n`)
    expect(toMermaidBlocks("````mermaid\ngraph LR\n```\nstill inside\n````\n")).toBe(`<pre class="${SOURCE_CLASS}">graph LR\n\`\`\`\nstill inside</pre>\n`)
  })

  it("toMermaidBlocks - should leave other code blocks and inline mentions alone", () => {
    const markdown = "```ts\nconst mermaid = 1\n```\n\nSay ```mermaid``` inline.\n\n```mermaidish\nx\n```\n"
    expect(toMermaidBlocks(markdown)).toBe(markdown)
  })

  it("toMermaidBlocks - should convert every block of a page", () => {
    const markdown = "```mermaid\ngraph A\n```\n\ntext\n\n```mermaid\ngraph B\n```\n"
    expect(toMermaidBlocks(markdown).match(new RegExp(`<pre class="${SOURCE_CLASS}">`, "g"))).toHaveLength(2)
  })

  it("scriptTags - should load the bundled Mermaid, then the render script, relative to the page", () => {
    expect(scriptTags("index.html")).toBe(`<script src="${ASSETS.mermaid}"></script><script src="${ASSETS.render}"></script>`)
    expect(scriptTags("documents/The_story.html")).toBe(`<script src="../${ASSETS.mermaid}"></script><script src="../${ASSETS.render}"></script>`)
  })

  it("mermaidVersion - should be the exact version pinned in package.json", () => {
    const pinned = (JSON.parse(read("../../package.json")) as { readonly devDependencies: Readonly<Record<string, string>> }).devDependencies["mermaid"]
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/)
    expect(mermaidVersion()).toBe(pinned)
  })

  it("the browser script - should be a classic script with no syntax error that looks for the plugin's class", () => {
    const source = read("../../docs/plugins/offline-mermaid.browser.js")
    expect(() => new Script(source)).not.toThrow()
    expect(source).toContain(`pre.${SOURCE_CLASS}`)
  })

  it("typedoc.json - should load this plugin and no Mermaid from elsewhere", () => {
    const typedoc = JSON.parse(read("../../typedoc.json")) as { readonly plugin: ReadonlyArray<string>; readonly treatWarningsAsErrors: boolean }
    expect(typedoc.plugin).toContain("./docs/plugins/offline-mermaid.js")
    expect(typedoc.plugin).not.toContain("typedoc-plugin-mermaid")
    expect(typedoc.treatWarningsAsErrors).toBe(true)
  })
})
