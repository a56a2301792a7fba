//! Results made on several threads, handed on in input order by one thread: each result as
//! soon as every earlier one has been handed on (a stream, with no batch barrier between one
//! part of the input and the next, so the first results come out early and a slow item holds
//! up only what comes after it). The producing threads never wake the handing thread for
//! each result: it looks for results every few milliseconds, or when many are waiting, so a
//! result costs no thread switch.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long finished results may wait for the handing thread.
const TICK: Duration = Duration::from_millis(5);

/// This many results waiting wake the handing thread before its tick.
const WAKE_AT: usize = 64;

/// The items of an input of `len`, claimed by producers and handed on in order.
pub struct InOrder<R> {
    len: usize,
    window: usize,
    state: Mutex<State<R>>,
    /// Producers wait here for room in the window.
    room: Condvar,
    /// The handing thread waits here for results.
    ready: Condvar,
}

struct State<R> {
    /// Items claimed so far.
    claimed: usize,
    /// Results handed on so far.
    handed: usize,
    /// Results made and not yet handed on, by item.
    waiting: BTreeMap<usize, R>,
    /// Set when handing on failed: no more items are claimed.
    stopped: bool,
}

impl<R> InOrder<R> {
    /// Items `0..len`, at most `window` of them made ahead of the last one handed on (which
    /// bounds the memory the waiting results hold).
    pub fn new(len: usize, window: usize) -> Self {
        InOrder {
            len,
            window: window.max(1),
            state: Mutex::new(State {
                claimed: 0,
                handed: 0,
                waiting: BTreeMap::new(),
                stopped: false,
            }),
            room: Condvar::new(),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next item to make, once it is less than a window ahead of the results handed on;
    /// `None` when every item is claimed or handing on has stopped.
    pub fn claim(&self) -> Option<usize> {
        let mut state = self.lock();
        loop {
            if state.stopped || state.claimed >= self.len {
                return None;
            }
            if state.claimed < state.handed + self.window {
                state.claimed += 1;
                return Some(state.claimed - 1);
            }
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The result of item `item` (claimed before).
    pub fn put(&self, item: usize, result: R) {
        let mut state = self.lock();
        state.waiting.insert(item, result);
        if state.waiting.len() >= WAKE_AT || state.handed + state.waiting.len() >= self.len {
            self.ready.notify_one();
        }
    }

    /// On the calling thread: call `hand_on` with `Some(result)` for every item, in order,
    /// and with `None` after each run of results handed on (the moment to flush what was
    /// written), until every item is handed on. The first error of `hand_on` stops the
    /// claiming of new items and is returned.
    pub fn hand_on(&self, hand_on: &mut dyn FnMut(Option<R>) -> io::Result<()>) -> io::Result<()> {
        let outcome = self.hand_on_all(hand_on);
        if outcome.is_err() {
            self.lock().stopped = true;
            self.room.notify_all();
        }
        outcome
    }

    fn hand_on_all(&self, hand_on: &mut dyn FnMut(Option<R>) -> io::Result<()>) -> io::Result<()> {
        let mut run = Vec::new();
        loop {
            let mut state = self.lock();
            if state.handed >= self.len {
                return Ok(());
            }
            let handed = state.handed;
            while let Some(result) = state.waiting.remove(&(handed + run.len())) {
                run.push(result);
            }
            if run.is_empty() {
                drop(
                    self.ready
                        .wait_timeout(state, TICK)
                        .unwrap_or_else(PoisonError::into_inner),
                );
                continue;
            }
            drop(state);
            let count = run.len();
            for result in run.drain(..) {
                hand_on(Some(result))?;
            }
            hand_on(None)?;
            self.lock().handed += count;
            self.room.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Make every item of `0..len` on `threads` threads with `make`, handing them on with `hand`.
    fn run(
        len: usize,
        threads: usize,
        window: usize,
        make: &(dyn Fn(usize) -> usize + Sync),
        hand: &mut dyn FnMut(Option<usize>) -> io::Result<()>,
    ) -> io::Result<()> {
        let in_order = InOrder::new(len, window);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    while let Some(i) = in_order.claim() {
                        in_order.put(i, make(i));
                    }
                });
            }
            in_order.hand_on(hand)
        })
    }

    #[test]
    fn results_come_in_input_order_whatever_order_they_finish_in() {
        let slow = |n: usize| {
            std::thread::sleep(Duration::from_micros((n as u64 * 7919) % 13 * 100));
            n * 2
        };
        let mut got = Vec::new();
        run(200, 4, 16, &slow, &mut |r| {
            got.extend(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, (0..200).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_item_is_made_a_window_ahead() {
        let handed = AtomicUsize::new(0);
        let ahead = AtomicUsize::new(0);
        let make = |i: usize| {
            ahead.fetch_max(i - handed.load(Ordering::SeqCst), Ordering::SeqCst);
            i
        };
        run(100, 3, 5, &make, &mut |r| {
            if r.is_some() {
                std::thread::sleep(Duration::from_micros(200));
                handed.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
        .unwrap();
        assert!(ahead.load(Ordering::SeqCst) < 5);
    }

    #[test]
    fn an_error_handing_on_stops_the_making() {
        let made = AtomicUsize::new(0);
        let make = |i: usize| {
            made.fetch_add(1, Ordering::SeqCst);
            i
        };
        let result = run(10_000, 2, 8, &make, &mut |r| match r {
            Some(3) => Err(io::Error::other("disk full")),
            _ => Ok(()),
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert!(made.load(Ordering::SeqCst) < 100);
    }

    #[test]
    fn an_empty_input_hands_on_nothing() {
        let mut calls = 0;
        run(0, 2, 8, &|i| i, &mut |_| {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_lone_result_is_handed_on_within_a_tick_or_so() {
        let in_order = InOrder::new(2, 8);
        let started = std::time::Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let first = in_order.claim().unwrap();
                in_order.put(first, started.elapsed());
                std::thread::sleep(Duration::from_millis(300));
                let second = in_order.claim().unwrap();
                in_order.put(second, started.elapsed());
            });
            let mut lags = Vec::new();
            in_order
                .hand_on(&mut |r| {
                    if let Some(made) = r {
                        lags.push(started.elapsed() - made);
                    }
                    Ok(())
                })
                .unwrap();
            // The first waits for no later one: it is out long before the second is made.
            assert!(lags[0] < Duration::from_millis(200), "{lags:?}");
        });
    }
}
