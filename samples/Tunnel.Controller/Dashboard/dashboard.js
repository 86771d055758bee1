// The controller's dashboard: the REST API only, with the administrator's token kept for this tab alone.
'use strict';

const $ = (selector) => document.querySelector(selector);
let session = JSON.parse(sessionStorage.getItem('tunnel-controller') || 'null');

function say(text, kind) {
  const status = $('#status');
  status.textContent = text;
  status.className = kind || '';
}

async function api(method, path, body) {
  const response = await fetch(`/accounts/${encodeURIComponent(session.account)}${path}`, {
    method,
    headers: { 'Authorization': `Bearer ${session.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = await response.json();
  if (!envelope.success) {
    throw new Error(envelope.errors.map((error) => error.message).join('; ') || `${response.status}`);
  }
  return envelope.result;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  row.appendChild(td);
  return td;
}

function describe(entries) {
  return entries.map((entry) => entry.address ?? entry.host).join(', ');
}

async function loadDevices() {
  const devices = await api('GET', '/devices?per_page=1000');
  const body = $('#devices tbody');
  body.replaceChildren();
  for (const device of devices) {
    const row = document.createElement('tr');
    row.dataset.id = device.id;
    cell(row, device.name);
    cell(row, device.user.email);
    cell(row, device.device_type);
    cell(row, device.ip);
    cell(row, device.version);
    cell(row, device.last_seen ? new Date(device.last_seen).toLocaleString() : 'never');
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.textContent = 'Revoke';
    revoke.addEventListener('click', async () => {
      if (!confirm(`Revoke ${device.name} (${device.user.email})? Its tunnel is cut at once.`)) {
        return;
      }
      try {
        await api('DELETE', `/devices/${device.id}`);
        say(`revoked ${device.name}`, 'ok');
        await loadDevices();
      } catch (error) {
        say(`not revoked: ${error.message}`, 'error');
      }
    });
    cell(row, '').appendChild(revoke);
    body.appendChild(row);
  }
}

async function loadProfiles() {
  const profiles = await api('GET', '/devices/policies');
  const body = $('#profiles tbody');
  const select = $('#profile-select');
  const chosen = select.value;
  body.replaceChildren();
  select.replaceChildren();
  for (const profile of profiles) {
    const row = document.createElement('tr');
    cell(row, profile.name + (profile.default ? ' (default)' : ''));
    cell(row, profile.default ? '' : profile.precedence);
    cell(row, profile.match);
    cell(row, profile.service_mode_v2.mode);
    cell(row, describe(profile.include));
    cell(row, describe(profile.exclude));
    body.appendChild(row);
    const option = document.createElement('option');
    option.value = profile.default ? '' : profile.policy_id;
    option.textContent = profile.name;
    select.appendChild(option);
  }
  if ([...select.options].some((option) => option.value === chosen)) {
    select.value = chosen;
  }
  await loadList();
}

function listPath() {
  const profile = $('#profile-select').value;
  return `/devices/policy${profile ? `/${profile}` : ''}/${$('#list-select').value}`;
}

async function loadList() {
  const entries = await api('GET', listPath());
  $('#entries').value = entries.map((entry) => [entry.address ?? entry.host, entry.description].filter(Boolean).join(' ')).join('\n');
}

async function saveList() {
  const entries = $('#entries').value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const [entry, ...words] = line.split(/\s+/);
    const description = words.join(' ');
    const isAddress = /^[0-9.]+(\/\d+)?$/.test(entry) || entry.includes(':');
    return isAddress ? { address: entry, description } : { host: entry, description };
  });
  try {
    const saved = await api('PUT', listPath(), entries);
    say(`saved: ${saved.length} entries`, 'ok');
    await loadProfiles();
  } catch (error) {
    say(`not saved: ${error.message}`, 'error');
  }
}

async function show() {
  try {
    await loadDevices();
    await loadProfiles();
    $('#fleet').hidden = false;
    say(`signed in to ${session.account}`, 'ok');
  } catch (error) {
    $('#fleet').hidden = true;
    say(`cannot read ${session.account}: ${error.message}`, 'error');
  }
}

$('#signin').addEventListener('click', async () => {
  session = { account: $('#account').value.trim(), token: $('#token').value.trim() };
  sessionStorage.setItem('tunnel-controller', JSON.stringify(session));
  await show();
});
$('#refresh').addEventListener('click', () => loadDevices().catch((error) => say(error.message, 'error')));
$('#profile-select').addEventListener('change', () => loadList().catch((error) => say(error.message, 'error')));
$('#list-select').addEventListener('change', () => loadList().catch((error) => say(error.message, 'error')));
$('#save').addEventListener('click', saveList);

if (session) {
  $('#account').value = session.account;
  show();
}
