/**
 * Just enough of the Telnet protocol (RFC 854, 856, 860, 1143) for a text line
 * port: Debian's `telnet` can be pointed at any of our TCP ports and works,
 * while `nc` users never see a byte of negotiation.
 *
 * Input: every IAC sequence is removed before framing (commands, option
 * negotiation, subnegotiation `IAC SB … IAC SE`), `IAC IAC` becomes a data byte
 * 0xFF, and the NUL of telnet's `CR NUL` is dropped. Output: nothing is sent
 * until the peer has shown it is telnet by sending an IAC. Then we ask it to
 * send BINARY (`DO BINARY`), answer `DO TIMING-MARK` with `WILL TIMING-MARK`
 * (telnet discards all output after Ctrl-C until it gets that answer) and refuse
 * every other option, BINARY on our side included, with WONT/DONT.
 *
 * Why BINARY one way only: outside binary mode Debian's telnet compares each
 * byte's low 7 bits with its control characters, so the UTF-8 continuation
 * byte 0x83 (in `ă`) goes out as `IAC IP` (Ctrl-C) and 0x9C (in `✓`) as
 * `IAC BRK`. In binary mode it sends bytes as they are. Our own output stays
 * NVT: in binary mode telnet would print our `\n` without a carriage return.
 *
 * And the bytes mangled before binary mode is on are recovered: a command that
 * arrives where a UTF-8 sequence still expects a continuation byte cannot be
 * the user's keystroke (that happens between characters), so it is turned back
 * into the byte telnet took it for (0x80 | its control character).
 */

export const TelnetBytes = {
  SE: 240,
  NOP: 241,
  DM: 242,
  BRK: 243,
  IP: 244,
  AO: 245,
  AYT: 246,
  EC: 247,
  EL: 248,
  GA: 249,
  SB: 250,
  WILL: 251,
  WONT: 252,
  DO: 253,
  DONT: 254,
  IAC: 255,
  EOF: 236,
  SUSP: 237,
  ABORT: 238,
  OPT_BINARY: 0,
  OPT_TIMING_MARK: 6
} as const

/** The user-level telnet commands a line port may want to act on. */
export type TelnetCommand = 'interrupt' | 'abort-output' | 'are-you-there' | 'break' | 'eof' | 'suspend' | 'abort' | 'erase-char' | 'erase-line'

const COMMANDS: ReadonlyMap<number, TelnetCommand> = new Map([
  [TelnetBytes.IP, 'interrupt'],
  [TelnetBytes.AO, 'abort-output'],
  [TelnetBytes.AYT, 'are-you-there'],
  [TelnetBytes.BRK, 'break'],
  [TelnetBytes.EOF, 'eof'],
  [TelnetBytes.SUSP, 'suspend'],
  [TelnetBytes.ABORT, 'abort'],
  [TelnetBytes.EC, 'erase-char'],
  [TelnetBytes.EL, 'erase-line']
])

export interface TelnetFilterOptions {
  /** Writes negotiation bytes to the peer. Called only once the peer has sent an IAC. */
  reply: (bytes: Buffer) => void
  /** A command the user typed: `interrupt` is telnet's Ctrl-C. */
  onCommand?: (command: TelnetCommand) => void
}

/** The control character telnet maps to each command, for recovering mangled UTF-8 bytes. */
const CONTROL_CHARACTERS: ReadonlyMap<number, number> = new Map([
  [TelnetBytes.IP, 0x03],
  [TelnetBytes.BRK, 0x1c],
  [TelnetBytes.ABORT, 0x1c],
  [TelnetBytes.SUSP, 0x1a],
  [TelnetBytes.EOF, 0x04],
  [TelnetBytes.AO, 0x0f],
  [TelnetBytes.AYT, 0x14],
  [TelnetBytes.EL, 0x15]
])

/** Continuation bytes still expected after `byte`, given how many were expected before it. */
function utf8Expect (byte: number, expected: number): number {
  if (byte >= 0xf0) return 3
  if (byte >= 0xe0) return 2
  if (byte >= 0xc0) return 1
  if (byte >= 0x80) return expected > 0 ? expected - 1 : 0
  return 0
}

/** Continuation bytes still expected at the end of `chunk` (only its last 3 bytes can matter). */
function utf8ExpectAtEnd (chunk: Buffer, expected: number): number {
  for (let i = Math.max(0, chunk.length - 4); i < chunk.length; i++) expected = utf8Expect(chunk[i] as number, expected)
  return expected
}

const enum State { Data, Iac, Option, Sub, SubIac }

/** Per-option negotiation state of one side (RFC 1143, without the queue bit). */
const enum Side { No, Yes, WantYes }

/**
 * A stateful filter for one connection's input. Sequences split across chunks
 * are handled; a subnegotiation is skipped without being kept, so the filter
 * holds a few bytes of state and never a buffer.
 */
export class TelnetFilter {
  readonly #reply: (bytes: Buffer) => void
  readonly #onCommand: (command: TelnetCommand) => void
  #state = State.Data
  #verb = 0
  #afterCr = false
  /** UTF-8 continuation bytes the data so far still expects. */
  #utf8 = 0
  #telnet = false
  /** What we do (WILL) and what the peer does (DO), per option code. Only the peer's BINARY is ever Yes. */
  #us = new Map<number, Side>()
  #him = new Map<number, Side>()

  constructor (options: TelnetFilterOptions) {
    this.#reply = options.reply
    this.#onCommand = options.onCommand ?? (() => {})
  }

  /** True once the peer has sent an IAC: it is a telnet client, and has been asked to send BINARY. */
  get isTelnet (): boolean {
    return this.#telnet
  }

  /**
   * Returns the data bytes of `chunk` with every telnet sequence removed. The
   * chunk itself is returned when it holds no IAC (the common case: no copy).
   */
  push (chunk: Buffer): Buffer {
    if (this.#state === State.Data && chunk.indexOf(TelnetBytes.IAC) === -1 && !(this.#telnet && (this.#afterCr || chunk.includes(0)))) {
      if (chunk.length > 0) {
        this.#utf8 = utf8ExpectAtEnd(chunk, this.#utf8)
        this.#afterCr = chunk[chunk.length - 1] === 13
      }
      return chunk
    }
    const out = Buffer.allocUnsafe(chunk.length)
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number
      switch (this.#state) {
        case State.Data:
          if (byte === TelnetBytes.IAC) {
            this.#state = State.Iac
          } else if (!(byte === 0 && this.#afterCr && this.#telnet)) {
            out[n++] = byte
            this.#utf8 = utf8Expect(byte, this.#utf8)
          }
          this.#afterCr = byte === 13
          break
        case State.Iac:
          this.#state = State.Data
          this.#sawIac()
          if (byte === TelnetBytes.IAC) {
            out[n++] = byte
          } else if (byte >= TelnetBytes.WILL) {
            this.#verb = byte
            this.#state = State.Option
          } else if (byte === TelnetBytes.SB) {
            this.#state = State.Sub
          } else if (this.#utf8 > 0 && CONTROL_CHARACTERS.has(byte)) {
            // Mid-character: telnet mangled a UTF-8 byte into this command. Put the byte back.
            out[n++] = 0x80 | (CONTROL_CHARACTERS.get(byte) as number)
            this.#utf8--
          } else {
            const command = COMMANDS.get(byte)
            if (command !== undefined) this.#onCommand(command)
          }
          break
        case State.Option:
          this.#state = State.Data
          this.#negotiate(this.#verb, byte)
          break
        case State.Sub:
          if (byte === TelnetBytes.IAC) this.#state = State.SubIac
          break
        case State.SubIac:
          // IAC SE ends it; IAC IAC is an escaped 0xFF inside; anything else is a broken peer: end it too.
          this.#state = byte === TelnetBytes.IAC ? State.Sub : State.Data
          break
      }
    }
    return out.subarray(0, n)
  }

  #sawIac (): void {
    if (this.#telnet) return
    this.#telnet = true
    this.#him.set(TelnetBytes.OPT_BINARY, Side.WantYes)
    this.#send(TelnetBytes.DO, TelnetBytes.OPT_BINARY)
  }

  #negotiate (verb: number, option: number): void {
    switch (verb) {
      case TelnetBytes.DO:
        // Timing mark is a question, not a state: answer every time (RFC 860).
        if (option === TelnetBytes.OPT_TIMING_MARK) return this.#send(TelnetBytes.WILL, option)
        return this.#answer(this.#us, option, true, TelnetBytes.WILL, TelnetBytes.WONT)
      case TelnetBytes.DONT:
        return this.#answer(this.#us, option, false, TelnetBytes.WILL, TelnetBytes.WONT)
      case TelnetBytes.WILL:
        return this.#answer(this.#him, option, true, TelnetBytes.DO, TelnetBytes.DONT)
      case TelnetBytes.WONT:
        return this.#answer(this.#him, option, false, TelnetBytes.DO, TelnetBytes.DONT)
    }
  }

  /**
   * RFC 1143 for one side of one option: a request we asked for is acknowledged
   * silently; an unsolicited enable is accepted only for the peer's BINARY,
   * refused otherwise; a disable is acknowledged only if the option was on. This
   * never answers an answer, so two conforming peers cannot loop.
   */
  #answer (sides: Map<number, Side>, option: number, enable: boolean, yes: number, no: number): void {
    const side = sides.get(option) ?? Side.No
    if (side === Side.WantYes) {
      sides.set(option, enable ? Side.Yes : Side.No)
      return
    }
    if (enable) {
      if (side === Side.Yes) return
      if (option === TelnetBytes.OPT_BINARY && sides === this.#him) {
        sides.set(option, Side.Yes)
        this.#send(yes, option)
      } else {
        this.#send(no, option)
      }
      return
    }
    if (side === Side.Yes) {
      sides.set(option, Side.No)
      this.#send(no, option)
    }
  }

  #send (verb: number, option: number): void {
    this.#reply(Buffer.from([TelnetBytes.IAC, verb, option]))
  }
}
