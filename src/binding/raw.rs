//! Raw Node-API plumbing for per-call functions.
//!
//! A function made by [`bound_function`] carries a boxed value as its callback data, so each call
//! reaches its native object without parsing a handle, unwrapping `this` or taking a lock; the box
//! is dropped when the function is garbage-collected. [`int32_view`] lets JS read an atomic cell
//! (the breaker's gate) with a plain typed-array load. Every callback body runs inside [`guard`],
//! so a panic becomes a thrown JS error instead of crossing into Node.

use napi::{sys, Env, Error, Result, Status};
use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicU32};

/// A raw Node-API callback.
pub type RawCallback =
    unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// `Ok` for `napi_ok`, else an error naming the call `what` and the status.
pub fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("{what} failed with napi status {status}"),
        ))
    }
}

unsafe extern "C" fn drop_data<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data.cast::<T>()));
}

unsafe extern "C" fn drop_hint<T>(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    drop(Box::from_raw(hint.cast::<T>()));
}

/// A JS function named `name` that runs `callback` with `data` as its callback data.
pub fn bound_function<T: 'static>(
    env: &Env,
    name: &CStr,
    callback: RawCallback,
    data: T,
) -> Result<sys::napi_value> {
    let data = Box::into_raw(Box::new(data)).cast::<c_void>();
    let mut function = ptr::null_mut();
    // SAFETY: `env` is the live env of this call; `data` stays valid until the finalizer runs.
    unsafe {
        let status = sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(callback),
            data,
            &mut function,
        );
        if let Err(e) = check(status, "napi_create_function") {
            drop(Box::from_raw(data.cast::<T>()));
            return Err(e);
        }
        check(
            sys::napi_add_finalizer(
                env.raw(),
                function,
                data,
                Some(drop_data::<T>),
                ptr::null_mut(),
                ptr::null_mut(),
            ),
            "napi_add_finalizer",
        )?;
    }
    Ok(function)
}

/// An `Int32Array` of length 1 over `cell`; `owner` (which must keep `cell` alive) is held until
/// the array is garbage-collected.
pub fn int32_view<T: 'static>(env: &Env, cell: &AtomicU32, owner: T) -> Result<sys::napi_value> {
    int32_array_view(env, cell.as_ptr().cast::<AtomicI32>(), 1, owner)
}

/// An `Int32Array` over `len` cells starting at `cells`; `owner` (which must keep the cells alive)
/// is held until the array is garbage-collected.
pub fn int32_array_view<T: 'static>(
    env: &Env,
    cells: *const AtomicI32,
    len: usize,
    owner: T,
) -> Result<sys::napi_value> {
    typed_array_view(
        env,
        cells.cast(),
        len,
        4,
        sys::TypedarrayType::int32_array,
        owner,
    )
}

/// A typed array of `len` elements of `element_size` bytes over native memory at `data`, keeping
/// `owner` (which must keep that memory alive) until the array is garbage-collected.
fn typed_array_view<T: 'static>(
    env: &Env,
    data: *const u8,
    len: usize,
    element_size: usize,
    kind: sys::napi_typedarray_type,
    owner: T,
) -> Result<sys::napi_value> {
    let owner = Box::into_raw(Box::new(owner)).cast::<c_void>();
    let mut buffer = ptr::null_mut();
    let mut view = ptr::null_mut();
    // SAFETY: the memory lives as long as `owner`, which the buffer's finalizer drops last.
    unsafe {
        let status = sys::napi_create_external_arraybuffer(
            env.raw(),
            data.cast_mut().cast::<c_void>(),
            len * element_size,
            Some(drop_hint::<T>),
            owner,
            &mut buffer,
        );
        if let Err(e) = check(status, "napi_create_external_arraybuffer") {
            drop(Box::from_raw(owner.cast::<T>()));
            return Err(e);
        }
        check(
            sys::napi_create_typedarray(env.raw(), kind, len, buffer, 0, &mut view),
            "napi_create_typedarray",
        )?;
    }
    Ok(view)
}

/// The callback data and the first `N` arguments (missing ones are `undefined`).
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the running callback.
pub unsafe fn callback_args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> (*mut c_void, [sys::napi_value; N]) {
    let (data, argv, _) = callback_args_counted::<N>(env, info);
    (data, argv)
}

/// Like [`callback_args`], plus how many arguments the caller passed.
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the running callback.
pub unsafe fn callback_args_counted<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> (*mut c_void, [sys::napi_value; N], usize) {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let mut data = ptr::null_mut();
    sys::napi_get_cb_info(
        env,
        info,
        &mut argc,
        argv.as_mut_ptr(),
        ptr::null_mut(),
        &mut data,
    );
    (data, argv, argc)
}

/// A number argument as `f64`, or `None` when it is not a number.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn number(env: sys::napi_env, value: sys::napi_value) -> Option<f64> {
    let mut out = 0.0;
    (sys::napi_get_value_double(env, value, &mut out) == sys::Status::napi_ok).then_some(out)
}

/// An `i32` argument, or `None` when it is not a number.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn int32(env: sys::napi_env, value: sys::napi_value) -> Option<i32> {
    let mut out = 0;
    (sys::napi_get_value_int32(env, value, &mut out) == sys::Status::napi_ok).then_some(out)
}

/// A JS number for `value`.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn js_int32(env: sys::napi_env, value: i32) -> sys::napi_value {
    let mut out = ptr::null_mut();
    sys::napi_create_int32(env, value, &mut out);
    out
}

/// Throws a `TypeError` with `message` and returns the "no value" result.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn throw_type_error(env: sys::napi_env, message: &CStr) -> sys::napi_value {
    sys::napi_throw_type_error(
        env,
        c"ERR_BULWARK_INVALID_ARGUMENT".as_ptr(),
        message.as_ptr(),
    );
    ptr::null_mut()
}

/// Runs a callback body; a panic is caught and thrown as a JS `Error` (it must not unwind into Node).
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn guard(env: sys::napi_env, body: impl FnOnce() -> sys::napi_value) -> sys::napi_value {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(_) => {
            sys::napi_throw_error(
                env,
                c"ERR_BULWARK_INTERNAL".as_ptr(),
                c"bulwark: internal error (a native panic was caught)".as_ptr(),
            );
            ptr::null_mut()
        }
    }
}

/// A `Float64Array` over `len` cells starting at `cells` (each an `AtomicU64` holding `f64` bits,
/// written by the thread that owns the view); `owner` is held until the array is collected.
pub fn float64_array_view<T: 'static>(
    env: &Env,
    cells: *const std::sync::atomic::AtomicU64,
    len: usize,
    owner: T,
) -> Result<sys::napi_value> {
    typed_array_view(
        env,
        cells.cast(),
        len,
        8,
        sys::TypedarrayType::float64_array,
        owner,
    )
}

/// An object whose properties are raw functions, each bound to its own `data()`.
pub fn function_table<'env, T: 'static>(
    env: &'env Env,
    entries: &[(&str, &CStr, RawCallback)],
    data: impl Fn() -> T,
) -> Result<napi::bindgen_prelude::Object<'env>> {
    use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
    let mut table = Object::new(env)?;
    for &(key, name, callback) in entries {
        let f = bound_function(env, name, callback, data())?;
        // SAFETY: `f` was just created in this env.
        table.set_named_property(key, unsafe { Unknown::from_raw_unchecked(env.raw(), f) })?;
    }
    Ok(table)
}

/// A string argument, read without allocating when it is shorter than 256 bytes; `None` when it
/// is not a string.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn with_str<R>(
    env: sys::napi_env,
    value: sys::napi_value,
    body: impl FnOnce(&str) -> R,
) -> Option<R> {
    let mut stack = [0u8; 256];
    let mut len = 0usize;
    if sys::napi_get_value_string_utf8(env, value, stack.as_mut_ptr().cast(), stack.len(), &mut len)
        != sys::Status::napi_ok
    {
        return None;
    }
    if len < stack.len() - 1 {
        return Some(body(std::str::from_utf8_unchecked(&stack[..len])));
    }
    let mut full = 0usize;
    sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut full);
    let mut heap = vec![0u8; full + 1];
    sys::napi_get_value_string_utf8(env, value, heap.as_mut_ptr().cast(), heap.len(), &mut len);
    Some(body(std::str::from_utf8_unchecked(&heap[..len])))
}

/// A JS boolean.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn js_bool(env: sys::napi_env, value: bool) -> sys::napi_value {
    let mut out = ptr::null_mut();
    sys::napi_get_boolean(env, value, &mut out);
    out
}

/// A JS number.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn js_number(env: sys::napi_env, value: f64) -> sys::napi_value {
    let mut out = ptr::null_mut();
    sys::napi_create_double(env, value, &mut out);
    out
}

/// Throws a `RangeError` with `message` and returns the "no value" result.
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn throw_range_error(env: sys::napi_env, message: &str) -> sys::napi_value {
    let text = std::ffi::CString::new(message).unwrap_or_default();
    sys::napi_throw_range_error(env, c"ERR_BULWARK_INVALID_ARGUMENT".as_ptr(), text.as_ptr());
    ptr::null_mut()
}

/// Whether an argument is `undefined` (not given).
///
/// # Safety
/// `env` must be the running callback's env.
pub unsafe fn is_undefined(env: sys::napi_env, value: sys::napi_value) -> bool {
    let mut kind = sys::ValueType::napi_undefined;
    value.is_null()
        || (sys::napi_typeof(env, value, &mut kind) == sys::Status::napi_ok
            && kind == sys::ValueType::napi_undefined)
}
