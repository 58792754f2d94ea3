export { waitUntil } from './wait.js'
export { LineClient } from './line-client.js'
export { launchChromium, chromiumPath } from './browser.js'
export { startChild, type ChildHandle } from './child.js'
