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

/**
 * An EventEmitter whose own emissions go through {@link emitSafely}, and which keeps a bitmask of
 * which of its "hot" events (those checked on every call) have listeners: the hot path tests
 * `this._listening & bit` (one small-integer field) instead of looking the event up in
 * EventEmitter's dictionary-mode listener table. The mask is refreshed by every method that adds or
 * removes listeners (`once` wrappers remove themselves through `removeListener`).
 */
class SafeEmitter extends EventEmitter {
  /** @param {readonly string[]} [hotEvents] events whose listeners are checked per call; bit i = hotEvents[i] */
  constructor(hotEvents = []) {
    super();
    this._hotEvents = hotEvents;
    /** Bit i set when `hotEvents[i]` has listeners. */
    this._listening = 0;
  }

  _refreshListening() {
    let mask = 0;
    for (let i = 0; i < this._hotEvents.length; i++) if (this.listenerCount(this._hotEvents[i]) > 0) mask |= 1 << i;
    this._listening = mask;
  }

  on(event, listener) {
    super.on(event, listener);
    this._refreshListening();
    return this;
  }

  addListener(event, listener) {
    return this.on(event, listener);
  }

  prependListener(event, listener) {
    super.prependListener(event, listener);
    this._refreshListening();
    return this;
  }

  once(event, listener) {
    super.once(event, listener);
    this._refreshListening();
    return this;
  }

  prependOnceListener(event, listener) {
    super.prependOnceListener(event, listener);
    this._refreshListening();
    return this;
  }

  removeListener(event, listener) {
    super.removeListener(event, listener);
    this._refreshListening();
    return this;
  }

  off(event, listener) {
    return this.removeListener(event, listener);
  }

  removeAllListeners(...event) {
    super.removeAllListeners(...event);
    this._refreshListening();
    return this;
  }

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
