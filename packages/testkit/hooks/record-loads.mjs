// Module hooks (node --import) that print every module URL the process loads, one per line, to stderr
// with a marker, so a test can see what importing a package pulls in.
import { register } from 'node:module'

register('data:text/javascript,' + encodeURIComponent(`
export async function load (url, context, next) {
  process.stderr.write('[loaded] ' + url + '\\n')
  return next(url, context)
}
`))
