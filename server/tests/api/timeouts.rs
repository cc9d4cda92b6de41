//! Slow and oversized clients, over a real socket: `serve_until` on 127.0.0.1 with short limits.

use super::support::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HEADER_TIMEOUT: Duration = Duration::from_millis(600);
const BODY_TIMEOUT: Duration = Duration::from_millis(600);
/// Far beyond both limits: a client still connected then was never cut off.
const PATIENCE: Duration = Duration::from_secs(6);

/// A server on a free loopback port, stopped when the returned sender is dropped.
async fn start(site: &Site) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let mut config = site.config();
    config.header_timeout = HEADER_TIMEOUT;
    config.body_timeout = BODY_TIMEOUT;
    let router = concierge_server::app(&config, site.db.clone()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(concierge_server::serve_until(listener, router, config.header_timeout, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// What the server sent until it closed the connection, and when it closed it; `None` if it
/// was still open after `PATIENCE`. `trickle` is written one byte at a time meanwhile.
async fn until_closed(mut stream: TcpStream, trickle: &[u8]) -> Option<(Duration, String)> {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut next = trickle.iter();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < PATIENCE {
        if let Some(byte) = next.next() {
            if stream.write_all(&[*byte]).await.is_err() {
                return Some((started.elapsed(), String::from_utf8_lossy(&received).into_owned()));
            }
        }
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((started.elapsed(), String::from_utf8_lossy(&received).into_owned()))
            }
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => {}
        }
    }
    None
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let site = Site::new("sqlite", None).await;
    let (address, _stop) = start(&site).await;
    // One byte every 100 ms: headers that would take six seconds and more.
    let head = format!("GET / HTTP/1.1\r\nhost: shop\r\nx-slow: {}\r\n\r\n", "z".repeat(100));
    let stream = TcpStream::connect(address).await.unwrap();
    let closed = until_closed(stream, head.as_bytes()).await;
    let (after, _) = closed.expect("the slow client was never cut off");
    assert!(after >= HEADER_TIMEOUT, "closed after {after:?}, before the timeout");

    // A connection that never says anything is closed too.
    let silent = TcpStream::connect(address).await.unwrap();
    assert!(until_closed(silent, b"").await.is_some(), "an idle connection was kept open");

    // A prompt client on the same server is served.
    let mut prompt = TcpStream::connect(address).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    prompt.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408() {
    let site = Site::new("sqlite", None).await;
    let (address, _stop) = start(&site).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /v1/events HTTP/1.1\r\nhost: shop\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"v\":1,")
        .await
        .unwrap();
    let (after, answer) = until_closed(stream, b"").await.expect("the stalled body was waited on");
    assert!(after >= BODY_TIMEOUT, "closed after {after:?}, before the timeout");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"body_timeout\""), "{answer}");
}

#[tokio::test]
async fn a_declared_terabyte_is_refused_before_reading() {
    let site = Site::new("sqlite", None).await;
    let (address, _stop) = start(&site).await;
    let staff = staff();
    let cases = [
        ("POST /v1/events", "1000000000000", "4194304"),
        ("GET /", "1000000000000", "4194304"),
        // Within what the server takes at all, beyond what the route takes.
        ("POST /v1/events", "300000", "262144"),
    ];
    for (target, declared, limit) in cases {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let head = format!(
            "{target} HTTP/1.1\r\nhost: shop\r\nauthorization: {staff}\r\ncontent-length: {declared}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // Not a byte of the body is sent; the answer comes anyway, well within the body timeout.
        let mut answer = Vec::new();
        tokio::time::timeout(BODY_TIMEOUT / 2, stream.read_to_end(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("{target}: no answer before the body timeout"))
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{target} {declared}: {answer}");
        assert!(answer.contains(&format!("larger than {limit} bytes")), "{target}: {answer}");
    }
}
