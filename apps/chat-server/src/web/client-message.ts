import type { ChatRequest } from '../core/events.js'

/** A decoded WebSocket frame: a request for the room, or why it was refused. */
export type DecodedRequest = { ok: true, request: ChatRequest } | { ok: false, text: string }

function str (value: unknown): value is string {
  return typeof value === 'string'
}

/**
 * Validates one client frame before it reaches the room. Never throws: bad
 * input from one browser becomes an error event for that browser only.
 */
export function decodeClientMessage (data: string): DecodedRequest {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return { ok: false, text: 'bad JSON: send one JSON object per message, e.g. {"type":"message","text":"hello"}' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, text: 'expected a JSON object with a "type" field' }
  }
  const m = value as Record<string, unknown>
  switch (m.type) {
    case 'message':
      return str(m.text) ? { ok: true, request: { type: 'message', text: m.text } } : { ok: false, text: 'a message needs a string "text"' }
    case 'action':
      return str(m.text) ? { ok: true, request: { type: 'action', text: m.text } } : { ok: false, text: 'an action needs a string "text"' }
    case 'nick':
      return str(m.nick) ? { ok: true, request: { type: 'nick', nick: m.nick } } : { ok: false, text: 'a nick request needs a string "nick"' }
    case 'who':
      return { ok: true, request: { type: 'who' } }
    case 'msg':
      return str(m.to) && str(m.text) ? { ok: true, request: { type: 'msg', to: m.to, text: m.text } } : { ok: false, text: 'a msg needs string "to" and "text"' }
    case 'quit':
      return { ok: true, request: str(m.text) ? { type: 'quit', text: m.text } : { type: 'quit' } }
    case 'help':
      return { ok: true, request: { type: 'help' } }
    default:
      return { ok: false, text: `unknown type ${JSON.stringify(String(m.type)).slice(0, 40)}; known: message, action, nick, who, msg, quit, help` }
  }
}
