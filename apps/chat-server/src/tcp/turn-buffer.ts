/** A socket as the turn's output uses it: net.Socket and tls.TLSSocket both are one. */
export interface TurnSocket {
  readonly writable: boolean
  readonly writableLength: number
  write: (chunk: Buffer) => boolean
}

/** A connection's output waiting past this is written out at once, even mid-turn. */
export const TURN_FLUSH_BYTES = 16 * 1024

/** What counts the deliveries written (ChatTransportStats). */
export interface DeliveryCounter {
  messagesDelivered: number
}

/** What a connection carries for the TurnWriter. */
export interface TurnTarget {
  /**
   * The index of its output in the current turn, -1 when nothing of it waits
   * there: one number per connection, so an idle member costs nothing more.
   */
  turnSlot: number
  /** Its reader (absent while the room is still adding it): a private line reads differently for sender and recipient. */
  readonly member?: { readonly nick: string }
}

/**
 * One turn's output, per connection written to during it. In a fan-out every
 * member is handed the same events, encoded once into shared Buffers; those
 * land in the turn's `log` once, and a member that got a contiguous run of
 * them holds only two indices into it. At the flush every member with the same
 * run is handed the same Buffer (the run itself when it is one event, else its
 * concatenation, made once): one write of one buffer per member per turn and no
 * copy per member, where a writev of many small buffers cost most of a
 * delivery. Anything else (a private line, a reply to one member, a run with a
 * gap in it) turns that member's output into its own list of parts.
 *
 * Each slot also keeps `known`, an upper bound of its socket's queue
 * (socket.writableLength read when the slot was checked last; the queue only
 * shrinks meanwhile, unless something else writes to the socket, see
 * forget()). While that bound plus what waits here is within the queue limit,
 * the rest of a fan-out is added without touching the socket (addNext); those
 * deliveries are counted when they are written, and not at all if the socket
 * closed first.
 *
 * State lives in parallel arrays indexed by slot and reused turn after turn;
 * no object is made per member.
 */
export class TurnBuffer {
  /** Connections written to this turn, in the order they were first written to: the flush keeps it. */
  count = 0
  readonly #targets: Array<TurnTarget | undefined> = []
  readonly #sockets: Array<TurnSocket | undefined> = []
  /** A slot's run of shared buffers: log[from] up to log[to], exclusive; empty when from === to. */
  readonly #from: number[] = []
  readonly #to: number[] = []
  /** A slot's waiting bytes, whichever form they are in: what the queue limit counts. */
  readonly #bytes: number[] = []
  /** A slot's socket queue, at most (Infinity: unknown, read it). */
  readonly #known: number[] = []
  /** Deliveries added by addNext and not counted yet. */
  readonly #uncounted: number[] = []
  /** Set once a slot's output is no longer one run: every part in order. */
  readonly #parts: Array<Buffer[] | undefined> = []
  /** Each shared Buffer of this turn once, in the order first handed out. */
  readonly #log: Buffer[] = []
  // The last run concatenated: in a fan-out every member asks for the same one.
  #memo: Buffer | undefined
  #memoFrom = -1
  #memoTo = -1
  readonly #counter: DeliveryCounter

  constructor (counter: DeliveryCounter) {
    this.#counter = counter
  }

  /** Gives a connection a slot in this turn (its `turnSlot`); `queued`: its socket.writableLength now. */
  open (target: TurnTarget, socket: TurnSocket, queued: number): number {
    const slot = this.count++
    this.#targets[slot] = target
    this.#sockets[slot] = socket
    this.#from[slot] = 0
    this.#to[slot] = 0
    this.#bytes[slot] = 0
    this.#known[slot] = queued
    this.#uncounted[slot] = 0
    this.#parts[slot] = undefined
    target.turnSlot = slot
    return slot
  }

  bytes (slot: number): number {
    return this.#bytes[slot] as number
  }

  /** The socket's queue was just read (`queued`). */
  know (slot: number, queued: number): void {
    this.#known[slot] = queued
  }

  /** Something is written to the socket besides this turn's output: read its queue again before relying on it. */
  forget (slot: number): void {
    this.#known[slot] = Infinity
  }

  /**
   * The shared Buffer at `index` for a slot, when that certainly keeps the queue
   * limit and needs no early write; false (nothing added) when the socket must
   * be looked at. Counted when written.
   */
  addNext (slot: number, index: number, maxQueueBytes: number): boolean {
    const waiting = this.#bytes[slot] as number
    if (waiting >= TURN_FLUSH_BYTES || (this.#known[slot] as number) + waiting > maxQueueBytes) return false
    this.addShared(slot, index)
    this.#uncounted[slot] = (this.#uncounted[slot] as number) + 1
    return true
  }

  /** Keeps a Buffer that every member it concerns is handed (share() once, then addShared per member): its index. */
  share (buffer: Buffer): number {
    return this.#log.push(buffer) - 1
  }

  /** Adds the shared Buffer at `index` to a slot. */
  addShared (slot: number, index: number): void {
    const buffer = this.#log[index] as Buffer
    this.#bytes[slot] = (this.#bytes[slot] as number) + buffer.length
    const parts = this.#parts[slot]
    if (parts !== undefined) {
      parts.push(buffer)
      return
    }
    const from = this.#from[slot] as number
    const to = this.#to[slot] as number
    if (from === to) {
      this.#from[slot] = index
      this.#to[slot] = index + 1
    } else if (to === index) {
      this.#to[slot] = index + 1
    } else {
      this.#toParts(slot).push(buffer)
    }
  }

  /** Bytes for this connection only (a private line). */
  addOwn (slot: number, buffer: Buffer): void {
    this.#bytes[slot] = (this.#bytes[slot] as number) + buffer.length
    const parts = this.#parts[slot] ?? this.#toParts(slot)
    parts.push(buffer)
  }

  /**
   * Writes what waits in a slot to its socket (unless the socket closed
   * meanwhile: it goes, as the socket's own queue does) and counts it; the slot
   * is left empty but kept.
   */
  writeSlot (slot: number): void {
    const out = this.#take(slot)
    const uncounted = this.#uncounted[slot] as number
    this.#uncounted[slot] = 0
    const socket = this.#sockets[slot] as TurnSocket
    if (out === undefined || !socket.writable) return
    socket.write(out)
    this.#counter.messagesDelivered += uncounted
  }

  /** Everything waiting in a slot as one Buffer (undefined when nothing does). */
  #take (slot: number): Buffer | undefined {
    const parts = this.#parts[slot]
    const bytes = this.#bytes[slot] as number
    const from = this.#from[slot] as number
    const to = this.#to[slot] as number
    this.#parts[slot] = undefined
    this.#from[slot] = this.#to[slot] = this.#bytes[slot] = 0
    if (parts !== undefined) return parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes)
    if (from === to) return undefined
    if (to - from === 1) return this.#log[from]
    if (from !== this.#memoFrom || to !== this.#memoTo) {
      this.#memo = Buffer.concat(this.#log.slice(from, to), bytes)
      this.#memoFrom = from
      this.#memoTo = to
    }
    return this.#memo
  }

  /**
   * Writes every slot's output to its socket, in slot order, and empties the
   * turn. Every target's turnSlot is cleared first, so a send made while this
   * runs (socket.write calls nothing back synchronously; this is only in case)
   * opens a slot in the writer's next turn instead of one being written here.
   */
  writeAll (): void {
    const count = this.count
    for (let slot = 0; slot < count; slot++) (this.#targets[slot] as TurnTarget).turnSlot = -1
    for (let slot = 0; slot < count; slot++) {
      this.writeSlot(slot)
      this.#targets[slot] = this.#sockets[slot] = undefined
    }
    this.count = 0
    this.#log.length = 0
    this.#memo = undefined
    this.#memoFrom = this.#memoTo = -1
  }

  #toParts (slot: number): Buffer[] {
    const parts = this.#log.slice(this.#from[slot], this.#to[slot])
    this.#parts[slot] = parts
    this.#from[slot] = this.#to[slot] = 0
    return parts
  }
}
