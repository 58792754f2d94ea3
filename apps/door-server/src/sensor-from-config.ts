import type { AppLogger } from '@eventwire/protocol'
import { ConfigError } from '@eventwire/service'
import type { MqttSensorOptions } from './sensors/mqtt.js'
import { MqttSensor } from './sensors/mqtt.js'
import { ManualSensor } from './sensors/manual.js'
import type { DoorSensor } from './sensors/sensor.js'
import { SimulatedSensor } from './sensors/simulated.js'
import { StreamSensor } from './sensors/stream.js'

export interface SensorSettings {
  sensor: string
  sensorToken: string | undefined
  simMaxMs: number
  offlineAfterMs: number
}

/** The sensor DOOR_SENSOR names, and the HTTP endpoint it needs (DOOR_SENSOR=http). */
export interface ChosenSensor {
  sensor: DoorSensor
  httpSensor?: { sensor: ManualSensor, token: string }
}

/**
 * Builds the sensor main.ts was told to use. A setting that cannot work is a
 * ConfigError (one line, exit 2) before anything listens.
 */
export function sensorFromConfig (config: SensorSettings, logger: AppLogger, mqtt: MqttSensorOptions | undefined): ChosenSensor {
  switch (config.sensor) {
    case 'stdin':
      return { sensor: new StreamSensor(process.stdin, { logger }) }
    case 'http': {
      if (config.sensorToken === undefined) throw new ConfigError('DOOR_SENSOR=http needs DOOR_SENSOR_TOKEN (or --sensor-token): the endpoint must not be open to anyone')
      const manual = new ManualSensor()
      return { sensor: manual, httpSensor: { sensor: manual, token: config.sensorToken } }
    }
    case 'mqtt':
      // mqttSetupFrom has already refused DOOR_SENSOR=mqtt without MQTT_URL.
      if (mqtt === undefined) throw new ConfigError('DOOR_SENSOR=mqtt needs MQTT_URL (e.g. mqtt://127.0.0.1:1883)')
      return { sensor: new MqttSensor(mqtt) }
    default:
      if (config.offlineAfterMs !== 0 && config.simMaxMs >= config.offlineAfterMs) {
        logger.warn({ simMaxMs: config.simMaxMs, offlineAfterMs: config.offlineAfterMs }, 'DOOR_SIM_MAX_MS >= DOOR_OFFLINE_AFTER_MS: the simulated sensor will be reported offline between flips')
      }
      return { sensor: new SimulatedSensor({ maxMs: config.simMaxMs }) }
  }
}
