// mcp-admin's admin page: an operator console over /api/v1. Plain JavaScript, no build step, nothing
// loaded from elsewhere. Every value from the server is put in the page with textContent or DOM
// properties, never as HTML: organization and user names come from Clerk webhooks and are
// attacker-controlled. A pasted credential lives in this tab's sessionStorage only; a sign-in with
// Clerk lives in an HttpOnly cookie this script never sees (it sends the session's CSRF token with
// every change instead).
'use strict';

(() => {
  const STORAGE_KEY = 'mcp-admin.credential';
  const PAGE_SIZE = 20;
  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers: text only ---------------------------------------------------------------------

  // el('button', { type: 'button', onclick }, 'text', child…): properties are set as properties
  // (never innerHTML); string children become text nodes.
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name in node) node[name] = value;
      else node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // A value as text: objects as JSON, null as an em dash.
  function show(value) {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  // A service's tool policy in one line: "default", or its allow / deny globs and whether MCP
  // method headers are required.
  function policySummary(policy) {
    if (!policy) return 'default';
    const parts = [];
    if (policy.allow?.length) parts.push(`allow ${policy.allow.join(' ')}`);
    if (policy.deny?.length) parts.push(`deny ${policy.deny.join(' ')}`);
    if (policy.require_method_headers) parts.push('Mcp-Method required');
    return parts.length ? parts.join('; ') : 'default';
  }

  // ---- messages ----------------------------------------------------------------------------------

  function showError(error) {
    const box = $('error');
    box.replaceChildren();
    if (error && error.problem) {
      const { title, detail, status } = error.problem;
      box.append(el('strong', {}, `${title ?? 'Error'} (${status ?? error.status})`), detail ? `: ${detail}` : '');
      const fields = Array.isArray(error.problem.errors) ? error.problem.errors : [];
      if (fields.length) box.append(el('ul', {}, fields.map((f) => el('li', {}, `${show(f.field)}: ${show(f.detail)}`))));
    } else {
      box.append(el('strong', {}, 'Error'), `: ${error && error.message ? error.message : String(error)}`);
    }
    box.hidden = false;
  }

  function clearMessages() {
    $('error').hidden = true;
    $('error').replaceChildren();
    $('notice').hidden = true;
    $('notice').replaceChildren();
  }

  function notify(text) {
    $('notice').replaceChildren(text);
    $('notice').hidden = false;
  }

  // ---- the API -----------------------------------------------------------------------------------

  class ApiProblem extends Error {
    constructor(status, problem) {
      super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
      this.status = status;
      this.problem = problem || { title: `HTTP ${status}`, status };
    }
  }

  const credential = () => sessionStorage.getItem(STORAGE_KEY);
  let clerkSession = null;  // GET /auth/session while signed in with Clerk (the cookie is HttpOnly)

  // Calls the API with the signed-in credential, or the Clerk session's cookie when there is no
  // credential; resolves to the JSON body (null for 204); rejects with ApiProblem carrying the
  // problem JSON's title and detail.
  async function api(method, path, body, token = credential()) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const viaCookie = !token && clerkSession !== null;
    if (viaCookie && method !== 'GET') headers['X-CSRF-Token'] = clerkSession.csrf_token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: viaCookie ? 'same-origin' : 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    });
    const text = await response.text();
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { json = null; }
    }
    if (!response.ok) {
      if (response.status === 401 && token === credential()) markSignedOutSoon();
      throw new ApiProblem(response.status, json && typeof json === 'object' ? json : null);
    }
    return json;
  }

  // Runs an action; any error is shown, never swallowed. Returns the action's result or undefined.
  async function attempt(action) {
    try {
      return await action();
    } catch (error) {
      showError(error);
      return undefined;
    }
  }

  // ---- health and identity -----------------------------------------------------------------------

  async function loadHealth() {
    const badge = $('health');
    try {
      const response = await fetch('/api/health', { cache: 'no-store', credentials: 'omit' });
      const health = await response.json();
      const db = health.database || {};
      badge.textContent = `${health.status === 'ok' ? 'healthy' : 'unhealthy'} · ${show(db.backend)} · ` +
        `${show(health.environment)} · v${show(health.version)}`;
      badge.className = `badge ${health.status === 'ok' ? 'ok' : 'bad'}`;
    } catch (error) {
      badge.textContent = `health unknown: ${error.message}`;
      badge.className = 'badge bad';
    }
  }

  let me = null;  // GET /api/v1/me of the signed-in credential

  function describe(identity) {
    const who = identity.actor_type === 'user' ? `user ${show(identity.clerk_user_id)}` : 'API key';
    if (identity.platform_admin) return `Platform admin (${who})`;
    if (identity.organization) {
      return `${show(identity.organization.name)} (${show(identity.organization.clerk_id)}) · ${show(identity.role)} · ${who}`;
    }
    return `${who}, no active organization`;
  }

  async function signIn(token) {
    clearMessages();
    let identity;
    try {
      identity = await api('GET', '/api/v1/me', undefined, token);
    } catch (error) {
      sessionStorage.removeItem(STORAGE_KEY);
      renderSignedOut();
      showError(error);
      return false;
    }
    sessionStorage.setItem(STORAGE_KEY, token);
    me = identity;
    $('who').textContent = describe(identity);
    $('who').hidden = false;
    $('sign-out').hidden = false;
    $('sign-in').hidden = true;
    $('credential').value = '';
    $('console').hidden = false;
    await openView('organizations');
    return true;
  }

  // Signed in with Clerk (GET /auth/session said so): the same console, through the cookie, with
  // an organization switcher when the user is in several organizations.
  async function signInWithClerk(session) {
    clerkSession = session;
    let identity;
    try {
      identity = await api('GET', '/api/v1/me');
    } catch (error) {
      clerkSession = null;
      renderSignedOut();
      showError(error);
      return false;
    }
    me = identity;
    const email = session.user && session.user.email ? `${session.user.email} · ` : '';
    $('who').textContent = `${email}${describe(identity)}`;
    $('who').hidden = false;
    $('sign-out').hidden = false;
    $('sign-in').hidden = true;
    const switcher = $('organization-switcher');
    switcher.replaceChildren(...session.organizations.map((organization) => el('option', {
      value: organization.id, selected: session.organization && session.organization.id === organization.id,
    }, `${organization.name} (${organization.role})`)));
    switcher.hidden = session.organizations.length < 2;
    $('console').hidden = false;
    await openView('organizations');
    return true;
  }

  async function switchOrganization() {
    const chosen = $('organization-switcher').value;
    clearMessages();
    const session = await attempt(() => api('POST', '/auth/organization', { organization_id: chosen }));
    if (session) await signInWithClerk(session);
  }

  // GET /auth/session through the cookie (never cached).
  async function clerkSessionState() {
    const response = await fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) return null;
    return response.json();
  }

  function renderSignedOut() {
    me = null;
    clerkSession = null;
    $('who').hidden = true;
    $('who').textContent = '';
    $('organization-switcher').hidden = true;
    $('organization-switcher').replaceChildren();
    $('sign-out').hidden = true;
    $('console').hidden = true;
    $('view').replaceChildren();
    $('sign-in').hidden = false;
  }

  async function signOut() {
    clearMessages();
    if (clerkSession && !credential()) {
      if (await attempt(() => api('POST', '/auth/sign-out')) === undefined) return;
      renderSignedOut();
      notify('Signed out of Clerk\'s session on this page.');
      return;
    }
    sessionStorage.removeItem(STORAGE_KEY);
    renderSignedOut();
    notify('Signed out: the credential is forgotten.');
    $('credential').focus();
  }

  // A 401 on the signed-in credential (revoked, expired): forget it once the error is shown.
  function markSignedOutSoon() {
    sessionStorage.removeItem(STORAGE_KEY);
    renderSignedOut();
  }

  // ---- lists with cursor paging ------------------------------------------------------------------

  // A table of `path`'s pages: columns [{ title, value(row) → text | Node }]; a "More" button while
  // next_cursor is set. Returns { element, reload }.
  function pagedTable(path, columns, { label, empty = 'Nothing yet.' } = {}) {
    const body = el('tbody');
    const more = el('button', { type: 'button', className: 'more', hidden: true }, 'More');
    const status = el('p', { className: 'muted' });
    const table = el('table', { className: 'paged', dataset: { list: label ?? path } },
      el('thead', {}, el('tr', {}, columns.map((column) => el('th', { scope: 'col' }, column.title)))), body);
    let cursor = null;

    async function load(reset) {
      if (reset) {
        cursor = null;
        body.replaceChildren();
      }
      const separator = path.includes('?') ? '&' : '?';
      const url = `${path}${separator}limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      more.disabled = true;
      const page = await attempt(() => api('GET', url));
      more.disabled = false;
      if (!page) return;
      for (const row of page.data) {
        body.append(el('tr', { dataset: { id: row.id } }, columns.map((column) => {
          const value = column.value(row);
          return el('td', { className: column.mono ? 'mono' : '' }, value instanceof Node ? value : show(value));
        })));
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = body.children.length ? `${body.children.length} shown${cursor ? ', more available' : ''}` : empty;
    }
    more.addEventListener('click', () => load(false));
    return { element: el('div', {}, table, status, more), reload: () => load(true) };
  }

  const when = (row, field) => (row[field] ? row[field].replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

  // ---- views -------------------------------------------------------------------------------------

  const views = {
    organizations: organizationsView,
    users: usersView,
    servers: serversView,
    audit: auditView,
  };

  async function openView(name, ...args) {
    for (const button of document.querySelectorAll('nav button')) {
      if (button.dataset.view === name) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    const view = $('view');
    view.replaceChildren();
    await views[name](view, ...args);
  }

  async function organizationsView(view) {
    view.append(el('h2', {}, 'Organizations'));
    const list = pagedTable('/api/v1/organizations', [
      { title: 'Name', value: (row) => el('button', { type: 'button', className: 'open-org', onclick: () => openView('organization', row) }, show(row.name)) },
      { title: 'Clerk id', value: (row) => row.clerk_id, mono: true },
      { title: 'Slug', value: (row) => row.slug },
      { title: 'Created', value: (row) => when(row, 'created_at') },
    ], { label: 'organizations', empty: 'No organizations yet: they arrive from Clerk webhooks.' });
    view.append(list.element);
    await list.reload();
  }

  views.organization = async function organizationView(view, organization) {
    const base = `/api/v1/organizations/${encodeURIComponent(organization.id)}`;
    view.append(
      el('p', {}, el('button', { type: 'button', onclick: () => openView('organizations') }, '← Organizations')),
      el('h2', { className: 'org-title' }, show(organization.name)),
      el('p', { className: 'muted' }, `${show(organization.clerk_id)} · id ${show(organization.id)} · slug ${show(organization.slug)}`));

    view.append(el('h3', {}, 'Members'));
    const members = pagedTable(`${base}/members`, [
      { title: 'User', value: (row) => (row.user ? show(row.user.email ?? row.user.clerk_id) : row.user_id) },
      { title: 'Role', value: (row) => row.role },
      { title: 'Since', value: (row) => when(row, 'created_at') },
    ], { label: 'members', empty: 'No members.' });
    view.append(members.element);

    view.append(el('h3', {}, 'Services'));
    const services = pagedTable(`${base}/services`, [
      { title: 'MCP server', value: (row) => row.mcp_server.slug, mono: true },
      { title: 'State', value: (row) => (row.enabled ? 'enabled' : 'disabled') },
      { title: 'Config', value: (row) => row.config, mono: true },
      { title: 'Tool policy', value: (row) => policySummary(row.tool_policy), mono: true },
      {
        title: 'Action',
        value: (row) => (row.enabled
          ? el('button', { type: 'button', className: 'danger', onclick: () => setService(row.mcp_server.slug, false) }, `Disable ${row.mcp_server.slug}`)
          : el('button', { type: 'button', onclick: () => setService(row.mcp_server.slug, true) }, `Enable ${row.mcp_server.slug}`)),
      },
    ], { label: 'services', empty: 'No services: enable an MCP server below.' });
    const serverInput = el('input', { id: 'enable-server', name: 'server', required: true, placeholder: 'slug', spellcheck: false });
    const configInput = el('input', { id: 'enable-config', name: 'config', placeholder: '{"optional":"config"}', spellcheck: false });
    const policyInput = el('input', {
      id: 'enable-tool-policy', name: 'tool_policy', placeholder: '{"allow":["search_*"],"deny":["delete_*"]}', spellcheck: false,
    });
    async function setService(slug, enabled, config, toolPolicy) {
      clearMessages();
      const path = `${base}/services/${encodeURIComponent(slug)}`;
      const done = await attempt(async () => {
        const body = {};
        if (config !== undefined) body.config = config;
        if (toolPolicy !== undefined) body.tool_policy = toolPolicy;
        if (enabled) await api('PUT', path, body);
        else await api('DELETE', path);
        return true;
      });
      if (done) {
        notify(`${slug} ${enabled ? 'enabled' : 'disabled'} for ${organization.name}.`);
        await services.reload();
      }
    }
    view.append(services.element, el('form', {
      id: 'enable-service-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const parsed = {};
        for (const [name, input] of [['config', configInput], ['tool_policy', policyInput]]) {
          if (!input.value.trim()) continue;
          try {
            parsed[name] = JSON.parse(input.value);
          } catch (error) {
            showError(new Error(`${name} is not JSON: ${error.message}`));
            return;
          }
        }
        await setService(serverInput.value.trim(), true, parsed.config, parsed.tool_policy);
      },
    }, el('label', { htmlFor: 'enable-server' }, 'Enable MCP server'), serverInput,
    el('label', { htmlFor: 'enable-config' }, 'config'), configInput,
    el('label', { htmlFor: 'enable-tool-policy' }, 'tool policy'), policyInput, el('button', { type: 'submit' }, 'Enable')));

    view.append(el('h3', {}, 'API keys'));
    const keys = pagedTable(`${base}/api-keys`, [
      { title: 'Name', value: (row) => row.name },
      { title: 'Prefix', value: (row) => row.prefix, mono: true },
      { title: 'Role', value: (row) => row.role },
      { title: 'Status', value: (row) => (row.revoked_at ? 'revoked' : row.expires_at && Date.parse(row.expires_at) <= Date.now() ? 'expired' : 'active') },
      { title: 'Expires', value: (row) => when(row, 'expires_at') },
      { title: 'Last used', value: (row) => when(row, 'last_used_at') },
      { title: 'Action', value: (row) => (row.revoked_at ? '' : revokeControl(row)) },
    ], { label: 'api-keys', empty: 'No API keys.' });
    function revokeControl(key) {
      const cell = el('span');
      const ask = el('button', {
        type: 'button', className: 'danger revoke',
        onclick: () => {
          const confirm = el('button', {
            type: 'button', className: 'danger confirm-revoke',
            onclick: async () => {
              clearMessages();
              const done = await attempt(async () => {
                await api('DELETE', `${base}/api-keys/${encodeURIComponent(key.id)}`);
                return true;
              });
              if (done) {
                notify(`API key ${key.prefix} (${key.name}) revoked.`);
                await keys.reload();
              }
            },
          }, `Confirm: revoke ${key.prefix}`);
          const cancel = el('button', { type: 'button', onclick: () => cell.replaceChildren(ask) }, 'Cancel');
          cell.replaceChildren(confirm, ' ', cancel);
          confirm.focus();
        },
      }, 'Revoke…');
      cell.append(ask);
      return cell;
    }
    const keyName = el('input', { id: 'key-name', name: 'name', required: true, maxLength: 256 });
    const keyRole = el('select', { id: 'key-role', name: 'role' }, ['MEMBER', 'VIEWER', 'ADMIN'].map((role) => el('option', { value: role }, role)));
    const keyExpiry = el('input', { id: 'key-expires', name: 'expires_in', placeholder: 'e.g. 90d (empty: never)', pattern: '[0-9]+[smhd]' });
    const created = el('div', { id: 'created-key' });
    view.append(keys.element, el('form', {
      id: 'create-key-form',
      onsubmit: async (event) => {
        event.preventDefault();
        clearMessages();
        created.replaceChildren();
        const body = { name: keyName.value, role: keyRole.value };
        if (keyExpiry.value.trim()) body.expires_in = keyExpiry.value.trim();
        const key = await attempt(() => api('POST', `${base}/api-keys`, body));
        if (!key) return;
        keyName.value = '';
        const secret = el('code', { className: 'secret', id: 'new-key-secret' }, key.key);
        const copy = el('button', {
          type: 'button', id: 'copy-key',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(key.key);
              copy.textContent = 'Copied';
            } catch {
              const range = document.createRange();
              range.selectNodeContents(secret);
              getSelection().removeAllRanges();
              getSelection().addRange(range);
              copy.textContent = 'Selected: press Ctrl+C';
            }
          },
        }, 'Copy');
        created.append(el('div', { className: 'secret-box' },
          el('p', {}, `New ${key.role} key “${key.name}” (${key.prefix}). It is shown only now: copy it.`),
          secret, ' ', copy));
        copy.focus();
        await keys.reload();
      },
    }, el('label', { htmlFor: 'key-name' }, 'New key name'), keyName, el('label', { htmlFor: 'key-role' }, 'role'), keyRole,
    el('label', { htmlFor: 'key-expires' }, 'expires in'), keyExpiry, el('button', { type: 'submit' }, 'Create API key')), created);

    await Promise.all([members.reload(), services.reload(), keys.reload()]);
  };

  async function usersView(view) {
    view.append(el('h2', {}, 'Users'));
    const list = pagedTable('/api/v1/users', [
      { title: 'Email', value: (row) => row.email },
      { title: 'Name', value: (row) => [row.first_name, row.last_name].filter(Boolean).join(' ') || null },
      { title: 'Clerk id', value: (row) => row.clerk_id, mono: true },
      { title: 'Deleted', value: (row) => (row.deleted_at ? when(row, 'deleted_at') : '') },
      { title: 'Created', value: (row) => when(row, 'created_at') },
    ], { label: 'users', empty: 'No users yet: they arrive from Clerk webhooks.' });
    view.append(list.element);
    await list.reload();
  }

  async function serversView(view) {
    view.append(el('h2', {}, 'MCP servers'));
    const list = pagedTable('/api/v1/mcp-servers', [
      { title: 'Slug', value: (row) => row.slug, mono: true },
      { title: 'Name', value: (row) => row.name },
      { title: 'Transport', value: (row) => row.transport },
      { title: 'URL', value: (row) => row.url, mono: true },
      { title: 'Active', value: (row) => (row.is_active ? 'yes' : 'no') },
    ], { label: 'mcp-servers' });
    view.append(list.element);
    if (me && me.platform_admin) {
      const slug = el('input', { id: 'server-slug', name: 'slug', required: true, pattern: '[a-z0-9-]{1,64}', spellcheck: false });
      const name = el('input', { id: 'server-name', name: 'name', required: true });
      const transport = el('select', { id: 'server-transport', name: 'transport' },
        ['streamable-http', 'sse', 'stdio'].map((value) => el('option', { value }, value)));
      const url = el('input', { id: 'server-url', name: 'url', type: 'url', placeholder: 'https://…' });
      view.append(el('h3', {}, 'Register an MCP server'), el('form', {
        id: 'create-server-form',
        onsubmit: async (event) => {
          event.preventDefault();
          clearMessages();
          const body = { slug: slug.value, name: name.value, transport: transport.value };
          if (url.value) body.url = url.value;
          const server = await attempt(() => api('POST', '/api/v1/mcp-servers', body));
          if (!server) return;
          notify(`MCP server ${server.slug} registered.`);
          slug.value = '';
          name.value = '';
          url.value = '';
          await list.reload();
        },
      }, el('label', { htmlFor: 'server-slug' }, 'slug'), slug, el('label', { htmlFor: 'server-name' }, 'name'), name,
      el('label', { htmlFor: 'server-transport' }, 'transport'), transport, el('label', { htmlFor: 'server-url' }, 'url'), url,
      el('button', { type: 'submit' }, 'Register')));
    }
    await list.reload();
  }

  async function auditView(view, filters = {}) {
    view.append(el('h2', {}, 'Audit logs'));
    const organization = el('input', { id: 'audit-organization', name: 'organization_id', value: filters.organization_id ?? '', placeholder: 'id or org_…', spellcheck: false });
    const action = el('input', { id: 'audit-action', name: 'action', value: filters.action ?? '', placeholder: 'e.g. api_key.created', spellcheck: false });
    view.append(el('form', {
      id: 'audit-filter-form',
      onsubmit: (event) => {
        event.preventDefault();
        clearMessages();
        openView('audit', { organization_id: organization.value.trim(), action: action.value.trim() });
      },
    }, el('label', { htmlFor: 'audit-organization' }, 'organization'), organization,
    el('label', { htmlFor: 'audit-action' }, 'action'), action, el('button', { type: 'submit' }, 'Filter')));
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    const list = pagedTable(`/api/v1/audit-logs${query.size ? `?${query}` : ''}`, [
      { title: 'When', value: (row) => when(row, 'created_at') },
      { title: 'Action', value: (row) => row.action, mono: true },
      { title: 'Actor', value: (row) => `${show(row.actor_type)} ${show(row.actor_id)}` },
      { title: 'Target', value: (row) => `${show(row.target_type)} ${show(row.target_id)}` },
      { title: 'Organization', value: (row) => row.organization_id, mono: true },
    ], { label: 'audit-logs', empty: 'No audit rows match.' });
    view.append(list.element);
    await list.reload();
  }

  // ---- start -------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', async () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('credential').value.trim();
      if (token) signIn(token);
    });
    $('sign-out').addEventListener('click', signOut);
    $('organization-switcher').addEventListener('change', switchOrganization);
    for (const button of document.querySelectorAll('nav button')) {
      button.addEventListener('click', () => {
        clearMessages();
        openView(button.dataset.view);
      });
    }
    loadHealth();

    // `mcp-admin studio` opens /#key=…: the fragment never reaches a server. Take the key, drop it
    // from the address bar and the history entry, and sign in with it.
    let token = null;
    if (location.hash.startsWith('#key=')) {
      token = decodeURIComponent(location.hash.slice('#key='.length));
      history.replaceState(null, '', location.pathname + location.search);
    }
    token = token || credential();
    const session = token ? null : await clerkSessionState().catch(() => null);
    $('clerk-sign-in').hidden = !(session && session.enabled);
    if (token) await signIn(token);
    else if (session && session.signed_in) await signInWithClerk(session);
    else $('credential').focus();
    document.body.dataset.ready = 'true';
  });
})();
