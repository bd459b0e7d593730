/**
 * The one stylesheet of the HTML report, inlined into it (the file must read with no network),
 * and served to the dashboard as /dashboard/assets/patron.css so both look alike. System fonts
 * only; prints on A4 without cut charts.
 */
export const REPORT_CSS = `
:root{--ink:#1d2330;--muted:#5b6475;--line:#dde1e8;--accent:#2f5d9e;--bg:#fff;--soft:#f5f7fa;--bad:#b3261e;--ok:#1e7b34}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{padding:18px 28px 10px;border-bottom:1px solid var(--line);background:var(--soft)}
header.top h1{margin:0 0 4px;font-size:22px}
.meta{color:var(--muted);margin:2px 0}
.layout{display:flex;align-items:flex-start}
nav.toc{position:sticky;top:0;flex:0 0 230px;max-height:100vh;overflow:auto;padding:16px 12px 16px 28px;font-size:13px;border-right:1px solid var(--line)}
nav.toc h2{font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0 0 8px}
nav.toc ol{list-style:none;margin:0;padding:0}
nav.toc ol ol{padding-left:12px;margin:2px 0 6px}
nav.toc a{color:var(--ink);text-decoration:none}
nav.toc a:hover{color:var(--accent);text-decoration:underline}
nav.toc .not-run>a{color:var(--muted)}
main{flex:1;min-width:0;padding:8px 28px 40px}
article.job{border-bottom:1px solid var(--line);padding:8px 0 20px}
article.job>h2,article.job h2{font-size:20px;margin:18px 0 6px}
h3{font-size:16px;margin:18px 0 6px}
.run-facts{color:var(--muted);font-size:13px;margin:0 0 10px}
.not-run-note{background:var(--soft);border-left:4px solid var(--muted);padding:8px 12px}
.job-error{background:#fdecea;border-left:4px solid var(--bad);padding:8px 12px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;background:var(--soft);padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{padding:3px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px}
.figure{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:150px;background:#fff}
.figure-value{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.figure-label{color:var(--muted);font-size:12.5px}
.figure-note{color:var(--muted);font-size:11.5px}
.charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
.chart{max-width:100%;overflow-x:auto}
.chart svg{max-width:100%;height:auto}
.chart-error{color:var(--bad)}
.status-done{color:var(--ok);font-weight:600}
.status-not-run{color:var(--muted)}
.status-failed{color:var(--bad);font-weight:600}
ul.warnings li{margin:2px 0}
footer.versions{color:var(--muted);font-size:12px;padding:12px 28px 24px}
@media print{nav.toc{display:none}.chart{break-inside:avoid}article.job{break-before:page}}
`;
