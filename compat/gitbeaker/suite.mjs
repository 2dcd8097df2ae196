// Runs the unmodified @gitbeaker/rest client against a running `cairn serve`
// loaded with the demo team, and prints on stdout one JSON object with what
// the client returned. compat/gitbeaker_test.go starts the server, runs this
// script and asserts on that object; the script itself only checks what
// must hold for it to go on (an issue to edit, a milestone to use).
//
// Environment:
//   CAIRN_URL       base URL of the server (required), e.g. http://127.0.0.1:8080
//   CAIRN_TOKEN     API token with the api scope (required)
//   CAIRN_PROJECT   project to work in (default code-creation/duo-chat)
//   CAIRN_GROUP     group to list (default code-creation)
//   CAIRN_ASSIGNEE  username to assign the new issue to (default aiko)
//   CAIRN_PER_PAGE  page size of the paginated lists (default 5)
//
// Exit status: 0 when every call succeeded, 1 on any error (printed on
// stderr with the request and the server's answer), 2 on bad settings.
import { Gitlab, GitbeakerRequestError } from '@gitbeaker/rest';

function setting(name, fallback) {
  const v = process.env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback === undefined) {
    process.stderr.write(`suite.mjs: ${name} is not set\n`);
    process.exit(2);
  }
  return fallback;
}

const host = setting('CAIRN_URL').replace(/\/+$/, '');
const token = setting('CAIRN_TOKEN');
const projectPath = setting('CAIRN_PROJECT', 'code-creation/duo-chat');
const groupPath = setting('CAIRN_GROUP', 'code-creation');
const assigneeName = setting('CAIRN_ASSIGNEE', 'aiko');
const perPage = Number(setting('CAIRN_PER_PAGE', '5'));
if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
  process.stderr.write(`suite.mjs: CAIRN_PER_PAGE must be an integer from 1 to 100, got ${process.env.CAIRN_PER_PAGE}\n`);
  process.exit(2);
}

// Every request gitbeaker sends goes through the global fetch; recording
// them (without changing them) lets the report say how many pages a list
// took, which gitbeaker itself does not expose.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const req = input instanceof Request ? input : new Request(input, init);
  const url = new URL(req.url);
  const res = await realFetch(input, init);
  requests.push({ method: req.method, path: url.pathname, query: url.search, status: res.status });
  return res;
};

function requestsTo(method, path) {
  return requests.filter((r) => r.method === method && r.path === path);
}

const api = new Gitlab({ host, token, queryTimeout: 30000 });

// gitbeaker parses a body only when its Content-Type is application/json and
// hands back a Blob otherwise; catch that here with a clear message rather
// than report an object with every field missing.
function parsed(value, what) {
  if (value === null || typeof value !== 'object' || value instanceof Blob) {
    const kind = value instanceof Blob ? `a Blob of type "${value.type}"` : JSON.stringify(value);
    throw new Error(`${what}: gitbeaker did not get a JSON body (got ${kind})`);
  }
  return value;
}

const labelNames = (labels) => (labels || []).map((l) => (typeof l === 'string' ? l : l.name));

function issueSummary(issue) {
  parsed(issue, 'issue');
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: issue.project_id,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    labels: labelNames(issue.labels),
    weight: issue.weight ?? null,
    milestone: issue.milestone ? { id: issue.milestone.id, title: issue.milestone.title } : null,
    assignees: (issue.assignees || []).map((u) => u.username),
    assignee: issue.assignee ? issue.assignee.username : null,
    author: issue.author ? issue.author.username : null,
    created_at: issue.created_at ?? null,
    closed_at: issue.closed_at ?? null,
    closed_by: issue.closed_by ? issue.closed_by.username : null,
    type: issue.type ?? null,
    issue_type: issue.issue_type ?? null,
    web_url: issue.web_url ?? null,
    user_notes_count: issue.user_notes_count ?? null,
    references: issue.references ?? null,
  };
}

// listAll lists every issue of a project or group with small pages and no
// page limit, so that gitbeaker follows Link rel="next" to the end.
async function listAll(scope) {
  const path = scope.projectId
    ? `/api/v4/projects/${encodeURIComponent(scope.projectId)}/issues`
    : `/api/v4/groups/${encodeURIComponent(scope.groupId)}/issues`;
  const before = requestsTo('GET', path).length;
  const { data, paginationInfo } = await api.Issues.all({ ...scope, perPage, showExpanded: true });
  if (!Array.isArray(data)) parsed(data, `issues of ${path}`);
  const pageRequests = requestsTo('GET', path).slice(before);
  const ids = data.map((i) => i.id);
  // The same list in one go (the largest page), to compare sets.
  const big = await api.Issues.all({ ...scope, perPage: 100 });
  return {
    count: data.length,
    unique: new Set(ids).size,
    ids,
    pagination: paginationInfo,
    page_requests: pageRequests.length,
    pages_requested: pageRequests.map((r) => new URLSearchParams(r.query).get('page') || '1'),
    per_page_100: { count: big.length, ids: big.map((i) => i.id) },
  };
}

async function main() {
  const out = {};

  const me = parsed(await api.Users.showCurrentUser(), 'current user');
  out.current_user = { id: me.id, username: me.username, name: me.name, state: me.state };

  const project = parsed(await api.Projects.show(projectPath), 'project');
  out.project = { id: project.id, path_with_namespace: project.path_with_namespace };

  out.project_issues = await listAll({ projectId: projectPath });
  out.group_issues = await listAll({ groupId: groupPath });

  // Filters must survive gitbeaker following Link rel="next" (it re-sends
  // the query parameters of the link); arrays go as iids[]=.
  const filterPath = `/api/v4/groups/${encodeURIComponent(groupPath)}/issues`;
  const beforeFiltered = requestsTo('GET', filterPath).length;
  const filtered = await api.Issues.all({ groupId: groupPath, state: 'closed', labels: 'Deliverable', perPage, showExpanded: true });
  out.filtered_issues = {
    count: filtered.data.length,
    unique: new Set(filtered.data.map((i) => i.id)).size,
    total: filtered.paginationInfo.total,
    page_requests: requestsTo('GET', filterPath).length - beforeFiltered,
    mismatched: filtered.data
      .filter((i) => i.state !== 'closed' || !labelNames(i.labels).includes('Deliverable'))
      .map((i) => i.references?.full ?? i.id),
  };
  const byIIDs = await api.Issues.all({ projectId: projectPath, iids: [1, 2, 3] });
  out.issues_by_iids = byIIDs.map((i) => i.iid).sort((a, b) => a - b);

  const labels = await api.ProjectLabels.all(projectPath);
  out.project_labels = { count: labels.length, names: labels.map((l) => l.name) };

  const own = await api.ProjectMilestones.all(projectPath);
  const withGroup = await api.ProjectMilestones.all(projectPath, { includeParentMilestones: true });
  const groupMilestones = await api.GroupMilestones.all(groupPath);
  const active = withGroup
    .filter((m) => m.state === 'active')
    .sort((a, b) => (a.due_date || '').localeCompare(b.due_date || ''));
  if (active.length === 0) throw new Error(`no active milestone visible in ${projectPath}`);
  const milestone = active[active.length - 1];
  out.project_milestones = {
    own_count: own.length,
    with_ancestors: withGroup.map((m) => ({ id: m.id, title: m.title, state: m.state, group_id: m.group_id ?? null })),
    group_titles: groupMilestones.map((m) => m.title),
    picked: { id: milestone.id, title: milestone.title },
  };

  const users = await api.Users.all({ username: assigneeName });
  if (users.length !== 1) throw new Error(`Users.all({username: ${assigneeName}}) returned ${users.length} users`);
  const assignee = users[0];
  out.assignee = { id: assignee.id, username: assignee.username };

  // Create, then edit labels, comment, run quick actions and close.
  const title = `gitbeaker compat ${new Date().toISOString()}`;
  const created = await api.Issues.create(projectPath, title, {
    // Cairn lets an issue into workflow::ready for development only with
    // these sections filled in and a weight (its refinement gate).
    description: [
      '## Context', '', 'Created by compat/gitbeaker/suite.mjs.', '',
      '## Proposal', '', 'Exercise the GitLab API with the Node client.', '',
      '## Acceptance Criteria', '', '- [ ] gitbeaker reads back what it wrote', '',
    ].join('\n'),
    labels: 'type::bug,workflow::refinement,gitbeaker-compat',
    milestoneId: milestone.id,
    weight: 3,
    assigneeIds: [assignee.id],
  });
  out.created = issueSummary(created);
  const iid = created.iid;

  const edited = await api.Issues.edit(projectPath, iid, {
    addLabels: 'workflow::ready for development,code-creation-priority::high',
    removeLabels: 'type::bug',
  });
  out.edited = issueSummary(edited);

  const plain = await api.IssueNotes.create(projectPath, iid, 'A plain comment from gitbeaker.', { showExpanded: true });
  out.note_plain = {
    status: plain.status,
    id: parsed(plain.data, 'plain note').id,
    body: plain.data.body,
    system: plain.data.system,
    noteable_iid: plain.data.noteable_iid,
    noteable_type: plain.data.noteable_type,
    author: plain.data.author ? plain.data.author.username : null,
  };

  const commands = await api.IssueNotes.create(projectPath, iid, '/weight 5\n/label ~"workflow::in dev"', { showExpanded: true });
  parsed(commands.data, 'quick-action note');
  out.note_commands = { status: commands.status, body: commands.data };

  const mixed = await api.IssueNotes.create(projectPath, iid, 'Picking this up.\n/unlabel ~gitbeaker-compat', { showExpanded: true });
  parsed(mixed.data, 'note with text and a quick action');
  out.note_mixed = { status: mixed.status, id: mixed.data.id, body: mixed.data.body };

  const closed = await api.Issues.edit(projectPath, iid, { stateEvent: 'close' });
  out.closed = issueSummary(closed);

  out.shown = issueSummary(await api.Issues.show(iid, { projectId: projectPath }));

  const detailed = await api.Issues.all({ projectId: projectPath, iids: [iid], withLabelsDetails: true });
  out.labels_details = detailed.flatMap((i) => i.labels.map((l) => (typeof l === 'string' ? { name: l } : { name: l.name, color: l.color, text_color: l.text_color })));

  const notes = await api.IssueNotes.all(projectPath, iid, { sort: 'asc', perPage });
  out.notes = notes.map((n) => ({ id: n.id, body: n.body, system: n.system, author: n.author ? n.author.username : null }));

  const events = await api.IssueLabelEvents.all(projectPath, iid);
  out.label_events = events.map((e) => ({
    action: e.action,
    label: e.label ? e.label.name : null,
    resource_type: e.resource_type,
    resource_id: e.resource_id,
    user: e.user ? e.user.username : null,
  }));

  // A missing issue must come back as GitLab's 404, which gitbeaker turns
  // into a GitbeakerRequestError carrying the message.
  try {
    await api.Issues.show(999999, { projectId: projectPath });
    out.not_found = { thrown: false };
  } catch (err) {
    if (!(err instanceof GitbeakerRequestError)) throw err;
    out.not_found = { thrown: true, status: err.cause?.response?.status ?? null, description: err.cause?.description ?? null };
  }

  out.requests = requests.length;
  out.failed_requests = requests.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path}${r.query} -> ${r.status}`);
  return out;
}

try {
  const out = await main();
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (err) {
  const lines = [`suite.mjs: ${err?.name || 'Error'}: ${err?.message}`];
  const cause = err?.cause;
  if (cause?.request) lines.push(`  request: ${cause.request.method} ${cause.request.url}`);
  if (cause?.response) {
    lines.push(`  status: ${cause.response.status}`);
    lines.push(`  content-type: ${cause.response.headers.get('content-type')}`);
  }
  if (cause?.description !== undefined) lines.push(`  response body: ${cause.description}`);
  else if (cause) lines.push(`  cause: ${cause.stack || cause}`);
  if (err?.stack) lines.push(err.stack);
  const last = requests.at(-1);
  if (last) lines.push(`  last request: ${last.method} ${last.path}${last.query} -> ${last.status}`);
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(1);
}
