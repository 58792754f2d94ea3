import { commandForType, REQUEST_TYPES } from '../core/commands.js'
import type { ChatRequest } from '../core/events.js'

/** A decoded WebSocket frame: a request for the room, or why it was refused. */
export type DecodedRequest = { ok: true, request: ChatRequest } | { ok: false, text: string }

/**
 * A short, safe description of an untrusted value for an error message. Never
 * String() or a template literal: `{"toString":1}` makes both throw, and a
 * throw here once escaped the socket callback and stopped the process.
 */
export function describeValue (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32))
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  // Numbers and booleans as JSON.parse made them: formatting them cannot throw.
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  return `a value of type ${typeof value}`
}

/** An own string field, or undefined: nothing is read from a prototype, nothing is converted. */
function ownString (m: object, key: string): string | undefined {
  if (!Object.hasOwn(m, key)) return undefined
  const value: unknown = (m as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : undefined
}

/** An own whole-number field: undefined when absent, NaN when it is anything but a safe integer. */
function ownInteger (m: object, key: string): number | undefined {
  if (!Object.hasOwn(m, key)) return undefined
  const value: unknown = (m as Record<string, unknown>)[key]
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : Number.NaN
}

const UNKNOWN_TYPE = `; known: ${REQUEST_TYPES.join(', ')}`

/**
 * Validates one client frame before it reaches the room: JSON, an object, a
 * `type` the command table knows, and that row's fields as own strings (a
 * who `page`: an own whole number). Never
 * throws: bad input from one browser becomes an error event for that browser only.
 */
export function decodeClientMessage (data: string): DecodedRequest {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return { ok: false, text: 'bad JSON: send one JSON object per message, e.g. {"type":"message","text":"hello"}' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, 'type')) {
    return { ok: false, text: 'expected a JSON object with a "type" field' }
  }
  const type: unknown = (value as Record<string, unknown>).type
  const command = typeof type === 'string' ? commandForType(type) : undefined
  if (command === undefined) return { ok: false, text: `unknown type ${describeValue(type)}${UNKNOWN_TYPE}` }
  const request = command.fromJson((key) => ownString(value, key), (key) => ownInteger(value, key))
  return typeof request === 'string' ? { ok: false, text: request } : { ok: true, request }
}
