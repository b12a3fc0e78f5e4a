//! Sleeping to a deadline with sub-millisecond precision, cheaply.
//!
//! Tokio's timer fires on whole milliseconds, which would make a "10 ms a
//! token" vendor a 10–11 ms one. One thread holds every pending deadline in
//! a heap and sleeps on a condition variable until the earliest (the kernel's
//! high-resolution timers wake it within tens of microseconds), then wakes
//! the tasks that are due. A thread per sleep, or a blocking-pool task per
//! streamed token, would cost more CPU than the vendor it simulates: with
//! 256 streams of 100 tokens a second that is 25,600 sleeps a second.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Deadlines this close to the earliest due one fire with it: one wake-up
/// of the timer thread (and of the runtime) for the lot, instead of one
/// each. A token leaves at most this much early.
const SLACK: Duration = Duration::from_micros(250);

struct Pending {
    deadline: Instant,
    /// Insertion order, so that equal deadlines fire first come, first served.
    order: u64,
    waker: Waker,
    fired: Arc<AtomicBool>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.order) == (other.deadline, other.order)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.order).cmp(&(other.deadline, other.order))
    }
}

#[derive(Default)]
struct Heap {
    pending: BinaryHeap<Reverse<Pending>>,
    next_order: u64,
}

struct Timer {
    heap: Mutex<Heap>,
    changed: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let t: &'static Timer =
            Box::leak(Box::new(Timer { heap: Mutex::new(Heap::default()), changed: Condvar::new() }));
        std::thread::Builder::new()
            .name("mock-precise-timer".into())
            .spawn(move || fire_forever(t))
            .expect("the mock's timer thread starts");
        t
    })
}

fn fire_forever(t: &'static Timer) {
    let mut heap = t.heap.lock().unwrap_or_else(|e| e.into_inner());
    let mut due = Vec::new();
    loop {
        let now = Instant::now();
        while heap.pending.peek().is_some_and(|p| p.0.deadline <= now + SLACK) {
            due.push(heap.pending.pop().expect("peeked").0);
        }
        if !due.is_empty() {
            // Wake outside the lock: a woken task may register its next sleep at once.
            drop(heap);
            for p in due.drain(..) {
                p.fired.store(true, Ordering::Release);
                p.waker.wake();
            }
            heap = t.heap.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        heap = match heap.pending.peek().map(|p| p.0.deadline) {
            Some(next) => t.changed.wait_timeout(heap, next - now).unwrap_or_else(|e| e.into_inner()).0,
            None => t.changed.wait(heap).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// Completes at `deadline`, to within tens of microseconds.
pub struct PreciseSleep {
    deadline: Instant,
    fired: Option<Arc<AtomicBool>>,
}

impl Future for PreciseSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.fired.as_ref().is_some_and(|f| f.load(Ordering::Acquire)) || Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        // Registered again on every poll that finds it not yet due: the waker may have changed.
        let fired = Arc::new(AtomicBool::new(false));
        let t = timer();
        {
            let mut heap = t.heap.lock().unwrap_or_else(|e| e.into_inner());
            let order = heap.next_order;
            heap.next_order += 1;
            heap.pending.push(Reverse(Pending {
                deadline: self.deadline,
                order,
                waker: cx.waker().clone(),
                fired: fired.clone(),
            }));
        }
        t.changed.notify_one();
        self.fired = Some(fired);
        Poll::Pending
    }
}

/// Sleeps until `deadline` with sub-millisecond precision.
pub fn sleep_until(deadline: Instant) -> PreciseSleep {
    PreciseSleep { deadline, fired: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleeps_end_within_a_fraction_of_a_millisecond() {
        let mut late = Vec::new();
        for i in 0..50u64 {
            let deadline = Instant::now() + Duration::from_micros(1500 + 37 * i);
            sleep_until(deadline).await;
            late.push(Instant::now().duration_since(deadline));
        }
        late.sort();
        // The median wake-up within 0.3 ms of the deadline (tokio's own timer: up to 1 ms).
        assert!(late[25] < Duration::from_micros(300), "median lateness {:?}", late[25]);
    }

    #[tokio::test]
    async fn many_sleeps_at_once_all_end() {
        let start = Instant::now();
        let tasks: Vec<_> = (0..500u64)
            .map(|i| tokio::spawn(sleep_until(start + Duration::from_micros(2000 + (i % 17) * 100))))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(start.elapsed() >= Duration::from_micros(3600));
    }
}
