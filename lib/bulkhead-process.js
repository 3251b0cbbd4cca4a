'use strict';
/**
 * A process-wide bulkhead (`scope: 'process'`): every worker thread that asks for the same name
 * with the same settings shares one pool of permits and one FIFO queue (`engine::shared_bulkhead`).
 *
 * - Permits are taken and given back by native calls on this thread's *lease*, so a thread that
 *   ends or is `terminate()`d gives back every permit it held (an env cleanup hook closes its
 *   leases) and its queued calls leave the queue.
 * - A permit released anywhere goes to the oldest queued call of the process. When that call is
 *   in another thread, the releasing thread *grants* it natively and wakes the owner through its
 *   thread-safe function; the owner's `onGrants` collects the grant and runs the call. No thread
 *   spins. While a thread has queued calls, its waker keeps its event loop alive.
 * - Counters live in the shared cells; this thread bumps the refusal counters with `Atomics`.
 * @module bulkhead-process
 */
const native = require('./native');
const bulkhead = require('./bulkhead');
const { deadlineList } = require('./deadline');
const v = require('./validate');

const { Bulkhead, Waiter, QUEUE_FULL, COMPLETED_EVENT } = bulkhead;

/** Process-wide bulkheads of this thread (and this copy of the library) that have queued calls. */
const withWaiters = new Set();
/**
 * Queued calls of this copy of the library in this thread, over all its process-wide bulkheads
 * (the native side keeps the thread alive while any copy has some).
 */
let threadWaiting = 0;
let wakerInstalled = false;

/** Runs on this thread when another thread granted permits to calls queued here. */
function onGrants() {
  for (const b of withWaiters) b._collect();
}

function installWaker() {
  if (wakerInstalled) return;
  native.installBulkheadWaker(onGrants);
  wakerInstalled = true;
}

/** One thread's handle on a process-wide bulkhead. Same API and events as {@link Bulkhead}. */
class ProcessBulkhead extends Bulkhead {
  /** Attaches this thread's lease on the process-wide permit pool of `this.name`. */
  _attach(where) {
    installWaker();
    const { name, maxConcurrent, maxQueueSize, timeout } = this;
    this._native = v.native(where, () => new native.NativeProcessBulkhead(name, maxConcurrent, maxQueueSize, timeout));
    this._cells = this._native.cellsView();
    const hot = this._native.hotFunctions();
    this._take = hot.acquire;
    this._give = hot.release;
    /** Queued (or granted but not yet collected) calls of this thread, by id. */
    this._waiters = new Map();
    this._waiting = 0;
    this._nextId = 0;
  }

  /** Adds one to the shared split counter at `i` (other threads write it too). */
  _bump(i) {
    if (Atomics.add(this._cells, i, 1) === -1) Atomics.add(this._cells, i + 1, 1);
  }

  execute(fn, signal) {
    if (typeof fn !== 'function' || signal !== undefined) {
      const refused = bulkhead.refuseCall(this, fn, signal);
      if (refused !== undefined) return refused;
    }
    if (this._take()) return this._run(fn, signal);
    return this._enqueue(fn, signal);
  }

  /** An execution ended: give the permit back (natively handed to the oldest queued call). */
  _release() {
    if (this._give() > 0) this._collect();
    if ((this._listening & COMPLETED_EVENT) !== 0) this.emitSafely('executionCompleted', this.state);
  }

  _enqueue(fn, signal) {
    return new Promise((resolve, reject) => {
      const waiter = new Waiter(this, fn, signal, resolve, reject);
      this._nextId = (this._nextId + 1) >>> 0;
      waiter.id = this._nextId;
      this._waiters.set(waiter.id, waiter);
      const outcome = this._native.enqueue(waiter.id);
      if (outcome < 0) {
        this._waiters.delete(waiter.id);
        waiter.queued = false;
        reject(this._refuse(QUEUE_FULL));
        if (outcome < -1) this._collect();
        return;
      }
      this._countWaiting(1);
      if (this.timeout > 0) deadlineList(this.timeout).add(waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => this._leaveQueue(waiter, signal.reason, true);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (outcome > 0) this._collect();
    });
  }

  /** This thread's queued calls went up or down by `delta`. */
  _countWaiting(delta) {
    const before = this._waiting;
    this._waiting += delta;
    if (before === 0 && this._waiting > 0) withWaiters.add(this);
    else if (before > 0 && this._waiting === 0) withWaiters.delete(this);
    const threadBefore = threadWaiting;
    threadWaiting += delta;
    if ((threadBefore === 0) !== (threadWaiting === 0)) native.bulkheadWakerKeepAlive(threadWaiting > 0 ? 1 : -1);
  }

  /** Marks `waiter` as out of the queue here (the native queue has already let it go). */
  _unlink(waiter) {
    if (!waiter.queued) return;
    waiter.queued = false;
    this._countWaiting(-1);
    if (waiter.list !== null) waiter.list.remove(waiter);
    if (waiter.onAbort !== null) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  /** A queued call leaves without running: timed out, or aborted. */
  _leaveQueue(waiter, reason, aborted = false) {
    if (!waiter.queued) return;
    const left = this._native.leave(waiter.id);
    if (!left && !aborted) {
      // Granted before its timeout (the wake-up had not run yet): it runs, as in one thread.
      this._collect();
      return;
    }
    this._unlink(waiter);
    if (left) this._waiters.delete(waiter.id);
    // else: aborted just as a permit was granted to it; collecting gives that permit back.
    else this._collect();
    if (aborted) {
      waiter.reject(reason);
      return;
    }
    this._bump(bulkhead.TIMED_OUT);
    waiter.reject(this._refuse(bulkhead.QUEUE_TIMEOUT));
  }

  /**
   * Runs the calls of this thread granted a permit (oldest first). A grant for a call that left
   * the queue meanwhile is given straight back.
   */
  _collect() {
    for (;;) {
      const ids = this._native.takeGranted();
      if (ids.length === 0) return;
      for (const id of ids) {
        const waiter = this._waiters.get(id);
        this._waiters.delete(id);
        if (waiter === undefined || !waiter.queued) {
          this._native.giveBack(); // its call left: the permit goes on to the next in line
          continue;
        }
        this._unlink(waiter);
        this._runWaiter(waiter);
      }
    }
  }

  /** Permits held now by calls made through this object (its lease; one object per name per thread). */
  get heldByThisThread() {
    return this._native.held();
  }
}

module.exports = { ProcessBulkhead };
