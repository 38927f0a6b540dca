//! SQLite's own allocations (its page cache, prepared statements, result rows) through
//! mimalloc, the allocator the rest of the server uses.
//!
//! SQLite calls the C library's `malloc` unless told otherwise, and Rust's global allocator
//! does not reach it. Profiles of `order-list` spent 10 % of their samples in glibc's malloc
//! and free called from SQLite, 3 % of them in `malloc_consolidate` alone (BENCHMARKS.md,
//! change 33). No compile flag moves them: `mem1.c` defines `SQLITE_MALLOC` as the C
//! library's `malloc`, with no way to name another. The switch is made at run time instead,
//! through `sqlite3_config(SQLITE_CONFIG_MALLOC)`, before SQLite initializes.
//!
//! The one module of the workspace that allows `unsafe`: the call, and the functions SQLite
//! calls back, are foreign functions. mimalloc's own `override` feature (replacing `malloc`
//! for the whole process) would need none, but its maintainers advise against it for a
//! statically linked allocator.

#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;

/// Routes every allocation SQLite makes in this process to mimalloc.
///
/// Returns SQLite's result code when it refused, which it does once it has initialized: the
/// allocator can only be chosen before the first connection opens.
///
/// # Safety
/// No other thread may use SQLite while this runs (`sqlite3_config` is not thread-safe):
/// call it at start-up, before the runtime starts.
pub unsafe fn allocate_sqlite_with_mimalloc() -> Result<(), c_int> {
    let methods = sqlite::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: the caller guarantees no other thread is inside SQLite. SQLite copies the
    // methods out of the struct before returning, so a local outlives its use; the variadic
    // argument is the pointer the option documents.
    let code = unsafe { sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MALLOC, &raw const methods) };
    if code == sqlite::SQLITE_OK {
        Ok(())
    } else {
        Err(code)
    }
}

/// A byte count SQLite passed in, which it never makes negative.
fn bytes(n: c_int) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// A size back to SQLite, which counts in `int`.
fn int(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
    // SAFETY: any size is valid; mimalloc's blocks are 16-byte aligned, above SQLite's 8.
    unsafe { mi::mi_malloc(bytes(n)) }
}

unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: SQLite frees only what `malloc` or `realloc` above returned.
    unsafe { mi::mi_free(p) }
}

unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as for `free`.
    unsafe { mi::mi_realloc(p, bytes(n)) }
}

unsafe extern "C" fn size(p: *mut c_void) -> c_int {
    // SAFETY: as for `free`; mimalloc answers 0 for a null pointer, as SQLite expects.
    int(unsafe { mi::mi_usable_size(p) })
}

unsafe extern "C" fn roundup(n: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    int(unsafe { mi::mi_good_size(bytes(n)) })
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}
