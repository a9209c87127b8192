//! The announcement webhook against a real server on 127.0.0.1: the body is
//! Slack-style JSON, a failure says why, and the URL (a credential) never
//! appears in an error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers one request with `status` and hands back what was received.
async fn server(status: &str) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/services/T000/B000/s3cr3t-token",
        listener.local_addr().unwrap().port()
    );
    let status = status.to_string();
    let handle = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the head, then exactly Content-Length bytes of body.
        loop {
            let n = sock.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let len: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if got.len() >= head_end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let reply =
            format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        sock.write_all(reply.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&got).to_string()
    });
    (url, handle)
}

#[tokio::test]
async fn posts_the_announcement_as_slack_json() {
    let (url, got) = server("200 OK").await;
    let text = "📢 Production Rollback Completed\nReason: error rate";
    rollout_cockpit::shell::notify::post(&url, text)
        .await
        .unwrap();
    let request = got.await.unwrap();
    assert!(
        request.starts_with("POST /services/T000/B000/s3cr3t-token HTTP/1.1"),
        "{request}"
    );
    assert!(
        request
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{request}"
    );
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json, serde_json::json!({ "text": text }));
}

#[tokio::test]
async fn a_failure_says_why_without_the_url() {
    let (url, got) = server("500 Internal Server Error").await;
    let err = rollout_cockpit::shell::notify::post(&url, "x")
        .await
        .unwrap_err();
    assert_eq!(err, "HTTP 500");
    got.await.unwrap();
    // Nobody listening: the error names the failure, never the token.
    let dead = url.replace(&url[7..url.find("/services").unwrap()], "127.0.0.1:9");
    let err = rollout_cockpit::shell::notify::post(&dead, "x")
        .await
        .unwrap_err();
    assert!(!err.contains("s3cr3t-token"), "{err}");
    assert!(!err.is_empty());
}
