// eventwire chat page: plain JavaScript, no build step. Speaks the JSON
// protocol documented in the chat-server README over /ws on this same host.
'use strict'

const $ = (id) => document.getElementById(id)
const messages = $('messages')
const statusEl = $('status')
const whoEl = $('who')
const nickInput = $('nick')

let ws = null
// This connection's member id (welcome.id): events whose fromId is this one are our own lines.
let myId = null
let myNick = null
let attempt = 0
let reconnectTimer = null
// Set when the server already said why it is closing, so the close reason isn't shown twice.
let told = false
const online = new Set()
// The room's size when the server says it (a paged who, a presence digest): past one
// /who page, `online` holds only the names seen, not everyone.
let roomSize = null
// The nickname the user chose; re-applied after a reconnect.
let wantedNick = localStorage.getItem('eventwire-nick') || ''
// Recovery: the room log's epoch and the last seq seen. A reconnect sends both
// (/ws?since=SEQ&epoch=EPOCH) and gets exactly what it missed, or a RESET notice.
let epoch = null
let lastSeq = 0
// CHAT_TOKEN: a page opened as /?token=… hands the token on to /ws.
const token = new URLSearchParams(location.search).get('token')

function setStatus (state, text) {
  statusEl.className = 'status ' + state
  statusEl.textContent = text
}

function time (ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

// Everything goes through textContent: a message can never become markup.
function addLine (kind, parts, ts) {
  const li = document.createElement('li')
  li.className = kind
  if (ts) li.title = new Date(ts).toLocaleString()
  for (const [cls, text] of parts) {
    const span = document.createElement('span')
    if (cls) span.className = cls
    span.textContent = text
    li.appendChild(span)
  }
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40
  messages.appendChild(li)
  // Bound the DOM like the server bounds its queues.
  while (messages.childElementCount > 500) messages.firstElementChild.remove()
  if (atBottom) messages.scrollTop = messages.scrollHeight
}

function renderMessage (m, extra) {
  const cls = (extra || '') + (m.fromId === myId ? ' self' : '')
  if (m.type === 'action') addLine('action' + cls, [[null, `* ${m.from} ${m.text}`]], m.ts)
  else addLine('message' + cls, [[null, time(m.ts) + ' '], ['from', m.from], [null, ': ' + m.text]], m.ts)
}

function renderWho () {
  whoEl.textContent = ''
  for (const nick of [...online].sort((a, b) => a.localeCompare(b))) {
    const li = document.createElement('li')
    li.textContent = nick
    if (nick === myNick) li.className = 'me'
    whoEl.appendChild(li)
  }
  const more = roomSize !== null && roomSize > online.size ? roomSize - online.size : 0
  if (more > 0) {
    const li = document.createElement('li')
    li.className = 'more'
    li.textContent = `… and ${more.toLocaleString('en-US')} more`
    whoEl.appendChild(li)
  }
  $('online-count').textContent = (roomSize ?? online.size).toLocaleString('en-US')
}

// A digest of joins and leaves (a big room): the names it lists update the list, the count is the room's.
function renderPresence (e) {
  for (const n of e.leftNicks) online.delete(n)
  // Bounded like the message list: a busy big room would add ten names a second for ever.
  for (const n of e.joinedNicks) if (online.size < 1000) online.add(n)
  roomSize = e.online
  renderWho()
  const names = (list) => list.length ? ` (${list.join(', ')})` : ''
  const parts = []
  if (e.joined) parts.push(`+${e.joined.toLocaleString('en-US')} joined${names(e.joinedNicks)}`)
  if (e.left) parts.push(`${e.left.toLocaleString('en-US')} left${names(e.leftNicks)}`)
  addLine('notice presence', [[null, `${parts.join(', ')} — ${e.online.toLocaleString('en-US')} here`]], e.ts)
}

function send (obj) {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(obj))
    return true
  }
  return false
}

function onEvent (e) {
  if (typeof e.seq === 'number' && e.type !== 'welcome' && e.seq > lastSeq) lastSeq = e.seq
  switch (e.type) {
    case 'welcome':
      epoch = e.epoch
      lastSeq = e.seq
      myId = e.id
      myNick = e.nick
      roomSize = null
      addLine('notice', [[null, e.text]])
      if (wantedNick && wantedNick !== myNick) send({ type: 'nick', nick: wantedNick })
      send({ type: 'who' })
      break
    case 'history':
      if (e.messages.length) addLine('notice history', [[null, `last ${e.messages.length} messages:`]])
      for (const m of e.messages) {
        renderMessage(m, 'history')
        if (m.seq > lastSeq) lastSeq = m.seq
      }
      break
    case 'message':
    case 'action':
      renderMessage(e)
      break
    case 'private':
      addLine('private', [[null, time(e.ts) + ' '], ['from', e.from === myNick ? `to ${e.to}` : `from ${e.from}`], [null, ' (private): ' + e.text]], e.ts)
      break
    case 'join':
      online.add(e.nick)
      if (roomSize !== null) roomSize++
      renderWho()
      addLine('notice', [[null, `${e.nick} joined`]], e.ts)
      break
    case 'leave':
      online.delete(e.nick)
      if (roomSize !== null) roomSize--
      renderWho()
      addLine('notice', [[null, `${e.nick} left (${e.reason})`]], e.ts)
      break
    case 'nick':
      online.delete(e.from); online.add(e.to)
      if (e.fromId === myId) {
        myNick = e.to
        nickInput.value = e.to
      }
      renderWho()
      addLine('notice', [[null, `${e.from} is now known as ${e.to}`]], e.ts)
      break
    case 'who':
      online.clear()
      for (const n of e.nicks) online.add(n)
      // Paged (a big room): the first page is listed, the count is everyone.
      roomSize = typeof e.total === 'number' ? e.total : null
      renderWho()
      break
    case 'presence':
      renderPresence(e)
      break
    case 'error':
      addLine('error', [[null, e.text]])
      if (e.code === 'NICK_TAKEN' || e.code === 'BAD_NICK') wantedNick = myNick
      break
    case 'system':
      // The log was replaced: what is on screen is from another history; the history follows.
      if (e.code === 'RESET') {
        messages.textContent = ''
        epoch = e.epoch
        lastSeq = 0
      }
      if (/^disconnected: |shutting down/.test(e.text)) told = true
      for (const line of e.text.split('\n')) addLine('notice', [[null, line]])
      break
  }
}

// /ws's query: where a reconnect resumes (?since=SEQ&epoch=EPOCH), and the token, when there are any.
function wsQuery () {
  const params = new URLSearchParams()
  if (epoch) {
    params.set('since', String(lastSeq))
    params.set('epoch', epoch)
  }
  if (token) params.set('token', token)
  const query = params.toString()
  return query ? '?' + query : ''
}

// A browser never shows a page why its WebSocket was refused: a plain GET of /ws with the
// same query answers 401 when the token is missing or wrong (426 otherwise).
async function refusedForToken () {
  try {
    return (await fetch(`/ws${token ? '?token=' + encodeURIComponent(token) : ''}`, { cache: 'no-store' })).status === 401
  } catch {
    return false
  }
}

function retry () {
  // Exponential backoff with jitter, capped, so a restarting server is not stampeded.
  const delay = Math.min(10000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)
  attempt++
  setStatus('disconnected', `disconnected; retrying in ${Math.round(delay / 1000)} s`)
  reconnectTimer = setTimeout(connect, delay)
}

function connect () {
  clearTimeout(reconnectTimer)
  setStatus('connecting', attempt ? `reconnecting (attempt ${attempt})…` : 'connecting…')
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  let opened = false
  ws = new WebSocket(`${scheme}//${location.host}/ws${wsQuery()}`)
  ws.onopen = () => {
    opened = true
    attempt = 0
    told = false
    setStatus('connected', 'connected')
  }
  ws.onmessage = (msg) => {
    let event
    try { event = JSON.parse(msg.data) } catch { return }
    onEvent(event)
  }
  ws.onclose = (ev) => {
    ws = null
    online.clear(); roomSize = null; renderWho()
    if (ev.reason && !told) addLine('notice', [[null, `disconnected: ${ev.reason}`]])
    if (opened) return retry()
    // Refused before it opened: retrying is pointless when the token is what is wrong.
    refusedForToken().then((unauthorized) => {
      if (!unauthorized) return retry()
      setStatus('disconnected', 'access token required or wrong')
      addLine('error auth', [[null, 'access token required or wrong — open the page as /?token=…']])
    })
  }
}

$('send-form').addEventListener('submit', (ev) => {
  ev.preventDefault()
  const input = $('message')
  const text = input.value.trim()
  if (!text) return
  // Commands too go as typed: the server parses them. Our own line appears when the
  // server sends it back (the echo), so a line it refused never looks sent.
  if (!send({ type: 'message', text })) {
    addLine('error', [[null, 'not connected; message not sent']])
    return
  }
  input.value = ''
})

$('nick-form').addEventListener('submit', (ev) => {
  ev.preventDefault()
  const nick = nickInput.value.trim()
  if (!nick) return
  wantedNick = nick
  localStorage.setItem('eventwire-nick', nick)
  send({ type: 'nick', nick })
})

connect()
