//! A process-wide bulkhead's permits, FIFO queue and leases (`engine::shared_bulkhead`): grants
//! across leases, no barging past a queued call, closing a lease gives everything back, and
//! threads that take, queue, release and die never exceed the permits or lose one.

use bulwark::engine::shared_bulkhead::{Enqueued, SharedBulkhead, Wake};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

fn counting_wake() -> (Wake, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    (
        Arc::new(move || {
            c.fetch_add(1, SeqCst);
        }),
        count,
    )
}

#[test]
fn a_release_in_one_lease_grants_the_oldest_waiter_of_another_and_wakes_it() {
    let b = Arc::new(SharedBulkhead::new(1, 10));
    let (wake_a, woken_a) = counting_wake();
    let (wake_b, _) = counting_wake();
    let a = b.lease(wake_a);
    let other = b.lease(wake_b);
    assert!(other.try_acquire());
    assert!(!a.try_acquire());
    assert_eq!(
        a.enqueue(7),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(
        a.enqueue(8),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(other.release(), 0);
    assert_eq!(woken_a.load(SeqCst), 1);
    assert_eq!(a.take_granted(), vec![7]);
    assert_eq!(a.held(), 1);
    assert_eq!(b.cells().snapshot().queued, 1);
    assert_eq!(a.release(), 1, "its own next waiter gets the permit");
    assert_eq!(a.take_granted(), vec![8]);
}

#[test]
fn nobody_barges_past_a_queued_call() {
    let b = Arc::new(SharedBulkhead::new(1, 10));
    let (w, _) = counting_wake();
    let a = b.lease(Arc::clone(&w));
    let c = b.lease(w);
    assert!(a.try_acquire());
    assert_eq!(
        c.enqueue(1),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(a.release(), 0);
    assert!(!a.try_acquire(), "the permit went to the queued call");
    assert_eq!(c.take_granted(), vec![1]);
}

#[test]
fn closing_a_lease_returns_held_permits_grants_and_queue_places() {
    let b = Arc::new(SharedBulkhead::new(2, 5));
    let (w, _) = counting_wake();
    let dying = b.lease(Arc::clone(&w));
    let survivor = b.lease(w);
    assert!(dying.try_acquire());
    assert!(dying.try_acquire());
    assert_eq!(
        dying.enqueue(1),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(
        survivor.enqueue(9),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(
        dying.release(),
        1,
        "granted to its own queued call, not collected"
    );
    dying.close();
    assert_eq!(survivor.take_granted(), vec![9]);
    let s = b.cells().snapshot();
    assert_eq!((s.available, s.queued), (1, 0));
    assert!(!dying.try_acquire(), "a closed lease takes nothing");
    dying.close();
    survivor.release();
    assert_eq!(b.cells().snapshot().available, 2);
}

#[test]
fn a_full_queue_refuses_and_leaving_frees_a_place() {
    let b = Arc::new(SharedBulkhead::new(1, 1));
    let (w, _) = counting_wake();
    let a = b.lease(w);
    assert!(a.try_acquire());
    assert_eq!(
        a.enqueue(1),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert!(!a.enqueue(2).queued);
    assert!(a.leave(1));
    assert!(!a.leave(1));
    assert_eq!(
        a.enqueue(2),
        Enqueued {
            queued: true,
            granted_here: 0
        }
    );
    assert_eq!(a.release(), 1);
    assert!(!a.leave(2), "granted: no longer queued");
    assert_eq!(a.take_granted(), vec![2]);
}

/// Threads take, queue, release and die at random; the peak never exceeds the permits and
/// every permit comes back.
#[test]
fn threads_never_exceed_the_permits_and_lose_none() {
    use std::sync::atomic::AtomicI32;
    use std::sync::{Condvar, Mutex as StdMutex};
    const PERMITS: u32 = 3;
    let b = Arc::new(SharedBulkhead::new(PERMITS, 1000));
    let running = Arc::new(AtomicI32::new(0));
    let peak = Arc::new(AtomicI32::new(0));
    let handles: Vec<_> = (0..6)
        .map(|t| {
            let b = Arc::clone(&b);
            let running = Arc::clone(&running);
            let peak = Arc::clone(&peak);
            std::thread::spawn(move || {
                let signal = Arc::new((StdMutex::new(false), Condvar::new()));
                let s = Arc::clone(&signal);
                let lease = b.lease(Arc::new(move || {
                    *s.0.lock().unwrap() = true;
                    s.1.notify_one();
                }));
                for i in 0..2000u32 {
                    if !lease.try_acquire() {
                        if !lease.enqueue(i).queued {
                            continue;
                        }
                        loop {
                            if !lease.take_granted().is_empty() {
                                break;
                            }
                            let mut ready = signal.0.lock().unwrap();
                            if !*ready {
                                ready = signal
                                    .1
                                    .wait_timeout(ready, std::time::Duration::from_millis(5))
                                    .unwrap()
                                    .0;
                            }
                            *ready = false;
                        }
                    }
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    running.fetch_sub(1, SeqCst);
                    if t == 0 && i == 1500 {
                        return; // dies holding a permit: the drop closes the lease
                    }
                    // One call at a time per thread: a release never grants to this lease.
                    assert_eq!(lease.release(), 0);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(peak.load(SeqCst) <= PERMITS as i32);
    let s = b.cells().snapshot();
    assert_eq!((s.available, s.queued), (PERMITS, 0));
}
