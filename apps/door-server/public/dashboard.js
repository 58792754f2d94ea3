// Live door dashboard: one WebSocket to /ws, each message is the whole state
// ({ type: 'state', door, since, online, offlineSince, serverTime }), so the page
// never has to replay history. Reconnects with capped, jittered backoff.
// While disconnected nothing shown is live: the state is greyed and labelled
// "last known" with its age, the counter stops, and the sensor is "unknown".
// A server with DOOR_CLIENT_TOKEN wants the token: open the page as /?token=...;
// it is passed on to /ws. A refusal (close code 4401) is shown and not retried.
'use strict'

const WS_UNAUTHORIZED = 4401
const token = new URLSearchParams(location.search).get('token')

const $ = (id) => document.getElementById(id)
let state = null
let clockOffset = 0 // serverTime - our clock, so "open for N s" is right even if the clocks differ
let reconnects = 0
let delay = 250
let everConnected = false
let live = false // connected and holding a state received on this connection
let lostAt = null // our clock when the connection was lost: the last moment `state` was known true

function fmtTime (ms) {
  return new Date(ms).toLocaleTimeString()
}

function doorWord (door) {
  return door === 'open' ? 'open' : 'closed'
}

function render () {
  const door = $('door')
  if (state === null || state.door === null) {
    door.textContent = 'unknown'
    door.className = 'unknown'
    $('since').textContent = '–'
  } else {
    door.textContent = doorWord(state.door)
    door.className = live ? state.door : state.door + ' stale'
    $('since').textContent = fmtTime(state.since)
  }
  if (state !== null) {
    const sensor = $('sensor')
    if (!live) {
      sensor.textContent = 'unknown'
      sensor.className = 'stale'
    } else {
      sensor.textContent = state.online ? 'online' : 'offline since ' + fmtTime(state.offlineSince)
      sensor.className = state.online ? '' : 'bad'
    }
  }
  tick()
}

function tick () {
  const openFor = $('open-for')
  // Disconnected: the counter stops where it was when we last knew the door was open.
  const now = live || lostAt === null ? Date.now() : lostAt
  if (state !== null && state.door === 'open') {
    const seconds = Math.max(0, Math.floor((now + clockOffset - state.since) / 1000))
    openFor.textContent = 'open for ' + seconds + ' s'
  } else {
    openFor.textContent = ''
  }
  openFor.className = live ? '' : 'stale'
  const lastKnown = $('last-known')
  if (!live && lostAt !== null && state !== null && state.door !== null) {
    const age = Math.max(0, Math.floor((Date.now() - lostAt) / 1000))
    lastKnown.textContent = 'last known: ' + doorWord(state.door) + ', ' + age + ' s ago'
  } else {
    lastKnown.textContent = ''
  }
}

function setConnection (text, bad) {
  const el = $('connection')
  el.textContent = text
  el.className = bad ? 'bad' : ''
}

function connect () {
  // The page's own scheme: an https page may only open wss://, and the server speaks TLS on both anyway.
  const query = token === null ? '' : '?token=' + encodeURIComponent(token)
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + query)
  ws.onopen = () => {
    if (everConnected) reconnects++
    everConnected = true
    delay = 250
    $('reconnects').textContent = String(reconnects)
    setConnection('connected', false)
  }
  ws.onmessage = (message) => {
    let data
    try { data = JSON.parse(message.data) } catch { return }
    if (data === null || data.type !== 'state') return
    state = data
    live = true
    lostAt = null
    clockOffset = data.serverTime - Date.now()
    render()
  }
  ws.onclose = (event) => {
    if (live) lostAt = Date.now() // only the first close of an outage: retries do not make it younger
    live = false
    if (event.code === WS_UNAUTHORIZED) {
      // The same token would be refused again: say what to do instead of retrying.
      setConnection(token === null ? 'refused: this server needs a token, open the page as /?token=…' : 'refused: wrong token', true)
      render()
      return
    }
    setConnection('disconnected, retrying…', true)
    render()
    const wait = Math.round(delay * (0.5 + Math.random() / 2))
    delay = Math.min(delay * 2, 5000)
    setTimeout(connect, wait)
  }
  // onerror is always followed by onclose, which does the retrying.
  ws.onerror = () => {}
}

setInterval(tick, 250)
render()
connect()
