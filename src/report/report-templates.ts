// The change reports' templates (eta: `<%= %>` escapes for the format, `<%~ %>` inserts as is,
// `<% %>` is code). Markdown pastes into a ticket; HTML is one self-contained page: inline CSS,
// the chart as inline SVG, no script, no font, no image fetched, and a print stylesheet.
// Kept as strings here rather than files so that the build (tsc) ships them with the code.

const MD_PLAN_BODY = `
**Certificate**

| | |
|---|---|
<% for (const [k, v] of it.plan.certificate) { %>| <%= k %> | <%= v %> |
<% } %>

**Replaces**: <% if (it.plan.replaces.length === 0) { %>nothing served now<% } else { %><%~ it.plan.replaces.map((s) => '\`' + s + '\`').join(', ') %><% } %>

**Coverage**: the plan passed the coverage gate: every endpoint on the inventory's hosts that serves or is configured with a replaced certificate is one of the bindings below or excluded with a reason. <%= it.plan.toChange %> binding(s) to change, <%= it.plan.current %> already current.

<% for (const e of it.plan.environments) { %>
### Environment <%= e.name %>

| policy | |
|---|---|
<% for (const [k, v] of e.policy) { %>| <%= k %> | <%= v %> |
<% } %>

<% for (const h of e.hosts) { %>
#### <%= h.name %> (<%= h.address %>)

| port | kind | SNI | current SHA-256 | current expires | new SHA-256 | new expires | action |
|---|---|---|---|---|---|---|---|
<% for (const b of h.bindings) { %>| <%= b.port %> | <%= b.kind %> | <%= b.sni %> | \`<%= b.current %>\` | <%= b.currentExpires %> | \`<%= b.next %>\` | <%= b.nextExpires %> | <%= b.action %> |
<% } %>
<% if (h.exclusions.length > 0) { %>
Excluded: <% for (const x of h.exclusions) { %>port <%= x.port %> (<%= x.reason %>); <% } %>

<% } %>
<% } %>
<% } %>

**Rollback path**

<% for (const l of it.plan.rollbackPath) { %>- <%= l %>
<% } %>
<% if (it.commands) { %>

**Commands each host will run**
<% for (const e of it.plan.environments) { for (const h of e.hosts) { for (const u of h.units) { %>

<%= e.name %> / <%= h.name %>, ports <%= u.ports %>:

<% for (const c of u.commands) { %>- **<%= c.step %>**<% if (c.note) { %> (<%= c.note %>)<% } %>

\`\`\`\`sh
<%~ c.text %>

\`\`\`\`
<% } %>
<% } } } %>
<% } %>
`;

export const MD_PLAN = `# Change plan: TLS certificate rollout

| | |
|---|---|
| ticket | <%= it.plan.ticket %> |
| planned by | <%= it.plan.operator %> |
| planned at | <%= it.plan.createdAt %> |
| inventory | <%= it.plan.inventory %> |
${MD_PLAN_BODY}
<% if (it.commands) { %>(<%= it.plan.runIdPlaceholder %> stands for the run's id; key material and passwords are never shown.)<% } %>
`;

export const MD_RUN = `# Change record: TLS certificate rollout <%= it.run.id %>

| | |
|---|---|
| outcome | **<%= it.run.verdict %>** |
| ticket | <%= it.run.ticket %> |
| operator | <%= it.run.operator %> |
| started | <%= it.run.started %> |
| finished | <%= it.run.finished %> (<%= it.run.duration %>) |
| bindings | <%= it.run.counts.verified %> verified, <%= it.run.counts.rolledBack %> rolled back, <%= it.run.counts.needsAttention %> need attention, <%= it.run.counts.skipped %> skipped, <%= it.run.counts.notStarted %> not started |
<% for (const e of it.run.environments) { %>| environment <%= e.env %> | <%= e.status ?? 'not finished' %><% if (e.reason) { %>: <%= e.reason %><% } %> |
<% } %>

## Every port

| env | host | endpoint | SNI | outcome | before (SHA-256) | after (SHA-256) | proof |
|---|---|---|---|---|---|---|---|
<% for (const b of it.run.bindings) { %>| <%= b.env %> | <%= b.host %> | <%= b.endpoint %> | <%= b.sni %> | **<%= b.status %>** | \`<%= b.before %>\` | \`<%= b.after %>\` | <%= b.proof %><% if (b.detail) { %>; <%= b.detail %><% } %> |
<% } %>

## Rollbacks

<% if (it.run.rollbacks.length === 0) { %>None.
<% } %><% for (const r of it.run.rollbacks) { %>- <%= r %>
<% } %>
<% if (it.run.laterRollback) { %>- <%= it.run.laterRollback %>
<% } %>

## Sweep

\`\`\`\`text
<%~ it.run.sweep %>

\`\`\`\`

## Timeline

| host | first step | last step | steps |
|---|---|---|---|
<% for (const t of it.run.timeline) { %>| <%= t.host %> | <%= t.first %> | <%= t.last %> | <%= t.steps %> |
<% } %>

<% if (it.run.plan) { const plan = it.run.plan; %>
## The plan this run followed

Planned at <%= plan.createdAt %> by <%= plan.operator %> (ticket <%= plan.ticket %>); inventory <%= plan.inventory %>.
<%~ include('@planBody', { plan, commands: it.commands }) %>
<% } %>
`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2430;margin:24px auto;max-width:1180px;padding:0 16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
h3{font-size:16px;margin-top:20px}h4{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}table.kv{width:auto}table.kv th{width:160px}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}code.fp{word-break:break-all}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow-x:auto;white-space:pre-wrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;color:#fff;background:#57606a}
.verified,.succeeded{background:#1a7f37}.rolled-back,.rolled{background:#bc4c00}.needs-attention,.needs,.failed{background:#cf222e}
.skipped{background:#6e7781}.not-started,.interrupted,.incomplete{background:#8250df}
.chart svg{max-width:100%;height:auto}.muted{color:#57606a}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr,pre,.chart{break-inside:avoid}a{color:inherit}}
`;

const HTML_PLAN_BODY = `
<table class="kv">
<% for (const [k, v] of it.plan.certificate) { %><tr><th><%= k %></th><td><% if (k === 'SHA-256') { %><code class="fp"><%= v %></code><% } else { %><%= v %><% } %></td></tr>
<% } %>
<tr><th>replaces</th><td><% if (it.plan.replaces.length === 0) { %>nothing served now<% } %><% for (const s of it.plan.replaces) { %><code class="fp"><%= s %></code><br><% } %></td></tr>
<tr><th>coverage</th><td>The plan passed the coverage gate: every endpoint on the inventory's hosts that serves or is configured with a replaced certificate is one of the bindings below or excluded with a reason. <%= it.plan.toChange %> binding(s) to change, <%= it.plan.current %> already current.</td></tr>
</table>
<% for (const e of it.plan.environments) { %>
<h3>Environment <%= e.name %></h3>
<table class="kv"><% for (const [k, v] of e.policy) { %><tr><th><%= k %></th><td><%= v %></td></tr><% } %></table>
<% for (const h of e.hosts) { %>
<h4><%= h.name %> <span class="muted">(<%= h.address %>)</span></h4>
<table><tr><th>port</th><th>kind</th><th>SNI</th><th>current SHA-256</th><th>current expires</th><th>new SHA-256</th><th>new expires</th><th>action</th></tr>
<% for (const b of h.bindings) { %><tr class="port"><td><%= b.port %></td><td><%= b.kind %></td><td><%= b.sni %></td><td><code class="fp"><%= b.current %></code></td><td><%= b.currentExpires %></td><td><code class="fp"><%= b.next %></code></td><td><%= b.nextExpires %></td><td><%= b.action %></td></tr>
<% } %></table>
<% if (h.exclusions.length > 0) { %><p>Excluded: <% for (const x of h.exclusions) { %>port <%= x.port %> (<%= x.reason %>); <% } %></p><% } %>
<% } %>
<% } %>
<h3>Rollback path</h3>
<ul><% for (const l of it.plan.rollbackPath) { %><li><%= l %></li><% } %></ul>
<% if (it.commands) { %>
<h3>Commands each host will run</h3>
<% for (const e of it.plan.environments) { for (const h of e.hosts) { for (const u of h.units) { %>
<h4><%= e.name %> / <%= h.name %>, ports <%= u.ports %></h4>
<% for (const c of u.commands) { %><p><b><%= c.step %></b><% if (c.note) { %> <span class="muted">(<%= c.note %>)</span><% } %></p><pre><%= c.text %></pre>
<% } %>
<% } } } %>
<% } %>
`;

const HTML_HEAD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title><%= it.title %></title><style>${CSS}</style></head><body>
`;

export const HTML_PLAN = `${HTML_HEAD}
<h1>Change plan: TLS certificate rollout</h1>
<table class="kv">
<tr><th>ticket</th><td><%= it.plan.ticket %></td></tr>
<tr><th>planned by</th><td><%= it.plan.operator %></td></tr>
<tr><th>planned at</th><td><%= it.plan.createdAt %></td></tr>
<tr><th>inventory</th><td><%= it.plan.inventory %></td></tr>
</table>
<h2>What will change</h2>
${HTML_PLAN_BODY}
<% if (it.commands) { %><p class="muted"><%= it.plan.runIdPlaceholder %> stands for the run's id; key material and passwords are never shown.</p><% } %>
<p class="muted">Made by certroll <%= it.version %> at <%= it.generatedAt %>.</p>
</body></html>
`;

export const HTML_RUN = `${HTML_HEAD}
<h1>Change record: TLS certificate rollout <code><%= it.run.id %></code></h1>
<table class="kv">
<tr><th>outcome</th><td><span class="badge <%= it.run.verdict.split(/[ :]/)[0] %>"><%= it.run.verdict %></span></td></tr>
<tr><th>ticket</th><td><%= it.run.ticket %></td></tr>
<tr><th>operator</th><td><%= it.run.operator %></td></tr>
<tr><th>started</th><td><%= it.run.started %></td></tr>
<tr><th>finished</th><td><%= it.run.finished %> (<%= it.run.duration %>)</td></tr>
<tr><th>bindings</th><td><%= it.run.counts.verified %> verified, <%= it.run.counts.rolledBack %> rolled back, <%= it.run.counts.needsAttention %> need attention, <%= it.run.counts.skipped %> skipped, <%= it.run.counts.notStarted %> not started</td></tr>
<% for (const e of it.run.environments) { %><tr><th>environment <%= e.env %></th><td><%= e.status ?? 'not finished' %><% if (e.reason) { %>: <%= e.reason %><% } %></td></tr><% } %>
</table>
<h2>Every port</h2>
<table><tr><th>env</th><th>host</th><th>endpoint</th><th>SNI</th><th>outcome</th><th>before (SHA-256)</th><th>after (SHA-256)</th><th>proof</th></tr>
<% for (const b of it.run.bindings) { %><tr class="port"><td><%= b.env %></td><td><%= b.host %></td><td><%= b.endpoint %></td><td><%= b.sni %></td><td><span class="badge <%= b.status %>"><%= b.status %></span></td><td><code class="fp"><%= b.before %></code></td><td><code class="fp"><%= b.after %></code></td><td><%= b.proof %><% if (b.detail) { %><br><span class="muted"><%= b.detail %></span><% } %></td></tr>
<% } %></table>
<h2>Rollbacks</h2>
<% if (it.run.rollbacks.length === 0 && !it.run.laterRollback) { %><p>None.</p><% } %>
<ul><% for (const r of it.run.rollbacks) { %><li><%= r %></li><% } %><% if (it.run.laterRollback) { %><li><%= it.run.laterRollback %></li><% } %></ul>
<h2>Sweep</h2>
<pre><%= it.run.sweep %></pre>
<h2>Timeline</h2>
<div class="chart" role="img" aria-label="hosts over time, coloured by step"><%~ it.chart %></div>
<% if (it.run.plan) { const plan = it.run.plan; %>
<h2>The plan this run followed</h2>
<p>Planned at <%= plan.createdAt %> by <%= plan.operator %> (ticket <%= plan.ticket %>); inventory <%= plan.inventory %>.</p>
<%~ include('@htmlPlanBody', { plan, commands: it.commands }) %>
<% } %>
<p class="muted">Made by certroll <%= it.version %> at <%= it.generatedAt %> from the run's journal.</p>
</body></html>
`;

export const PARTIALS = { '@planBody': MD_PLAN_BODY, '@htmlPlanBody': HTML_PLAN_BODY } as const;
