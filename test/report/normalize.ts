/**
 * Normalises report HTML for golden comparisons: numbers with more than two decimals are
 * rounded to two (SVG coordinates and statistics may differ in the last float bits between
 * machines), and run-specific text (generation times, temp paths) is masked.
 */
export function normalizeHtml(html: string): string {
  return html
    .replace(/-?\d+\.\d{3,}/g, (n) => {
      const rounded = Number(n).toFixed(2);
      return rounded === "-0.00" ? "0.00" : rounded;
    })
    .replace(/Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/g, "Generated <time>")
    .replace(/\/tmp\/[^\s"<]+/g, "<tmp>");
}
