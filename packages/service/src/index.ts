export { readConfig, describeConfig, ConfigError, type OptionSpec, type ConfigValues, type ConfigSources } from './config.js'
export { createLogger, type ServiceLogger } from './logger.js'
export { formatAddress, listen } from './address.js'
export { runService, type RunningService, type RunServiceOptions } from './run-service.js'
