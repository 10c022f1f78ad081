//! The SSE `id:` cursor. It lives in `herald-core` (`herald_core::cursor`) because delivery sends
//! the same cursor with every webhook (`herald-cursor`), so a receiver can resume a stream from it.

pub use herald_core::cursor::*;
