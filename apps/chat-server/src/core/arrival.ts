import type { AppLogger } from '@eventwire/protocol'
import { SystemCodes, type MessageEvent, type RoomEvent, type ServerEvent } from './events.js'
import type { Member } from './member.js'
import type { MemberTask } from './member-queue.js'
import type { Recovery, RoomBus } from './room-bus.js'

/** What the welcome of a member needs from the room. */
export interface ArrivalPort {
  bus: RoomBus
  log: AppLogger
  /** Members here, this one included. */
  online: () => number
  /** To one member; false when it is gone (or was dropped as too slow). */
  deliver: (member: Member, event: ServerEvent) => boolean
  announce: (member: Member) => void
  /** A recovery's missed events as sent: joins and leaves folded into one digest when the room is large (PresenceDigest.fold). */
  fold: (events: readonly RoomEvent[]) => ServerEvent[]
  /** Runs the requests the member sent before its welcome, in order. */
  drain: (member: Member, queue: MemberTask[]) => void
}

/** Welcome, then the intro (history or recovery). False if the member is gone. */
export function welcome (port: ArrivalPort, member: Member, intro: Intro): boolean {
  const online = port.online()
  const text = `Welcome to eventwire chat, ${member.nick}! ${online} online. Type /help for commands.`
  const epoch = port.bus.position?.().epoch ?? ''
  if (!port.deliver(member, { type: 'welcome', id: member.id, nick: member.nick, online, text, epoch, seq: intro.seq })) return false
  for (const event of intro.events) if (!port.deliver(member, event)) return false
  return true
}

/**
 * The welcome of a member that had to wait (a cluster nick claim, a recovery
 * read): then what was held for it meanwhile, its join notice, its requests.
 */
export async function arrive (port: ArrivalPort, member: Member, added: void | Promise<void>, point: JoinPoint, resume: ResumeFrom | undefined): Promise<void> {
  try {
    await added
  } catch (err) {
    port.log.warn({ err, id: member.id }, 'nickname claim failed; the member keeps its guest nickname here')
  }
  const intro = resume === undefined ? historyIntro(point) : await recoveryIntro(port.bus, resume, point, port.fold)
  const held = member.pending ?? []
  member.pending = undefined
  if (!member.present || !welcome(port, member, intro)) return
  for (const event of held) {
    if ('seq' in event && event.seq <= intro.through) continue
    if (!port.deliver(member, event)) return
  }
  if (member.announceLater) {
    member.announceLater = false
    port.announce(member)
  }
  const queue = member.queued ?? []
  member.queued = undefined
  port.drain(member, queue)
}

/** Where a reconnecting WebSocket client left off (`/ws?since=SEQ&epoch=EPOCH`). */
export interface ResumeFrom { since: number, epoch: string }

export interface JoinOptions {
  /** false: the join notice waits for room.announce(). */
  announce?: boolean
  /** A reconnecting client's last position: it gets what it missed instead of the history. */
  resume?: ResumeFrom
}

/**
 * What the room read synchronously the moment a member joined: its history
 * and the log position it ends at. Everything delivered after that moment is
 * live for the member, so the intro and the live events neither overlap nor
 * leave a hole between them.
 */
export interface JoinPoint { history: MessageEvent[], seq: number, epoch: string }

/** What a member is sent right after its welcome. */
export interface Intro {
  events: ServerEvent[]
  /** The welcome's `seq`: the position the member is counted from. */
  seq: number
  /** Live room events up to this seq are already in `events` (or were seen before the reconnect): skip them. */
  through: number
}

/** A plain join: the history ring as it was at the join point. */
export function historyIntro (point: JoinPoint): Intro {
  return { events: point.history.length > 0 ? [{ type: 'history', messages: point.history }] : [], seq: point.seq, through: point.seq }
}

/**
 * A reconnect with `since`/`epoch`: exactly the room events it missed (then a
 * RECOVERED notice), a MISSED notice first when some are gone, or a RESET
 * notice and the history when its position belongs to another log.
 */
export async function recoveryIntro (bus: RoomBus, resume: ResumeFrom, point: JoinPoint, fold: ArrivalPort['fold'] = (e) => [...e]): Promise<Intro> {
  let recovery: Recovery
  try {
    recovery = bus.since === undefined ? { reset: true, epoch: point.epoch } : await bus.since(resume.since, resume.epoch)
  } catch {
    const plain = historyIntro(point)
    const notice: ServerEvent = { type: 'system', code: SystemCodes.REDIS_DOWN, text: 'what you missed cannot be read now (Redis unavailable); the recent history follows' }
    return { ...plain, events: [notice, ...plain.events] }
  }
  if (recovery.reset) {
    const plain = historyIntro(point)
    const notice: ServerEvent = { type: 'system', code: SystemCodes.RESET, epoch: recovery.epoch, text: 'the room\'s history was reset since you were last here; reload it' }
    return { ...plain, events: [notice, ...plain.events] }
  }
  const events: ServerEvent[] = []
  if (recovery.missed > 0) {
    events.push({ type: 'system', code: SystemCodes.MISSED, missed: recovery.missed, text: `${recovery.missed} events of the room were missed while you were away and cannot be replayed` })
  }
  events.push(...fold(recovery.events))
  events.push({ type: 'system', code: SystemCodes.RECOVERED, recovered: recovery.events.length, text: `reconnected: ${recovery.events.length} events you missed were replayed` })
  return { events, seq: resume.since, through: Math.max(point.seq, resume.since, recovery.through) }
}

/** `/ws?since=12&epoch=ab12…` → a ResumeFrom, or undefined when either is missing or malformed. */
export function parseResume (url: string | undefined): ResumeFrom | undefined {
  const query = (url ?? '').split('?', 2)[1]
  if (query === undefined) return undefined
  const params = new URLSearchParams(query)
  const since = params.get('since')
  const epoch = params.get('epoch')
  if (since === null || epoch === null || !/^\d{1,15}$/.test(since) || !/^[0-9a-f]{1,64}$/.test(epoch)) return undefined
  return { since: Number(since), epoch }
}
