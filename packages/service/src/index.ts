export { readConfig, describeConfig, exitOnHelp, hostOption, logLevelOption, ConfigError, type OptionSpec, type ConfigValues, type ConfigSources } from './config.js'
// pino is behind '@eventwire/service/logger', so importing this index (as the factories' option types do) loads no logger.
export { silentAppLogger, type AppLogger } from './app-logger.js'
export { formatAddress, listen } from './address.js'
export { runService, type RunningService, type RunServiceOptions } from './run-service.js'
export { explainStartError, portVariables, type StartFailure } from './start-errors.js'
export { tlsOptions, readServerTls, readPem, type ServerTlsFiles } from './tls-config.js'
