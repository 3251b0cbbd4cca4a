//! One waker per JS thread (main or worker), for process-wide bulkheads.
//!
//! - **Wake-ups across threads.** A permit released in thread B for a call queued in thread A is
//!   *granted* natively; A learns of it through its waker: a Node-API thread-safe function that
//!   runs A's JS `onGrants()` callbacks on A's event loop (one per copy of the JS library loaded
//!   in the thread: test runners and hot reload load several). Calls are coalesced (one pending
//!   wake-up per thread at a time). The function is unref'd unless some copy has queued calls,
//!   so it never keeps a thread alive by itself. Nothing spins.
//! - **Leases die with their thread.** Every lease a thread opens is listed here; an env cleanup
//!   hook closes them all when the thread ends — including `worker.terminate()` mid-call — so the
//!   permits a dead thread held go back to the pool and its queued calls leave the queue.
//!
//! The cleanup hook is added right after the thread-safe function is created; Node runs cleanup
//! hooks in reverse order, so ours runs first: it detaches the function (other threads stop
//! calling it) before Node finalizes it.

// Free `#[napi]` functions are registered only outside `cfg(test)`, so unit-test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

use super::raw::check;
use crate::engine::shared_bulkhead::{Lease, Wake};
use napi::{sys, Env, Result};
use parking_lot::Mutex;
use std::cell::RefCell;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

/// The cross-thread handle of one thread's waker.
struct Waker {
    /// The thread-safe function; `None` once the thread is ending.
    function: Mutex<Option<SendPtr>>,
    /// A wake-up is queued and not yet delivered.
    pending: AtomicBool,
}

/// A thread-safe function pointer (Node-API allows calling it from any thread while it lives).
#[derive(Clone, Copy)]
struct SendPtr(sys::napi_threadsafe_function);
// SAFETY: `napi_call_threadsafe_function` may be called from any thread; the pointer is only used
// under `Waker::function`'s lock, which the owning thread clears before the function is finalized.
unsafe impl Send for SendPtr {}

impl Waker {
    fn wake(&self) {
        if self.pending.swap(true, Ordering::AcqRel) {
            return; // one delivery collects every grant
        }
        if let Some(function) = *self.function.lock() {
            // SAFETY: the function is alive while it is stored (see the module docs).
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    function.0,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                self.pending.store(false, Ordering::Release); // not queued: let a later wake try
            }
        }
    }
}

/// This thread's waker and leases.
struct ThreadState {
    waker: Arc<Waker>,
    function: sys::napi_threadsafe_function,
    env: sys::napi_env,
    leases: Vec<Weak<Lease>>,
    /// The `onGrants` of each copy of the JS library in this thread (strong references).
    callbacks: Vec<sys::napi_ref>,
    /// Copies of the JS library with queued calls; the function is ref'd while > 0.
    waiting: i64,
    referenced: bool,
}

thread_local! {
    static THREAD: RefCell<Option<ThreadState>> = const { RefCell::new(None) };
}

/// Runs on the owning thread for each delivered wake-up: clears `pending`, then calls every
/// `onGrants`. A callback that throws does not stop the others; the first error is rethrown.
unsafe extern "C" fn deliver(
    env: sys::napi_env,
    _function: sys::napi_value,
    _context: *mut std::ffi::c_void,
    _data: *mut std::ffi::c_void,
) {
    if env.is_null() {
        return; // the thread is ending
    }
    let callbacks: Vec<sys::napi_value> = THREAD.with(|t| {
        let t = t.borrow();
        let Some(state) = t.as_ref() else {
            return Vec::new();
        };
        state.waker.pending.store(false, Ordering::Release);
        state
            .callbacks
            .iter()
            .filter_map(|&r| {
                let mut value = ptr::null_mut();
                (sys::napi_get_reference_value(env, r, &mut value) == sys::Status::napi_ok
                    && !value.is_null())
                .then_some(value)
            })
            .collect()
    });
    let mut undefined = ptr::null_mut();
    sys::napi_get_undefined(env, &mut undefined);
    let mut first_error: sys::napi_value = ptr::null_mut();
    for callback in callbacks {
        let status =
            sys::napi_call_function(env, undefined, callback, 0, ptr::null(), ptr::null_mut());
        if status != sys::Status::napi_ok {
            let mut error = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut error);
            if first_error.is_null() {
                first_error = error;
            }
        }
    }
    if !first_error.is_null() {
        sys::napi_throw(env, first_error);
    }
}

/// Closes this thread's leases and detaches its waker. Runs when the thread's env is torn down.
fn on_thread_end(_: ()) {
    let state = THREAD.with(|t| t.borrow_mut().take());
    if let Some(state) = state {
        *state.waker.function.lock() = None;
        for lease in state.leases.iter().filter_map(Weak::upgrade) {
            lease.close();
        }
    }
}

/// Adds `on_grants` to this thread's callbacks (one per copy of the JS library), creating the
/// thread's waker the first time: the callbacks are called on this thread whenever permits were
/// granted to its queued calls by another thread.
pub fn install(env: &Env, on_grants: sys::napi_value) -> Result<()> {
    if THREAD.with(|t| t.borrow().is_none()) {
        create(env)?;
    }
    let mut reference = ptr::null_mut();
    // SAFETY: on the JS thread of `env`, with a function value of this env.
    check(
        unsafe { sys::napi_create_reference(env.raw(), on_grants, 1, &mut reference) },
        "napi_create_reference",
    )?;
    THREAD.with(|t| {
        if let Some(state) = t.borrow_mut().as_mut() {
            state.callbacks.push(reference);
        }
    });
    Ok(())
}

/// Creates this thread's waker and its cleanup hook.
fn create(env: &Env) -> Result<()> {
    let mut name = ptr::null_mut();
    let mut function = ptr::null_mut();
    // SAFETY: called on the JS thread of `env`, with a function value of this env.
    unsafe {
        check(
            sys::napi_create_string_utf8(
                env.raw(),
                c"bulwark bulkhead wake-up".as_ptr(),
                24,
                &mut name,
            ),
            "napi_create_string_utf8",
        )?;
        check(
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(), // no JS function: `deliver` calls the callbacks
                ptr::null_mut(),
                name,
                0,
                1,
                ptr::null_mut(),
                None,
                ptr::null_mut(),
                Some(deliver),
                &mut function,
            ),
            "napi_create_threadsafe_function",
        )?;
        check(
            sys::napi_unref_threadsafe_function(env.raw(), function),
            "napi_unref_threadsafe_function",
        )?;
    }
    env.add_env_cleanup_hook((), on_thread_end)?;
    let waker = Arc::new(Waker {
        function: Mutex::new(Some(SendPtr(function))),
        pending: AtomicBool::new(false),
    });
    THREAD.with(|t| {
        *t.borrow_mut() = Some(ThreadState {
            waker,
            function,
            env: env.raw(),
            leases: Vec::new(),
            callbacks: Vec::new(),
            waiting: 0,
            referenced: false,
        })
    });
    Ok(())
}

/// The wake for a new lease of this thread, which is listed to be closed when the thread ends.
/// `None` before [`install`].
pub fn wake_for_new_lease() -> Option<Wake> {
    THREAD.with(|t| {
        t.borrow().as_ref().map(|state| {
            let waker = Arc::clone(&state.waker);
            Arc::new(move || waker.wake()) as Wake
        })
    })
}

/// Lists `lease` to be closed when this thread ends (dead entries are dropped on the way).
pub fn track(lease: &Arc<Lease>) {
    THREAD.with(|t| {
        if let Some(state) = t.borrow_mut().as_mut() {
            state.leases.retain(|l| l.strong_count() > 0);
            state.leases.push(Arc::downgrade(lease));
        }
    });
}

/// One more (`+1`) or one fewer (`-1`) copy of the JS library in this thread has calls queued on
/// a process-wide bulkhead; the thread is kept alive while any has.
pub fn keep_alive(delta: i32) -> Result<()> {
    THREAD.with(|t| {
        let mut t = t.borrow_mut();
        let Some(state) = t.as_mut() else {
            return Ok(());
        };
        state.waiting = (state.waiting + i64::from(delta)).max(0);
        let keep = state.waiting > 0;
        if state.referenced == keep {
            return Ok(());
        }
        state.referenced = keep;
        // SAFETY: on the owning thread, with its env, while the function lives.
        let status = unsafe {
            if keep {
                sys::napi_ref_threadsafe_function(state.env, state.function)
            } else {
                sys::napi_unref_threadsafe_function(state.env, state.function)
            }
        };
        check(status, "napi_(un)ref_threadsafe_function")
    })
}
