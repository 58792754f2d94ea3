// Live door dashboard: one WebSocket to /ws, each message is the whole state
// ({ type: 'state', door, since, online, offlineSince, serverTime }), so the page
// never has to replay history. Reconnects with capped, jittered backoff.
'use strict'

const $ = (id) => document.getElementById(id)
let state = null
let clockOffset = 0 // serverTime - our clock, so "open for N s" is right even if the clocks differ
let reconnects = 0
let delay = 250
let everConnected = false

function fmtTime (ms) {
  return new Date(ms).toLocaleTimeString()
}

function render () {
  const door = $('door')
  if (state === null || state.door === null) {
    door.textContent = 'unknown'
    door.className = 'unknown'
    $('since').textContent = '–'
  } else {
    door.textContent = state.door === 'open' ? 'open' : 'closed'
    door.className = state.door
    $('since').textContent = fmtTime(state.since)
  }
  if (state !== null) {
    const sensor = $('sensor')
    sensor.textContent = state.online ? 'online' : 'offline since ' + fmtTime(state.offlineSince)
    sensor.className = state.online ? '' : 'bad'
  }
  tick()
}

function tick () {
  const openFor = $('open-for')
  if (state !== null && state.door === 'open') {
    const seconds = Math.max(0, Math.floor((Date.now() + clockOffset - state.since) / 1000))
    openFor.textContent = 'open for ' + seconds + ' s'
  } else {
    openFor.textContent = ''
  }
}

function setConnection (text, bad) {
  const el = $('connection')
  el.textContent = text
  el.className = bad ? 'bad' : ''
}

function connect () {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws')
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
    clockOffset = data.serverTime - Date.now()
    render()
  }
  ws.onclose = () => {
    setConnection('disconnected, retrying…', true)
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
