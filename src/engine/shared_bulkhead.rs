//! A bulkhead shared by several threads: one pool of permits and one FIFO queue for the whole
//! process, with a *lease* per thread so that permits held by a thread that dies come back.
//!
//! - **Permits** are the `AVAILABLE` cell of [`BulkheadCells`], taken by CAS (never below zero)
//!   and given back with an add. Every permit taken is also counted in the taker's [`Lease`]
//!   (`held`); closing a lease (its thread ended, or was terminated mid-call) gives its permits back.
//! - **Waiting**: a call that finds no permit enters one process-wide FIFO queue (under a mutex;
//!   a cold path). A released permit goes to the oldest queued call, whatever its thread: it is
//!   *granted* to that call's lease, and the lease's `wake` is called (once per lease per hand-off
//!   batch; the binding turns it into a thread-safe function call into the waiting thread). The
//!   waiting thread collects its grants with [`Lease::take_granted`]. Nobody spins.
//! - **No lost wake-up**: a releaser adds to `AVAILABLE` then reads `QUEUED`; an enqueuer adds to
//!   `QUEUED` then tries `AVAILABLE` (all sequentially consistent). One of them sees the other, so
//!   a permit never sits free while a call waits.
//! - **Fairness**: the fast path takes a free permit only when nobody is queued; otherwise a new
//!   call queues behind the others.

use super::bulkhead::{AVAILABLE, COMPLETED, QUEUED};
use super::split_counter;
use super::BulkheadCells;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicUsize,
    Ordering::{Relaxed, SeqCst},
};
use std::sync::Arc;

/// Leases alive in the process (dropped ones are not counted), for leak tests.
static LIVE_LEASES: AtomicUsize = AtomicUsize::new(0);

/// How many [`Lease`]s are alive in the process: a thread that ended must leave none behind.
pub fn live_leases() -> usize {
    LIVE_LEASES.load(SeqCst)
}

/// Tells a lease's thread that it has grants to collect. Called outside the bulkhead's lock.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Where a queued call stands in the process-wide queue.
#[derive(Debug, Clone, Copy)]
struct QueuedCall {
    lease: u64,
    waiter: u32,
}

/// What the queue knows about one lease.
struct LeaseBook {
    wake: Wake,
    /// waiter id → queue position.
    waiting: HashMap<u32, u64>,
    /// Waiters handed a permit, not collected yet.
    granted: Vec<u32>,
}

#[derive(Default)]
struct Queue {
    /// Position → call, oldest first.
    calls: BTreeMap<u64, QueuedCall>,
    next_position: u64,
    books: HashMap<u64, LeaseBook>,
    next_lease: u64,
}

/// Permits, counters and the queue of one process-wide bulkhead.
pub struct SharedBulkhead {
    cells: BulkheadCells,
    queue: Mutex<Queue>,
}

/// What [`Lease::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// Whether the call is queued (`false`: the queue is full and the call is refused).
    pub queued: bool,
    /// Calls of this lease (maybe this one) handed a permit and waiting to be collected with
    /// [`Lease::take_granted`].
    pub granted_here: u32,
}

impl SharedBulkhead {
    /// `max_concurrent` permits (≥ 1) and room for `max_queue` waiting calls, process-wide.
    pub fn new(max_concurrent: u32, max_queue: u32) -> Self {
        Self {
            cells: BulkheadCells::new(max_concurrent, max_queue),
            queue: Mutex::new(Queue::default()),
        }
    }

    /// The permit and counter cells (layout in `engine::bulkhead`).
    pub fn cells(&self) -> &BulkheadCells {
        &self.cells
    }

    /// A new lease for one thread; `wake` is called when permits are granted to its queued calls.
    pub fn lease(self: &Arc<Self>, wake: Wake) -> Lease {
        let mut queue = self.queue.lock();
        let id = queue.next_lease;
        queue.next_lease += 1;
        queue.books.insert(
            id,
            LeaseBook {
                wake,
                waiting: HashMap::new(),
                granted: Vec::new(),
            },
        );
        LIVE_LEASES.fetch_add(1, SeqCst);
        Lease {
            bulkhead: Arc::clone(self),
            id,
            held: AtomicU32::new(0),
            closed: AtomicBool::new(false),
        }
    }

    fn take_permit(&self) -> bool {
        let cell = &self.cells.cells()[AVAILABLE];
        let mut current = cell.load(SeqCst);
        while current > 0 {
            match cell.compare_exchange_weak(current, current - 1, SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
        false
    }

    fn queued(&self) -> i32 {
        self.cells.cells()[QUEUED].load(SeqCst)
    }

    /// Hands free permits to the oldest queued calls. Returns how many went to lease `me`, and the
    /// wakes to call (other leases) once the lock is released.
    fn dispatch(&self, queue: &mut Queue, me: u64) -> (u32, Vec<Wake>) {
        let mut mine = 0;
        let mut wakes: Vec<Wake> = Vec::new();
        let mut woken: Vec<u64> = Vec::new();
        while let Some((&position, &call)) = queue.calls.first_key_value() {
            if !self.take_permit() {
                break;
            }
            queue.calls.remove(&position);
            self.cells.cells()[QUEUED].fetch_sub(1, SeqCst);
            let book = queue
                .books
                .get_mut(&call.lease)
                .expect("a queued call's lease is open");
            book.waiting.remove(&call.waiter);
            book.granted.push(call.waiter);
            if call.lease == me {
                mine += 1;
            } else if !woken.contains(&call.lease) {
                woken.push(call.lease);
                wakes.push(Arc::clone(&book.wake));
            }
        }
        (mine, wakes)
    }

    fn wake_all(wakes: Vec<Wake>) {
        for wake in wakes {
            wake();
        }
    }
}

/// One thread's share of a [`SharedBulkhead`]: the permits it holds, its queued calls and the
/// grants waiting for it. Closing it (or dropping it) gives everything back.
///
/// `held` is written only by the lease's own thread (every method but [`Lease::close`] is called
/// from that thread, and `close` is too, from its cleanup hook or finalizer).
pub struct Lease {
    bulkhead: Arc<SharedBulkhead>,
    id: u64,
    held: AtomicU32,
    closed: AtomicBool,
}

impl Lease {
    /// The bulkhead this lease belongs to.
    pub fn bulkhead(&self) -> &Arc<SharedBulkhead> {
        &self.bulkhead
    }

    /// Permits held by this lease's calls now.
    pub fn held(&self) -> u32 {
        self.held.load(SeqCst)
    }

    fn add_held(&self, n: u32) {
        // One writer (this lease's thread): a load and a store, no locked instruction.
        let held = self.held.load(Relaxed);
        self.held.store(held + n, Relaxed);
    }

    /// Takes a permit if one is free and nobody is queued.
    pub fn try_acquire(&self) -> bool {
        if self.closed.load(Relaxed) {
            return false;
        }
        if self.bulkhead.queued() == 0 && self.bulkhead.take_permit() {
            self.add_held(1);
            true
        } else {
            false
        }
    }

    /// Gives back a permit held by this lease and counts a completed execution. Returns how many
    /// queued calls of this lease were granted a permit by it (collect them with
    /// [`Lease::take_granted`]); other leases' threads are woken.
    pub fn release(&self) -> u32 {
        if self.held.load(Relaxed) > 0 && !self.closed.load(Relaxed) {
            split_counter::bump(self.bulkhead.cells.cells(), COMPLETED);
        }
        self.give_back()
    }

    /// Gives back a permit held by this lease without counting an execution (its call never ran:
    /// it left the queue just as it was granted). Returns what [`Lease::release`] returns.
    pub fn give_back(&self) -> u32 {
        let held = self.held.load(Relaxed);
        if held == 0 || self.closed.load(Relaxed) {
            return 0; // nothing to give back (a closed lease already gave everything back)
        }
        self.held.store(held - 1, Relaxed);
        let b = &*self.bulkhead;
        b.cells.cells()[AVAILABLE].fetch_add(1, SeqCst);
        if b.queued() == 0 {
            return 0;
        }
        let (mine, wakes) = {
            let mut queue = b.queue.lock();
            b.dispatch(&mut queue, self.id)
        };
        SharedBulkhead::wake_all(wakes);
        mine
    }

    /// Queues call `waiter` (an id unique within this lease) unless the process-wide queue is full.
    pub fn enqueue(&self, waiter: u32) -> Enqueued {
        let b = &*self.bulkhead;
        let (outcome, wakes) = {
            let mut queue = b.queue.lock();
            if self.closed.load(SeqCst) {
                return Enqueued {
                    queued: false,
                    granted_here: 0,
                };
            }
            // Free permits first go to those already waiting.
            let (_, mut wakes) = b.dispatch(&mut queue, self.id);
            let queued = queue.calls.len() < b.cells.max_queue() as usize;
            if queued {
                let position = queue.next_position;
                queue.next_position += 1;
                queue.calls.insert(
                    position,
                    QueuedCall {
                        lease: self.id,
                        waiter,
                    },
                );
                if let Some(book) = queue.books.get_mut(&self.id) {
                    book.waiting.insert(waiter, position);
                }
                b.cells.cells()[QUEUED].fetch_add(1, SeqCst);
                wakes.extend(b.dispatch(&mut queue, self.id).1);
            }
            let granted_here = queue.books.get(&self.id).map_or(0, |x| x.granted.len()) as u32;
            (
                Enqueued {
                    queued,
                    granted_here,
                },
                wakes,
            )
        };
        SharedBulkhead::wake_all(wakes);
        outcome
    }

    /// Takes `waiter` out of the queue (timed out or aborted). `false`: it is not queued any more
    /// (it was granted a permit, to be collected and given back by the caller).
    pub fn leave(&self, waiter: u32) -> bool {
        let b = &*self.bulkhead;
        let mut queue = b.queue.lock();
        let Some(position) = queue
            .books
            .get_mut(&self.id)
            .and_then(|book| book.waiting.remove(&waiter))
        else {
            return false;
        };
        queue.calls.remove(&position);
        b.cells.cells()[QUEUED].fetch_sub(1, SeqCst);
        true
    }

    /// The waiters of this lease granted a permit since the last call, oldest first; their
    /// permits now count as held by this lease.
    pub fn take_granted(&self) -> Vec<u32> {
        let granted = {
            let mut queue = self.bulkhead.queue.lock();
            match queue.books.get_mut(&self.id) {
                Some(book) => std::mem::take(&mut book.granted),
                None => Vec::new(),
            }
        };
        self.add_held(granted.len() as u32);
        granted
    }

    /// Gives back everything this lease has: its held permits, its uncollected grants, and its
    /// places in the queue. Idempotent; later calls on the lease refuse or do nothing.
    pub fn close(&self) {
        if self.closed.swap(true, SeqCst) {
            return;
        }
        let b = &*self.bulkhead;
        let wakes = {
            let mut queue = b.queue.lock();
            let Some(book) = queue.books.remove(&self.id) else {
                return;
            };
            for position in book.waiting.values() {
                queue.calls.remove(position);
                b.cells.cells()[QUEUED].fetch_sub(1, SeqCst);
            }
            let permits = self.held.swap(0, SeqCst) + book.granted.len() as u32;
            b.cells.cells()[AVAILABLE].fetch_add(permits as i32, SeqCst);
            b.dispatch(&mut queue, self.id).1
        };
        SharedBulkhead::wake_all(wakes);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.close();
        LIVE_LEASES.fetch_sub(1, SeqCst);
    }
}
