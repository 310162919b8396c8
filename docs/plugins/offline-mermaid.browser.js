// Copied into the docs site as assets/mermaid-render.js by OfflineMermaid.ts, and loaded after
// assets/mermaid.min.js (which defines the global `mermaid`) on the pages that have diagrams.
//
// Renders each <pre class="mermaid-source"> as an SVG in a <div class="mermaid-diagram"> put
// after it, and hides the <pre>; a diagram Mermaid can't parse keeps its <pre> shown and is
// reported with console.error. The theme follows TypeDoc's (the `data-theme` of <html>: "os",
// "light" or "dark") and the diagrams are drawn again when it changes. When every diagram is
// done, <html> gets data-mermaid="rendered", or "failed" if one failed: docs/checkSite.ts waits
// for it.
//
// Rendering waits until the page is shown: TypeDoc hides <body> until its navigation has loaded,
// and Mermaid measures text, which it can't do in a hidden page.
"use strict"
;(() => {
  const blocks = Array.from(document.querySelectorAll("pre.mermaid-source"))
  if (blocks.length === 0) return
  if (typeof mermaid === "undefined") {
    console.error("Mermaid did not load (assets/mermaid.min.js): the diagrams stay as text")
    document.documentElement.dataset.mermaid = "failed"
    return
  }
  const sources = blocks.map((pre) => pre.textContent || "")
  const darkQuery = window.matchMedia("(prefers-color-scheme: dark)")
  const mermaidTheme = () => {
    const theme = document.documentElement.dataset.theme
    return theme === "dark" || (theme !== "light" && darkQuery.matches) ? "dark" : "default"
  }

  let drawn = "" // the Mermaid theme the diagrams are drawn in, or being drawn in
  let generation = 0 // bumped by each drawing, so a drawing overtaken by a theme change stops
  const draw = async () => {
    const theme = mermaidTheme()
    if (theme === drawn) return
    drawn = theme
    const current = ++generation
    mermaid.initialize({ startOnLoad: false, theme, securityLevel: "strict", suppressErrorRendering: true })
    let failed = false
    for (const [index, pre] of blocks.entries()) {
      try {
        const { svg, bindFunctions } = await mermaid.render(`mermaid-diagram-${current}-${index + 1}`, sources[index])
        if (current !== generation) return
        let out = pre.nextElementSibling
        if (!out || !out.classList.contains("mermaid-diagram")) {
          out = document.createElement("div")
          out.className = "mermaid-diagram"
          pre.after(out)
        }
        out.innerHTML = svg
        if (bindFunctions) bindFunctions(out)
        pre.hidden = true
      } catch (error) {
        if (current !== generation) return
        failed = true
        pre.hidden = false
        console.error(`Mermaid could not draw diagram ${index + 1} of this page:`, error)
      }
    }
    document.documentElement.dataset.mermaid = failed ? "failed" : "rendered"
  }

  const shown = () => document.body.style.display !== "none"
  const redraw = () =>
    draw().catch((error) => {
      console.error("Mermaid failed:", error)
      document.documentElement.dataset.mermaid = "failed"
    })
  const start = () => {
    redraw()
    new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] })
    darkQuery.addEventListener("change", redraw)
  }
  if (shown()) start()
  else {
    const observer = new MutationObserver(() => {
      if (!shown()) return
      observer.disconnect()
      start()
    })
    observer.observe(document.body, { attributes: true, attributeFilter: ["style"] })
  }
})()
