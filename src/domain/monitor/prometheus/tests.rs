use super::*;

fn vector(values: &[&str]) -> String {
    let series: Vec<String> = values
        .iter()
        .map(|v| format!(r#"{{"metric":{{"job":"api"}},"value":[1732417200.123,"{v}"]}}"#))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        series.join(",")
    )
}

#[test]
fn values_are_strings_and_nan_is_no_data() {
    assert_eq!(
        read_envelope(200, vector(&["0.25"]).as_bytes())
            .unwrap()
            .max(),
        Some(0.25)
    );
    let nan = read_envelope(200, vector(&["NaN"]).as_bytes()).unwrap();
    assert_eq!(nan.max(), None, "NaN is no data, never 0");
    let empty = read_envelope(200, vector(&[]).as_bytes()).unwrap();
    assert_eq!((empty.max(), empty.sum()), (None, None));
    let inf = read_envelope(200, vector(&["+Inf"]).as_bytes()).unwrap();
    assert_eq!(inf.max(), Some(f64::INFINITY));
    let two = read_envelope(200, vector(&["2", "NaN", "5"]).as_bytes()).unwrap();
    assert_eq!((two.max(), two.sum()), (Some(5.0), Some(7.0)));
    let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1732417200,"4"]}}"#;
    assert_eq!(
        read_envelope(200, scalar.as_bytes()).unwrap().max(),
        Some(4.0)
    );
}

#[test]
fn errors_carry_prometheus_s_own_text() {
    let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected <EOF>"}"#;
    let e = read_envelope(400, body.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"HTTP 400 bad_data: invalid parameter "query": 1:5: parse error: unexpected <EOF>"#
    );
    let proxy = read_envelope(502, b"<html>Bad Gateway</html>").unwrap_err();
    assert_eq!(
        proxy.to_string(),
        "HTTP 502: not a Prometheus answer: <html>Bad Gateway</html>"
    );
    let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
    assert!(
        read_envelope(200, matrix.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("range vector")
    );
    assert!(read_envelope(200, vector(&["fast"]).as_bytes()).is_err());
}

#[test]
fn warnings_are_kept_beside_the_value() {
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["PromQL info: metric might not be a counter"]}"#;
    let a = read_envelope(200, body.as_bytes()).unwrap();
    assert_eq!(a.warnings, ["PromQL info: metric might not be a counter"]);
}

#[test]
fn a_reading_scales_to_the_cockpit_s_units_and_names_each_problem() {
    let mut r = Reading::empty(chrono::Utc::now());
    let ok = Answer {
        values: vec![0.072],
        warnings: vec!["partial".into()],
    };
    assert!((r.take("error rate", Ok(ok), Answer::max, 100.0).unwrap() - 7.2).abs() < 1e-9);
    let inf = Answer {
        values: vec![f64::INFINITY],
        warnings: vec![],
    };
    assert_eq!(r.take("p95", Ok(inf), Answer::max, 1000.0), None);
    let err = QueryError::Timeout(Duration::from_secs(2));
    assert_eq!(r.take("throughput", Err(err), Answer::sum, 1.0), None);
    assert_eq!(
        r.problems,
        [
            "error rate: warning: partial",
            "p95: inf (no finite value)",
            "throughput: no answer within 2s"
        ]
    );
    assert!(!r.has_data(), "take only reports; the caller stores");
}

#[test]
fn the_token_comes_from_the_environment_only() {
    assert_eq!(token_env("env:PROM_TOKEN").unwrap(), "PROM_TOKEN");
    let e = token_env("s3cr3t-value").unwrap_err();
    assert!(!e.contains("s3cr3t"), "{e}");
    assert!(token_env("env:").is_err());
    let missing = Client::new(
        "http://127.0.0.1:9090",
        Some("ROLLOUT_COCKPIT_TEST_UNSET_PROM_TOKEN"),
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(
        missing.contains("ROLLOUT_COCKPIT_TEST_UNSET_PROM_TOKEN"),
        "{missing}"
    );
}

#[test]
fn the_endpoint_keeps_a_path_prefix_and_hides_a_password() {
    let c = Client::new(
        "http://u:pw@127.0.0.1:9090/prom/",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(c.endpoint.path(), "/prom/api/v1/query");
    assert!(!c.url().contains("pw") && !format!("{c:?}").contains("pw"));
    assert!(Client::new("ftp://x", None, Duration::from_secs(1)).is_err());
}
