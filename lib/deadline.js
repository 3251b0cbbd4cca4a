'use strict';
/**
 * Deadlines without a timer per call.
 *
 * Calls that share a time limit expire in the order they started, so each distinct limit gets one
 * doubly linked list (oldest first) and at most one timer, armed for the oldest deadline. Adding
 * and removing an entry is O(1); the timer fires about once per limit period, expires what is
 * due and re-arms for the new oldest entry. While a list is empty its timer is `unref()`ed, so
 * nothing here keeps the process alive once the work is done; an empty list whose timer has
 * fired is dropped.
 * @module deadline
 */
const { realNow } = require('./clock');

/** @typedef {{ deadline: number, prev: Entry|null, next: Entry|null, list: DeadlineList|null, expire(): void }} Entry */

/** The pending deadlines of one time limit. */
class DeadlineList {
  /** @param {number} ms the time limit every entry of this list has */
  constructor(ms) {
    this.ms = ms;
    /** @type {Entry|null} */ this.head = null;
    /** @type {Entry|null} */ this.tail = null;
    /** @type {NodeJS.Timeout|null} */ this.timer = null;
    this.armed = false;
    this.onTimer = () => this.fire();
  }

  /**
   * Starts the clock for `entry`: its `expire()` runs once `ms` have passed, unless removed first.
   * @param {Entry} entry
   */
  add(entry) {
    entry.deadline = realNow() + this.ms;
    entry.list = this;
    entry.next = null;
    entry.prev = this.tail;
    if (this.tail === null) {
      this.head = entry;
      this.wake();
    } else {
      this.tail.next = entry;
    }
    this.tail = entry;
  }

  /**
   * Forgets `entry` (its call ended first). Safe to call twice.
   * @param {Entry} entry
   */
  remove(entry) {
    if (entry.list !== this) return;
    const { prev, next } = entry;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    entry.prev = entry.next = entry.list = null;
    if (this.head === null && this.armed) this.timer.unref();
  }

  /** The list became non-empty: make sure a timer will fire, and that it holds the process. */
  wake() {
    if (this.armed) this.timer.ref();
    else this.arm(this.ms);
  }

  /** @param {number} delay */
  arm(delay) {
    this.timer = setTimeout(this.onTimer, delay);
    this.armed = true;
  }

  fire() {
    this.armed = false;
    const now = realNow();
    let entry;
    // Node's timers may fire up to ~1 ms early relative to performance.now(); half a ms of slack
    // avoids a re-arm for a sub-millisecond remainder.
    while ((entry = this.head) !== null && entry.deadline <= now + 0.5) {
      this.remove(entry);
      entry.expire();
    }
    if (this.head !== null) this.arm(Math.max(1, Math.ceil(this.head.deadline - now)));
    else if (lists.get(this.ms) === this) lists.delete(this.ms);
  }
}

/** @type {Map<number, DeadlineList>} */
const lists = new Map();

/**
 * The list for a time limit (created on first use).
 * @param {number} ms
 * @returns {DeadlineList}
 */
function deadlineList(ms) {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list;
}

/** How many deadlines are pending (for tests and diagnostics). */
function pendingDeadlines() {
  let n = 0;
  for (const list of lists.values()) for (let e = list.head; e !== null; e = e.next) n++;
  return n;
}

module.exports = { deadlineList, pendingDeadlines, DeadlineList };
