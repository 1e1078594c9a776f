//! Basic auth must not tell, by its time, whether a user exists (issue 11, item 1).
//! Known users of two bcrypt costs; unknown names must each take the time of one of
//! them. Compared as distributions (medians and middle halves of interleaved rounds),
//! never single requests.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use exporter_core::http::WebConfig;

fn header(user: &str, password: &str) -> Vec<u8> {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
    .into_bytes()
}

/// (25th percentile, median, 75th percentile).
fn quartiles(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    let n = times.len();
    (times[n / 4], times[n / 2], times[(3 * n) / 4])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_take_the_time_of_known_ones() {
    // Costs 4 and 7: an 8x gap, the same shape as htpasswd's default 5 against a 10.
    let cheap = bcrypt::hash("cheap-pw", 4).unwrap();
    let dear = bcrypt::hash("dear-pw", 7).unwrap();
    let config = WebConfig::from_yaml(
        &format!("basic_auth_users:\n  cheap: {cheap}\n  dear: {dear}\n"),
        ".".as_ref(),
    )
    .unwrap();
    let known = ["cheap", "dear"];
    let unknown = ["mallory", "root", "admin", "eve", "prometheus", "zz"];
    let names: Vec<&str> = known.iter().chain(&unknown).copied().collect();
    let mut times = vec![Vec::new(); names.len()];
    // Interleaved rounds, so load on the machine hits every name alike; wrong passwords
    // (a right one would be cached), bounded in count.
    for _ in 0..21 {
        for (i, name) in names.iter().enumerate() {
            let h = header(name, "wrong");
            let start = Instant::now();
            assert!(!config.check_basic_auth(Some(&h)).await);
            times[i].push(start.elapsed());
        }
    }
    let q: Vec<_> = times.into_iter().map(quartiles).collect();
    let (cheap_q, dear_q) = (q[0], q[1]);
    assert!(
        dear_q.1 > cheap_q.1 * 3,
        "the two costs should differ clearly: {cheap_q:?} vs {dear_q:?}"
    );
    // Each unknown name's middle half overlaps the middle half of one known user
    // (widened by a quarter, for a loaded machine), and its median is near theirs.
    let overlaps = |a: (Duration, Duration, Duration), b: (Duration, Duration, Duration)| {
        let lo = b.0.mul_f64(0.75);
        let hi = b.2.mul_f64(1.25);
        a.0 <= hi && a.2 >= lo && a.1 >= b.1.mul_f64(0.5) && a.1 <= b.1.mul_f64(2.0)
    };
    let mut matched = [0, 0];
    for (name, uq) in unknown.iter().zip(&q[2..]) {
        let with_cheap = overlaps(*uq, cheap_q);
        let with_dear = overlaps(*uq, dear_q);
        assert!(
            with_cheap || with_dear,
            "unknown user {name} ({uq:?}) is unlike both known users (cheap {cheap_q:?}, dear {dear_q:?})"
        );
        matched[usize::from(with_dear && !with_cheap)] += 1;
    }
    eprintln!("cheap {cheap_q:?}, dear {dear_q:?}, unknown names like cheap/dear: {matched:?}");
}
