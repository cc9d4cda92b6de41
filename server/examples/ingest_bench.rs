//! Ingest benchmark: plain batched inserts versus `POST /v1/events` over HTTP on loopback.
//!
//! `cargo run --release -p concierge-server --example ingest_bench` (or `./build.sh bench`)
//! prints a Markdown report. Both measurements use a fresh embedded database of the same kind
//! in the same run, so their ratio shows what HTTP, validation and consent checks cost.

use concierge_server::{app, Config, Db};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EVENTS_PER_BATCH: usize = 20;
/// Under steady load, batches the size agents send: a cart snapshot and the events around it.
const STEADY_EVENTS_PER_BATCH: usize = 5;
const THROUGHPUT_REQUESTS: usize = 4_000;
const CONNECTIONS: usize = 16;
const STEADY_RATE: u64 = 1_000;
const STEADY_SECONDS: u64 = 10;

fn batch(visitor: usize, batch: usize, first: bool) -> String {
    sized_batch(visitor, batch, first, EVENTS_PER_BATCH)
}

fn sized_batch(visitor: usize, batch: usize, first: bool, size: usize) -> String {
    let mut events = Vec::with_capacity(size);
    if first {
        events.push(format!(
            r#"{{"id":"evt_c{visitor:06}x000000","name":"consent","at":1795435200000,"consent":{{"storage":"granted","analytics":"granted"}}}}"#
        ));
    }
    while events.len() < size {
        let n = events.len();
        events.push(format!(
            r#"{{"id":"evt_{visitor:06}x{batch:06}x{n:03}","name":"view_item","at":1795435200000,"items":[{{"item_id":"aurora-x1","item_name":"Aurora X1","item_category":"Phones","price":79900,"quantity":1}}]}}"#
        ));
    }
    format!(
        r#"{{"v":1,"site":"bench","visitor_id":"vis_bench{visitor:010}","secret":"sec_bench{visitor:010}","batch_key":"batch_{visitor:06}x{batch:06}","events":[{}]}}"#,
        events.join(",")
    )
}

/// One keep-alive HTTP/1.1 connection that posts bodies and waits for each answer.
struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    async fn connect(address: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(address).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client { stream, buffer: Vec::with_capacity(4096) }
    }

    async fn post(&mut self, body: &str) -> u16 {
        let request = format!(
            "POST /v1/events HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.expect("write");
        self.buffer.clear();
        loop {
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&self.buffer);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + length {
                    return text[9..12].parse().unwrap_or(0);
                }
            }
        }
    }
}

async fn plain_inserts(db: &Db, batches: usize) -> f64 {
    let started = Instant::now();
    for b in 0..batches {
        db.insert_plain(&format!("vis_plain{b:06}"), EVENTS_PER_BATCH, b).await.expect("insert");
    }
    (batches * EVENTS_PER_BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn serve(dir: &std::path::Path) -> std::net::SocketAddr {
    let db = Db::connect(&Db::sqlite_url(dir)).await.expect("database");
    let www = dir.join("www");
    std::fs::create_dir_all(&www).expect("www");
    let config = Config::for_www(&www);
    let router = app(&config, db).expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    // The production accept loop, with its timeouts.
    tokio::spawn(concierge_server::serve_until(
        listener,
        router,
        config.header_timeout,
        std::future::pending(),
    ));
    address
}

#[tokio::main]
async fn main() {
    let plain_dir = tempfile::tempdir().expect("tempdir");
    let plain_db = Db::connect(&Db::sqlite_url(plain_dir.path())).await.expect("database");
    let plain_rate = plain_inserts(&plain_db, THROUGHPUT_REQUESTS).await;

    let http_dir = tempfile::tempdir().expect("tempdir");
    let address = serve(http_dir.path()).await;
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|worker| {
            tokio::spawn(async move {
                let mut client = Client::connect(address).await;
                for b in 0..THROUGHPUT_REQUESTS / CONNECTIONS {
                    let status = client.post(&batch(worker, b, b == 0)).await;
                    assert_eq!(status, 200, "batch refused");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let http_rate =
        (THROUGHPUT_REQUESTS * EVENTS_PER_BATCH) as f64 / started.elapsed().as_secs_f64();

    // Open loop: requests leave on schedule whether or not earlier ones were answered.
    let total = (STEADY_RATE * STEADY_SECONDS) as usize;
    let interval = Duration::from_micros(1_000_000 / STEADY_RATE);
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Duration>();
    let per_connection = total / CONNECTIONS;
    let begin = Instant::now();
    let steady: Vec<_> = (0..CONNECTIONS)
        .map(|worker| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut client = Client::connect(address).await;
                for b in 0..per_connection {
                    let due = begin + interval * (b * CONNECTIONS + worker) as u32;
                    tokio::time::sleep_until(due.into()).await;
                    let sent = Instant::now().max(due);
                    let status = client
                        .post(&sized_batch(1_000 + worker, b, b == 0, STEADY_EVENTS_PER_BATCH))
                        .await;
                    assert_eq!(status, 200);
                    // Latency from when the request was due, so a backlog counts against it.
                    let _ = sender.send(Instant::now() - due.min(sent));
                }
            })
        })
        .collect();
    drop(sender);
    for worker in steady {
        worker.await.expect("worker");
    }
    let achieved = total as f64 / begin.elapsed().as_secs_f64();
    let mut latencies = Vec::with_capacity(total);
    while let Some(latency) = receiver.recv().await {
        latencies.push(latency);
    }
    latencies.sort();
    let percentile = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };

    println!();
    println!("## Backend ingest (SQLite, WAL), {EVENTS_PER_BATCH} events per batch");
    println!();
    println!("| measure | result |");
    println!("| --- | ---: |");
    println!("| plain batched inserts, same statements, no HTTP | {plain_rate:.0} events/s |");
    println!(
        "| `POST /v1/events`, {CONNECTIONS} keep-alive connections | {http_rate:.0} events/s |"
    );
    println!("| ratio HTTP / plain (target ≥ 0.5) | {:.2} |", http_rate / plain_rate);
    println!("| steady load of {STEADY_EVENTS_PER_BATCH}-event batches: requests/s asked, achieved | {STEADY_RATE}, {achieved:.0} |");
    println!(
        "| latency p50 / p99 / max at that load (target p99 < 50 ms) | {:.1} / {:.1} / {:.1} ms |",
        percentile(0.5),
        percentile(0.99),
        percentile(1.0)
    );
}
