//! Faulty responses: everything a vendor's endpoint does wrong in the field,
//! so the client's handling of each can be tested against real sockets.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::profile::FaultKind;
use crate::{error_response, wire};

fn streamed(content_type: &'static str, body: Body) -> Response {
    Response::builder().header(header::CONTENT_TYPE, content_type).body(body).expect("static headers are valid")
}

/// 64 MiB of zeros, gzip-compressed once (about 64 KiB).
fn gzip_bomb() -> Bytes {
    static BOMB: OnceLock<Bytes> = OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).expect("writing to memory cannot fail");
        }
        Bytes::from(gz.finish().expect("writing to memory cannot fail"))
    })
    .clone()
}

/// The response for faults that replace the whole answer, whatever the mode.
pub async fn respond(kind: FaultKind, stream: bool, ttft_ms: f64) -> Option<Response> {
    let content_type = if stream { "text/event-stream" } else { "application/json" };
    Some(match kind {
        FaultKind::RateLimit { retry_after } => {
            let mut r = error_response(StatusCode::TOO_MANY_REQUESTS, "rate limit reached");
            if let Some(v) = retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(v));
            }
            r
        }
        FaultKind::Status(code) => {
            tokio::time::sleep(Duration::from_secs_f64(ttft_ms / 1000.0)).await;
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_response(status, "upstream error")
        }
        FaultKind::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            error_response(StatusCode::GATEWAY_TIMEOUT, "hung")
        }
        FaultKind::HangMidStream => {
            let first = futures_util::stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(
                    b"data: {\"choices\": [{\"delta\": {\"role\": \"assistant\", \"content\": \"The\"}}]}\n\n",
                ))
            });
            streamed(content_type, Body::from_stream(first.chain(futures_util::stream::pending())))
        }
        FaultKind::Drip => {
            let drip = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
            });
            streamed(content_type, Body::from_stream(drip))
        }
        FaultKind::ResetMidBody => {
            let parts: [Result<Bytes, std::io::Error>; 2] = [
                Ok(Bytes::from_static(b"{\"choices\": [{\"message\": {\"content\": \"The ans")),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "mock: connection reset")),
            ];
            streamed(content_type, Body::from_stream(futures_util::stream::iter(parts)))
        }
        FaultKind::HugeBody => {
            // 200 MB of JSON whitespace (or one endless SSE line), made as it is sent.
            let chunks = (0..200).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1 << 20])));
            streamed(content_type, Body::from_stream(futures_util::stream::iter(chunks)))
        }
        FaultKind::EndlessBody => {
            // A thousand events a chunk: one frame per 63-byte event made the
            // stream so slow under load that the timeout, not the cap, ended it.
            let event: &[u8] = b"data: {\"choices\": [{\"delta\": {\"content\": \"and so on \"}}]}\n\n";
            let batch = Bytes::from(event.repeat(1000));
            let endless = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(batch.clone()));
            streamed(content_type, Body::from_stream(endless))
        }
        FaultKind::GzipBomb => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(gzip_bomb()))
            .expect("static headers are valid"),
        FaultKind::Redirect => {
            // TEST-NET-1: documentation address, never routed.
            let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
            r.headers_mut().insert(header::LOCATION, HeaderValue::from_static("http://192.0.2.1/v1/chat/completions"));
            r
        }
        _ => return None,
    })
}

/// Non-streamed faults that alter an otherwise correct JSON answer.
pub fn respond_json(kind: Option<FaultKind>, text: &str) -> Option<Response> {
    let json =
        |body: Vec<u8>, content_type: &'static str| ([(header::CONTENT_TYPE, content_type)], body).into_response();
    match kind? {
        FaultKind::InvalidJson => Some(json(b"{\"choices\": [ {\"message\": ".to_vec(), "application/json")),
        FaultKind::WrongShape => Some(json(b"{\"result\": \"ok\", \"value\": 18}".to_vec(), "application/json")),
        FaultKind::InvalidUtf8 => Some(json(
            b"{\"choices\": [{\"message\": {\"content\": \"\xff\xfe\"}, \"finish_reason\": \"stop\"}]}".to_vec(),
            "application/json",
        )),
        FaultKind::WrongContentType => {
            let message =
                wire::ResponseMessage { content: Some(wire::Content::Text(text.into())), ..Default::default() };
            let choice = wire::Choice { finish_reason: Some("stop".into()), message, ..Default::default() };
            let body = wire::ChatCompletion { choices: vec![choice], ..Default::default() };
            Some(json(serde_json::to_vec(&body).expect("a completion always serializes"), "text/html"))
        }
        _ => None,
    }
}
