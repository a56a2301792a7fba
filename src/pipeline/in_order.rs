//! Map the items of a slice on several threads and hand the results on in input order, each
//! as soon as every earlier one has been handed on: a stream, with no batch barrier between
//! one part of the input and the next, so the first results come out early and a slow item
//! holds up only what comes after it.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How far the handing on has come; the mapping threads wait on it.
struct Handed {
    /// Results handed on so far.
    count: usize,
    /// Set when handing on failed: the threads stop taking items.
    stopped: bool,
}

fn lock(m: &Mutex<Handed>) -> MutexGuard<'_, Handed> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Map every item with `map` on `threads` threads and call `hand_on` with `Some(result)` for
/// each, in input order, on the calling thread. Before waiting for a result that is not ready,
/// it calls `hand_on(None)` (the moment to flush what was written). At most `window` results
/// are mapped ahead of the last one handed on, which bounds the memory they hold. The first
/// error of `hand_on` stops the threads taking new items and is returned.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    window: usize,
    map: &(dyn Fn(&T) -> R + Sync),
    hand_on: &mut dyn FnMut(Option<R>) -> io::Result<()>,
) -> io::Result<()> {
    let window = window.max(1);
    let next = AtomicUsize::new(0);
    let handed = Mutex::new(Handed {
        count: 0,
        stopped: false,
    });
    let room = Condvar::new();
    let (results, ready) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(items.len()) {
            let results = results.clone();
            let (next, handed, room) = (&next, &handed, &room);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let mut state = lock(handed);
                while !state.stopped && i >= state.count + window {
                    state = room.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
                if state.stopped {
                    break;
                }
                drop(state);
                if results.send((i, map(item))).is_err() {
                    break;
                }
            });
        }
        drop(results);
        let outcome = hand_on_in_order(&ready, &handed, &room, hand_on);
        if outcome.is_err() {
            lock(&handed).stopped = true;
            room.notify_all();
        }
        outcome
    })
}

/// The calling thread's part of [`map_in_order`]: receive results, put them back in order
/// and hand them on, until every mapping thread has finished.
fn hand_on_in_order<R>(
    ready: &mpsc::Receiver<(usize, R)>,
    handed: &Mutex<Handed>,
    room: &Condvar,
    hand_on: &mut dyn FnMut(Option<R>) -> io::Result<()>,
) -> io::Result<()> {
    let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
    let mut count = 0;
    loop {
        let (i, result) = match ready.try_recv() {
            Ok(received) => received,
            Err(TryRecvError::Empty) => {
                hand_on(None)?;
                match ready.recv() {
                    Ok(received) => received,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        waiting.insert(i, result);
        let before = count;
        while let Some(result) = waiting.remove(&count) {
            hand_on(Some(result))?;
            count += 1;
        }
        if count > before {
            lock(handed).count = count;
            room.notify_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_in_input_order_whatever_order_they_finish_in() {
        let items: Vec<u64> = (0..200).collect();
        let slow = |n: &u64| {
            std::thread::sleep(Duration::from_micros((n * 7919) % 13 * 100));
            n * 2
        };
        let mut got = Vec::new();
        map_in_order(&items, 4, 16, &slow, &mut |r| {
            got.extend(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, items.iter().map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_item_is_mapped_more_than_a_window_ahead() {
        let items: Vec<usize> = (0..100).collect();
        let handed = AtomicUsize::new(0);
        let ahead = AtomicUsize::new(0);
        let map = |i: &usize| {
            let gap = i - handed.load(Ordering::SeqCst);
            ahead.fetch_max(gap, Ordering::SeqCst);
            *i
        };
        map_in_order(&items, 3, 5, &map, &mut |r| {
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
    fn an_error_handing_on_stops_the_mapping() {
        let items: Vec<usize> = (0..10_000).collect();
        let mapped = AtomicUsize::new(0);
        let map = |i: &usize| {
            mapped.fetch_add(1, Ordering::SeqCst);
            *i
        };
        let result = map_in_order(&items, 2, 8, &map, &mut |r| match r {
            Some(3) => Err(io::Error::other("disk full")),
            _ => Ok(()),
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert!(mapped.load(Ordering::SeqCst) < 100);
    }

    #[test]
    fn an_empty_input_hands_on_nothing() {
        let mut calls = 0;
        map_in_order(&[] as &[u8], 2, 8, &|b: &u8| *b, &mut |r| {
            assert!(r.is_none());
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert!(calls <= 1);
    }
}
