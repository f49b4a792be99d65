/* global document, window, fetch, setTimeout */
// The chat emulator's page script (src/dev/emulator.ts): polls /dev/api/state, draws the chat of
// the selected simulated user as LINE would (bubbles, quick-reply chips, Flex bubbles, stickers),
// and turns every tap or text into a POST to /dev/api/events, which signs it and delivers it to
// the service's /webhook. No framework, no build step.
'use strict';

const boot = JSON.parse(document.getElementById('boot').textContent);
const state = { after: 0, chat: [], panel: [], users: boot.users, userId: boot.users[0].id, onlyRejected: false };

const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
};

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.message || `エラー ${res.status}`);
  return json;
}

function send(event) {
  return post('/dev/api/events', { userId: state.userId, ...event }).then(poll, (error) => showError(error.message));
}

function showError(message) {
  const box = $('clock-message');
  box.textContent = message;
  box.className = 'message error';
}

/** What tapping an action does, as in the LINE app. */
function runAction(action) {
  if (!action) return;
  if (action.type === 'postback') return send({ type: 'postback', data: action.data, displayText: action.displayText || action.text });
  if (action.type === 'message') return send({ type: 'text', text: action.text });
  if (action.type === 'uri') {
    if (/^tel:/i.test(action.uri)) return send({ type: 'call', uri: action.uri });
    window.open(action.uri, '_blank', 'noopener');
    return;
  }
  showError(`「${action.type}」アクションはエミュレーターでは使えません。`);
}

// ---------------------------------------------------------------------------------------------
// Flex messages: boxes, texts, buttons, separators, fillers, images (as placeholders: the page's
// CSP loads nothing from elsewhere), spans; actions on any component.
// ---------------------------------------------------------------------------------------------

const sizes = { xxs: 10, xs: 11, sm: 13, md: 15, lg: 17, xl: 19, xxl: 22, '3xl': 26, '4xl': 30, '5xl': 36 };

function flexComponent(c) {
  let node;
  switch (c.type) {
    case 'box': {
      node = el('div', `fx-box fx-${c.layout}`);
      if (c.spacing) node.classList.add(`fx-spacing-${c.spacing}`);
      if (c.backgroundColor) node.style.backgroundColor = c.backgroundColor;
      for (const child of c.contents || []) node.append(flexComponent(child));
      break;
    }
    case 'text': {
      node = el('div', 'fx-text', c.text);
      if (Array.isArray(c.contents) && c.contents.length) {
        node.textContent = '';
        for (const span of c.contents) {
          const s = el('span', '', span.text);
          if (span.weight === 'bold') s.style.fontWeight = '700';
          if (span.color) s.style.color = span.color;
          node.append(s);
        }
      }
      if (c.weight === 'bold') node.classList.add('fx-bold');
      if (c.wrap) node.classList.add('fx-wrap');
      if (c.color) node.style.color = c.color;
      if (c.size && sizes[c.size]) node.style.fontSize = `${sizes[c.size]}px`;
      if (c.align) node.style.textAlign = c.align;
      break;
    }
    case 'button': {
      node = el('button', `fx-button fx-${c.style || 'link'}`, c.action && c.action.label);
      node.type = 'button';
      if (c.color) node.style[c.style === 'link' || !c.style ? 'color' : 'backgroundColor'] = c.color;
      // A link's address on hover (LINE shows only the label; a developer wants to see where it goes).
      if (c.action && c.action.type === 'uri') node.title = c.action.uri;
      node.addEventListener('click', () => runAction(c.action));
      break;
    }
    case 'separator':
      node = el('hr', 'fx-separator');
      break;
    case 'filler':
    case 'spacer':
      node = el('div', 'fx-filler');
      break;
    case 'image':
    case 'icon':
    case 'video':
      node = el('div', 'fx-image', '［画像］');
      break;
    default:
      node = el('div', 'fx-unknown', `［${c.type}］`);
  }
  if (typeof c.flex === 'number') node.style.flex = String(c.flex);
  if (c.margin && node.classList) node.classList.add(`fx-margin-${c.margin}`);
  if (c.action && c.type !== 'button') {
    node.classList.add('fx-tappable');
    node.addEventListener('click', () => runAction(c.action));
  }
  return node;
}

function flexBubble(bubble) {
  const node = el('div', 'fx-bubble');
  for (const part of ['header', 'hero', 'body', 'footer']) {
    if (!bubble[part]) continue;
    const section = el('div', `fx-${part}`);
    section.append(flexComponent(bubble[part]));
    node.append(section);
  }
  if (bubble.action) {
    node.classList.add('fx-tappable');
    node.addEventListener('click', () => runAction(bubble.action));
  }
  return node;
}

function flexMessage(message) {
  const contents = message.contents || {};
  if (contents.type === 'carousel') {
    const row = el('div', 'fx-carousel');
    for (const bubble of contents.contents || []) row.append(flexBubble(bubble));
    return row;
  }
  return flexBubble(contents);
}

/** A template message (buttons, confirm) drawn like LINE's card. */
function templateMessage(message) {
  const t = message.template || {};
  const card = el('div', 'fx-bubble');
  const body = el('div', 'fx-body');
  if (t.title) body.append(el('div', 'fx-text fx-bold fx-wrap', t.title));
  body.append(el('div', 'fx-text fx-wrap', t.text || message.altText));
  card.append(body);
  const footer = el('div', 'fx-footer');
  for (const action of t.actions || []) {
    const b = el('button', 'fx-button fx-link', action.label);
    b.type = 'button';
    b.addEventListener('click', () => runAction(action));
    footer.append(b);
  }
  card.append(footer);
  return card;
}

function messageNode(message) {
  switch (message.type) {
    case 'text':
    case 'textV2':
      return el('div', 'bubble text', message.text);
    case 'flex':
      return flexMessage(message);
    case 'template':
      return templateMessage(message);
    case 'sticker':
      return el('div', 'sticker-shown', message.label || 'スタンプ');
    case 'image':
      return el('div', 'bubble image', '［画像］');
    default:
      return el('div', 'bubble text', `［${message.type}］`);
  }
}

const timeOf = (iso) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });
const dateOf = (iso) => new Date(iso).toLocaleDateString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'long', day: 'numeric', weekday: 'short' });

function renderChat() {
  const list = $('messages');
  const mine = state.chat.filter((e) => e.userId === state.userId);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.textContent = '';
  let lastDate = '';
  for (const entry of mine) {
    const day = dateOf(entry.at);
    if (day !== lastDate) {
      list.append(el('li', 'day', day));
      lastDate = day;
    }
    if (entry.from === 'note') {
      list.append(el('li', 'note', entry.message));
      continue;
    }
    const item = el('li', `entry ${entry.from}`);
    item.dataset.from = entry.from;
    if (entry.from === 'bot') item.append(el('div', 'avatar', 'HW'));
    item.append(messageNode(entry.message));
    item.append(el('time', 'time', timeOf(entry.at)));
    if (entry.via && entry.via !== 'reply') item.title = entry.via === 'push' ? 'プッシュメッセージ' : 'マルチキャスト';
    list.append(item);
  }
  if (atBottom || mine.length !== state.lastShown) list.scrollTop = list.scrollHeight;
  state.lastShown = mine.length;

  // Quick replies: those of the bot's last message, until the user sends anything.
  const chips = $('quick-replies');
  chips.textContent = '';
  const last = mine.filter((e) => e.from !== 'note').at(-1);
  const items = last && last.from === 'bot' && last.message.quickReply ? last.message.quickReply.items : [];
  for (const item of items) {
    const chip = el('button', 'chip', item.action.label);
    chip.type = 'button';
    chip.addEventListener('click', () => runAction(item.action));
    chips.append(chip);
  }

  const user = state.users.find((u) => u.id === state.userId);
  $('follow').textContent = user && user.followed === false ? 'ブロック解除' : '友だち追加';
  $('unfollow').disabled = !user || user.followed !== true;
}

function renderPanel() {
  const list = $('panel');
  list.textContent = '';
  const entries = state.panel
    .filter((e) => !state.onlyRejected || e.rejected)
    .slice(-200)
    .reverse();
  for (const entry of entries) {
    const item = el('li', `panel-entry ${entry.kind}${entry.rejected ? ' rejected' : ''}`);
    const details = el('details');
    const summary = el('summary');
    summary.append(el('span', 'status', entry.status || '—'), ' ', el('span', 'title', entry.title), ' ', el('time', '', timeOf(entry.at)));
    details.append(summary);
    if (entry.error) details.append(el('p', 'error', entry.error));
    if (entry.request !== undefined) details.append(el('pre', '', JSON.stringify(entry.request, null, 2)));
    if (entry.response !== undefined) details.append(el('pre', 'response', JSON.stringify(entry.response, null, 2)));
    if (entry.rejected) details.open = true;
    item.append(details);
    list.append(item);
  }
}

let polling = false;
async function poll() {
  if (polling) return;
  polling = true;
  try {
    const res = await fetch(`/dev/api/state?after=${state.after}`);
    const data = await res.json();
    state.after = data.seq;
    // Redraw the chat only when something in it changed: rebuilding it every second would
    // drop a person's text selection and pull buttons from under a tap.
    const usersChanged = JSON.stringify(data.users) !== JSON.stringify(state.users);
    state.users = data.users;
    state.chat.push(...data.chat);
    state.panel.push(...data.panel);
    $('clock-now').textContent = data.clock.text;
    $('clock-now').dataset.iso = data.clock.now;
    if (!$('clock-to').value) $('clock-to').value = `${data.clock.date}T${data.clock.time}`;
    $('rejected-count').textContent = String(data.rejected);
    $('rejected-count').parentElement.classList.toggle('bad', data.rejected > 0);
    syncUsers();
    if (data.chat.length || usersChanged) renderChat();
    if (data.panel.length) renderPanel();
  } catch {
    // The service restarted or is stopping: try again at the next tick.
  } finally {
    polling = false;
  }
}

function syncUsers() {
  const select = $('user');
  if (select.options.length === state.users.length) return;
  select.textContent = '';
  for (const user of state.users) {
    const option = el('option', '', user.name);
    option.value = user.id;
    select.append(option);
  }
  select.value = state.userId;
}

function tick() {
  poll().finally(() => setTimeout(tick, 1000));
}

$('user').addEventListener('change', (e) => {
  state.userId = e.target.value;
  state.lastShown = -1;
  renderChat();
});
$('add-user').addEventListener('click', () => {
  const name = window.prompt('追加する利用者の表示名');
  if (name)
    post('/dev/api/users', { name }).then(
      (user) => {
        state.userId = user.id;
        return poll();
      },
      (error) => showError(error.message),
    );
});
$('follow').addEventListener('click', () => send({ type: 'follow' }));
$('unfollow').addEventListener('click', () => send({ type: 'unfollow' }));
$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  send({ type: 'text', text });
});
$('toggle-stickers').addEventListener('click', () => {
  $('stickers').hidden = !$('stickers').hidden;
});
for (const button of document.querySelectorAll('#stickers .sticker')) {
  button.addEventListener('click', () => send({ type: 'sticker', index: Number(button.dataset.index) }));
}
$('send-image').addEventListener('click', () => send({ type: 'image' }));
for (const button of document.querySelectorAll('#rich-menu .menu-item')) {
  button.addEventListener('click', () => runAction(boot.menu[Number(button.dataset.index)].action));
}
$('toggle-menu').addEventListener('click', () => {
  const menu = $('rich-menu');
  menu.hidden = !menu.hidden;
  $('toggle-menu').setAttribute('aria-expanded', String(!menu.hidden));
  $('toggle-menu').textContent = menu.hidden ? 'メニュー ▴' : 'メニュー ▾';
});

function moveClock(body) {
  const box = $('clock-message');
  return post('/dev/api/clock', body).then(
    (res) => {
      box.textContent = `時計を進めました: ${new Date(res.now).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' })}`;
      box.className = 'message ok';
      $('clock-to').value = '';
      return poll();
    },
    (error) => showError(error.message),
  );
}
for (const button of document.querySelectorAll('.time-buttons button')) {
  button.addEventListener('click', () => moveClock({ minutes: Number(button.dataset.minutes) }));
}
$('clock-form').addEventListener('submit', (e) => {
  e.preventDefault();
  moveClock({ to: $('clock-to').value });
});
$('only-rejected').addEventListener('change', (e) => {
  state.onlyRejected = e.target.checked;
  renderPanel();
});

renderChat();
tick();
