/**
 * One server-to-client WebSocket text frame (RFC 6455 §5.2): FIN set, opcode 1
 * (text), no mask (servers never mask), no extensions. A broadcast is framed
 * once and the same bytes go to every browser: one write per browser instead of
 * ws's header-plus-payload writev, and one buffer in memory instead of one each.
 */
export function textFrame (text: string): Buffer {
  const length = Buffer.byteLength(text)
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81
  if (header === 2) {
    frame[1] = length
  } else if (header === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    // 64-bit length, most significant bit 0; JS strings are far below 2^53.
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.write(text, header)
  return frame
}
