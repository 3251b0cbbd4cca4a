'use strict';
/**
 * Event emission that cannot hurt the caller: a listener that throws changes neither the result
 * of the call that caused the event nor any state; its error is reported with
 * `process.emitWarning`. An event nobody listens to costs one `listenerCount` check.
 * @module events
 */
const { EventEmitter } = require('node:events');

/**
 * Calls every listener of `event` on `emitter` with `payload`, isolating each one.
 * @param {EventEmitter} emitter
 * @param {string} event
 * @param {unknown} payload
 */
function emitSafely(emitter, event, payload) {
  const listeners = emitter.rawListeners(event);
  for (let i = 0; i < listeners.length; i++) {
    try {
      listeners[i].call(emitter, payload);
    } catch (error) {
      const text = error instanceof Error ? error.stack || error.message : String(error);
      process.emitWarning(`a listener of '${event}' threw: ${text}`, { code: 'BULWARK_LISTENER_ERROR' });
    }
  }
}

/** An EventEmitter whose own emissions go through {@link emitSafely}. */
class SafeEmitter extends EventEmitter {
  /**
   * Emits `event` with `payload` if anyone listens; listener errors become warnings.
   * @param {string} event
   * @param {unknown} payload
   */
  emitSafely(event, payload) {
    if (this.listenerCount(event) > 0) emitSafely(this, event, payload);
  }
}

module.exports = { SafeEmitter, emitSafely };
