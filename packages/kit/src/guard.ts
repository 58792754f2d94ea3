/**
 * Wraps an input handler (a socket 'data' or 'message' callback, a line
 * handler) so that an exception thrown inside it never escapes the socket
 * callback, where it would end the process for every client. The exception
 * goes to `onThrow`, which logs it and fails that one connection.
 *
 * Decoders are written not to throw; this is the net under them, for the bug
 * nobody has found yet.
 */
export function guard<A extends unknown[]> (handler: (...args: A) => void, onThrow: (err: unknown) => void): (...args: A) => void {
  return (...args: A): void => {
    try {
      handler(...args)
    } catch (err) {
      try {
        onThrow(err)
      } catch {
        // The reporter failed too (a logger that throws): swallowing is the only safe answer left.
      }
    }
  }
}
