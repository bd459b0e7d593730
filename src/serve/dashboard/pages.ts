/**
 * The dashboard's pages: one HTML shell per page (navigation, the API-key bar, containers for
 * the job sections and widgets) filled in the browser by assets/dashboard.js from the
 * /v1/dashboard/* JSON routes. The sections and their Vega-Lite specs are the report's own
 * (src/report/*), drawn here with vega-embed served from node_modules — no CDN, no network.
 */
import { escapeHtml } from "../../report/profile-section.ts";

export interface DashboardPage {
  id: string;
  path: string;
  title: string;
  /** Job sections shown on the page, in order (ids of src/serve/dashboard/jobs.ts). */
  jobs: readonly string[];
  /** Interactive parts drawn by dashboard.js (see its `widgets`). */
  widgets: readonly string[];
  /** Draw the widgets above the sections (the activity page's list is what a marketer came for). */
  widgetsFirst?: boolean;
  /** Scripts of the page beyond dashboard.js (the upload page's, src/serve/dashboard/upload.ts). */
  scripts?: readonly string[];
  intro: string;
}

export const PAGES: readonly DashboardPage[] = [
  { id: "overview", path: "/", title: "Overview", jobs: [], widgets: ["overview"], intro: "What the store holds, which jobs have run, and their key figures." },
  { id: "profile", path: "/profile", title: "Data profile", jobs: ["profile"], widgets: [], intro: "The bundled datasets as delivered: types, missing values, distributions and warnings." },
  {
    id: "segments",
    path: "/segments",
    title: "Segments",
    jobs: ["segments", "clv"],
    widgets: ["migrations"],
    intro: "Customer segments, the Insiders, customers moving between segments from run to run, and what customers are worth.",
  },
  { id: "activity", path: "/activity", title: "Activity risk", jobs: ["activity"], widgets: ["risk-list"], widgetsFirst: true, intro: "Customers whose purchase activity is likely to decline, with the reasons, and who is worth an offer." },
  { id: "uplift", path: "/uplift", title: "Uplift", jobs: ["uplift"], widgets: [], intro: "Whom a campaign changes: Qini and uplift curves, customer types and the economics of contacting the top k %." },
  { id: "offers", path: "/offers", title: "Offers", jobs: ["offers", "decisions", "effect"], widgets: ["recent-decisions"], intro: "The discount policy, and the live decisions: holdout vs treated conversion." },
  {
    id: "upload",
    path: "/upload",
    title: "Score a file",
    jobs: [],
    widgets: ["upload"],
    scripts: ["/dashboard/upload/upload.js"],
    intro: "Upload a CSV of customers: every row checked, then scored with the active uplift model — uplift, customer type, decision and the reasons — ready to download.",
  },
];

export const ASSET_PREFIX = "/dashboard/assets";

export function pageHtml(page: DashboardPage): string {
  const nav = PAGES.map(
    (p) => `<a href="${p.path}"${p.id === page.id ? ' aria-current="page" class="current"' : ""}>${escapeHtml(p.title)}</a>`,
  ).join("");
  const sections = page.jobs.map((job) => `<div class="job-slot" data-job="${escapeHtml(job)}"><p class="loading">Loading…</p></div>`).join("\n");
  const widgets = page.widgets.map((w) => `<div class="widget" data-widget="${escapeHtml(w)}"></div>`).join("\n");
  return [
    `<!doctype html>`,
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    // No favicon request (a 404 would be a console error).
    `<link rel="icon" href="data:,">`,
    `<title>${escapeHtml(page.title)} · Patron</title>`,
    `<link rel="stylesheet" href="${ASSET_PREFIX}/patron.css">`,
    `<script src="${ASSET_PREFIX}/vega.min.js" defer></script>`,
    `<script src="${ASSET_PREFIX}/vega-lite.min.js" defer></script>`,
    `<script src="${ASSET_PREFIX}/vega-embed.min.js" defer></script>`,
    `<script src="${ASSET_PREFIX}/dashboard.js" defer></script>`,
    ...(page.scripts ?? []).map((src) => `<script src="${escapeHtml(src)}" defer></script>`),
    `</head><body data-page="${escapeHtml(page.id)}">`,
    `<header class="top dash"><div class="brand">Patron</div><nav class="pages">${nav}</nav>`,
    `<form class="key-bar" id="key-form" hidden><label>API key <input type="password" name="key" autocomplete="off" placeholder="pat_…" required></label>` +
      `<button type="submit">Use key</button><span class="key-message" role="status"></span></form>` +
      `<button type="button" class="key-change" id="key-change" hidden>Change API key</button></header>`,
    `<main class="dash-main"><h1>${escapeHtml(page.title)}</h1><p class="meta">${escapeHtml(page.intro)}</p>`,
    ...(page.widgetsFirst ? [widgets, sections] : [sections, widgets]),
    `</main>`,
    `</body></html>`,
    ``,
  ].join("\n");
}

/** Additions to the report's stylesheet for the dashboard's header, forms and widgets. */
export const DASHBOARD_CSS = `
[hidden]{display:none!important}
.overview>section>h2:first-child{display:none}
header.top.dash{display:flex;flex-wrap:wrap;align-items:center;gap:18px;padding:10px 24px}
.brand{font-weight:700;font-size:18px}
nav.pages{display:flex;gap:4px;flex-wrap:wrap}
nav.pages a{padding:5px 10px;border-radius:5px;color:var(--ink);text-decoration:none}
nav.pages a.current{background:var(--accent);color:#fff}
nav.pages a:hover:not(.current){background:var(--line)}
.key-bar{display:flex;gap:8px;align-items:center;margin-left:auto}
.key-bar input{width:260px}
.key-change{margin-left:auto}
.key-message{color:var(--bad);font-size:12.5px}
.dash-main{padding:10px 24px 40px;max-width:1400px}
.dash-main h1{font-size:22px;margin:10px 0 2px}
.loading{color:var(--muted)}
.widget{margin:16px 0}
.filters{display:flex;flex-wrap:wrap;gap:14px;align-items:end;background:var(--soft);padding:10px 12px;border-radius:6px;margin:8px 0}
.filters label{display:flex;flex-direction:column;font-size:12.5px;color:var(--muted)}
.filters output{font-variant-numeric:tabular-nums;color:var(--ink)}
.count{color:var(--muted);font-size:13px}
button,select,input{font:inherit}
`;
