// The logger interface lives beside protocol's Logger; this re-export keeps older imports working.
export { silentAppLogger, type AppLogger } from '@eventwire/protocol'
