//! The announcement webhook (`[notify] webhook_url`): Slack-style
//! `{"text": ...}` over HTTPS. The URL is a credential (it carries the
//! token), so no error message ever contains it.

use std::time::Duration;

/// POSTs `{"text": text}` to `url`; `Err` says why, without the URL.
pub async fn post(url: &str, text: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let resp = client
        .post(url)
        .json(&serde_json::json!({ "text": text }))
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", resp.status().as_u16()))
    }
}
