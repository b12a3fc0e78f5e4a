//! The OpenAI-compatible chat-completions wire format, typed: the request
//! tenderbench sends, the whole response and the stream chunk it reads, and
//! the error body a vendor answers with. The client builds and reads these,
//! and the simulated vendor (`tb-mock`) writes its answers with the same
//! types, so the simulator cannot drift from what the client reads.
//!
//! **Reading is as lenient as real gateways need**: every field may be
//! missing, `null` or of another type than expected, and unknown fields are
//! ignored. A field of the wrong type reads as absent (a list that is not a
//! list, a count that is not a count), exactly as indexing a
//! `serde_json::Value` would: `choices` keeps the objects it starts with,
//! `tool_calls` reads a non-object element as an empty piece. Strings are
//! borrowed from the body when they hold no escapes, so a stream chunk costs
//! no allocation beyond its pieces of text with escapes.
//!
//! **Writing is byte-stable**: fields are declared in alphabetical order, so
//! a body serialises exactly as the `serde_json::Value` (a sorted map) it
//! replaced did; request bodies are stored as evidence and hashed. Absent
//! optional fields are left out, except where OpenAI writes `null`
//! (`message.content` beside tool calls, a chunk's `finish_reason`).
//!
//! Provider differences are data, not types: the temperature range and
//! whether `stream_options` is sent (tb-spec's provider presets) are applied
//! by the client as it fills a [`ChatRequest`]; usage reported inside the
//! last choice (Kimi) is [`Choice::usage`] / [`ChunkChoice::usage`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// `POST /chat/completions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u32")]
    pub max_tokens: Option<u32>,
    #[serde(default, borrow, deserialize_with = "lenient::objects")]
    pub messages: Vec<RequestMessage<'a>>,
    #[serde(default, borrow, deserialize_with = "lenient::text")]
    pub model: Cow<'a, str>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub stream: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub stream_options: Option<StreamOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::f64")]
    pub temperature: Option<f64>,
    /// The functions offered, in OpenAI's shape, as the case gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Cow<'a, Value>>,
}

/// `POST /completions` with a `suffix`: fill-in-the-middle, as DeepSeek's
/// FIM API and code models served by vLLM take it. The answer comes back in
/// `choices[0].text` (each chunk's, when streamed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionRequest<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::text")]
    pub model: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "lenient::text")]
    pub prompt: Cow<'a, str>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub suffix: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u32")]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::f64")]
    pub temperature: Option<f64>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub stream: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options`: `{"include_usage": true}` asks for a last chunk with usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamOptions {
    #[serde(default, deserialize_with = "lenient::bool")]
    pub include_usage: bool,
}

/// One message of a request's conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestMessage<'a> {
    /// The text (a message whose content is not text reads as empty).
    #[serde(default, borrow, deserialize_with = "lenient::text")]
    pub content: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "lenient::text")]
    pub role: Cow<'a, str>,
    /// The call a `tool` message answers.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub tool_call_id: Option<Cow<'a, str>>,
    /// An assistant turn's calls, in OpenAI's shape, sent back in the next turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Cow<'a, Value>>,
}

impl<'a> From<&'a tb_core::Message> for RequestMessage<'a> {
    fn from(m: &'a tb_core::Message) -> Self {
        RequestMessage {
            content: Cow::Borrowed(&m.content),
            role: Cow::Borrowed(&m.role),
            tool_call_id: m.tool_call_id.as_deref().map(Cow::Borrowed),
            tool_calls: m.tool_calls.as_ref().map(Cow::Borrowed),
        }
    }
}

/// A whole (non-streamed) chat completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletion<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::leading_objects")]
    pub choices: Vec<Choice<'a>>,
    /// A vendor's error, present in any shape (even `null`): see [`error_message`].
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::present")]
    pub error: Option<Value>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub object: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub system_fingerprint: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub usage: Option<Usage>,
}

/// One choice of a whole completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choice<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::str")]
    pub finish_reason: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub index: Option<u64>,
    #[serde(default, borrow, deserialize_with = "lenient::object_or_default")]
    pub message: ResponseMessage<'a>,
    /// A text completion's answer (`POST /completions`), where a chat has `message`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub text: Option<Cow<'a, str>>,
    /// Usage inside the choice, where some vendors put it.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub usage: Option<Usage>,
}

/// The assistant's message in a whole completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMessage<'a> {
    /// `None` for `null` or no content (a message of tool calls).
    #[serde(default, borrow, deserialize_with = "lenient::content")]
    pub content: Option<Content<'a>>,
    /// The legacy single call.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub function_call: Option<FunctionCall<'a>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub reasoning_content: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub role: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::pieces")]
    pub tool_calls: Option<Vec<ToolCall<'a>>>,
}

/// A message's content: text, or something else a vendor sent there (which
/// the client reports rather than reads).
#[derive(Debug, Clone, PartialEq)]
pub enum Content<'a> {
    Text(Cow<'a, str>),
    Other(Value),
}

impl Serialize for Content<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Text(t) => s.serialize_str(t),
            Content::Other(v) => v.serialize(s),
        }
    }
}

/// One call, whole in a message or a piece of one in a stream delta.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCall<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::object_or_default")]
    pub function: FunctionCall<'a>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub index: Option<u64>,
    #[serde(
        rename = "type",
        default,
        borrow,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::str"
    )]
    pub kind: Option<Cow<'a, str>>,
}

/// A function's name and arguments (or pieces of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall<'a> {
    /// The arguments as JSON text; arguments sent as a JSON value (some
    /// vendors do) read as that value's text, `null` as none.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::arguments")]
    pub arguments: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub name: Option<Cow<'a, str>>,
}

/// Token counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub completion_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub prompt_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub total_tokens: Option<u64>,
}

/// One SSE event's data in a streamed completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatChunk<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::leading_objects")]
    pub choices: Vec<ChunkChoice<'a>>,
    /// A vendor's error mid-stream, present in any shape (even `null`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::present")]
    pub error: Option<Value>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub object: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub system_fingerprint: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub usage: Option<Usage>,
}

/// One choice of a stream chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkChoice<'a> {
    #[serde(default, borrow, deserialize_with = "lenient::object_or_default")]
    pub delta: Delta<'a>,
    /// A streamed text completion's piece, where a chat chunk has `delta`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub text: Option<Cow<'a, str>>,
    /// Written as `null` until the last chunk, as OpenAI does.
    #[serde(default, borrow, deserialize_with = "lenient::str")]
    pub finish_reason: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::u64")]
    pub index: Option<u64>,
    /// Usage inside the last choice, where some vendors (Kimi) put it.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub usage: Option<Usage>,
}

/// What one chunk adds to the answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta<'a> {
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub content: Option<Cow<'a, str>>,
    /// A piece of the legacy single call.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::object")]
    pub function_call: Option<FunctionCall<'a>>,
    /// A reasoning model's thinking: an arrival, not answer text.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub reasoning_content: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::str")]
    pub role: Option<Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none", deserialize_with = "lenient::pieces")]
    pub tool_calls: Option<Vec<ToolCall<'a>>>,
}

/// The body of an error response: `{"error": {"message", "type"}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse<'a> {
    #[serde(borrow)]
    pub error: ApiError<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiError<'a> {
    #[serde(borrow)]
    pub message: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
}

impl<'a> ChatCompletion<'a> {
    /// Reads a body; only text that is not JSON is an error (a body of
    /// another shape reads as a completion without choices).
    pub fn from_json(body: &'a [u8]) -> Result<Self, serde_json::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => Ok(serde_json::from_str::<Lenient<Self>>(text)?.0.unwrap_or_default()),
            // Invalid UTF-8: the error a `Value` parse gives, which checks
            // every string (a skipped field would not be checked).
            Err(_) => serde_json::from_slice::<Value>(body).map(|_| Self::default()),
        }
    }
}

impl<'a> ChatChunk<'a> {
    /// Reads one event's data; only text that is not JSON is an error.
    pub fn from_json(data: &'a str) -> Result<Self, serde_json::Error> {
        Ok(serde_json::from_str::<Lenient<Self>>(data)?.0.unwrap_or_default())
    }
}

/// What a vendor's `error` says: its `message`, or the whole error as JSON.
pub fn error_message(error: &Value) -> String {
    error["message"].as_str().map(str::to_string).unwrap_or_else(|| error.to_string())
}

/// An object read as `T`; anything else (skipped) as `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lenient<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::object(d).map(Lenient)
    }
}

/// Field readers that take what fits and skip what does not.
mod lenient {
    use super::*;

    /// Visitor methods that skip a value of another kind, giving the default.
    macro_rules! skip {
        ($($kind:ident)*) => { $(skip!(@ $kind);)* };
        (@ bool) => { fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ i64) => { fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ u64) => { fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ f64) => { fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ unit) => { fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ str) => { fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok(Default::default()) } };
        (@ seq) => {
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Default::default())
            }
        };
        (@ map) => {
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Default::default())
            }
        };
    }

    struct StrV;
    impl<'de> Visitor<'de> for StrV {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        skip!(bool i64 u64 f64 unit seq map);
    }

    /// A string, borrowed when it can be.
    pub fn str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
        d.deserialize_any(StrV)
    }

    /// A string, or empty.
    pub fn text<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
        Ok(d.deserialize_any(StrV)?.unwrap_or_default())
    }

    struct U64V;
    impl<'de> Visitor<'de> for U64V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        skip!(bool i64 f64 unit str seq map);
    }

    /// A non-negative integer.
    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(U64V)
    }

    /// A non-negative integer that fits.
    pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Ok(d.deserialize_any(U64V)?.and_then(|v| u32::try_from(v).ok()))
    }

    struct NumberV;
    impl<'de> Visitor<'de> for NumberV {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        skip!(bool unit str seq map);
    }

    /// A number.
    pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(NumberV)
    }

    struct BoolV;
    impl<'de> Visitor<'de> for BoolV {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(v)
        }
        skip!(i64 u64 f64 unit str seq map);
    }

    /// `true` or `false`; anything else is `false`.
    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        d.deserialize_any(BoolV)
    }

    struct ObjectV<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectV<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(a)).map(Some)
        }
        skip!(bool i64 u64 f64 unit str seq);
    }

    /// An object read as `T`.
    pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(ObjectV(PhantomData))
    }

    /// An object read as `T`, or `T`'s default.
    pub fn object_or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
        Ok(object(d)?.unwrap_or_default())
    }

    /// A list's elements: `leading` keeps the objects before the first that
    /// is not one, else a non-object element reads as the default.
    struct ListV<T> {
        leading: bool,
        kind: PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for ListV<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            let mut ended = false;
            while let Some(Lenient(item)) = a.next_element::<Lenient<T>>()? {
                match item {
                    _ if ended => {}
                    Some(item) => items.push(item),
                    None if self.leading => ended = true,
                    None => items.push(T::default()),
                }
            }
            Ok(Some(items))
        }
        skip!(bool i64 u64 f64 unit str map);
    }

    /// The objects a list starts with (what `list[0]`, `list[1]`… reach as objects).
    pub fn leading_objects<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(d.deserialize_any(ListV { leading: true, kind: PhantomData })?.unwrap_or_default())
    }

    /// A list of objects (an element of another kind reads as the default).
    pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(pieces(d)?.unwrap_or_default())
    }

    /// A list of objects, `None` when it is not a list.
    pub fn pieces<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<Vec<T>>, D::Error> {
        d.deserialize_any(ListV { leading: false, kind: PhantomData })
    }

    /// Any value, `null` included.
    pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }

    struct ArgumentsV;
    impl<'de> Visitor<'de> for ArgumentsV {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(Value::from(v).to_string())))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(Value::from(v).to_string())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(Value::from(v).to_string())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(Value::from(v).to_string())))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            Ok(Some(Cow::Owned(Value::deserialize(SeqAccessDeserializer::new(a))?.to_string())))
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            Ok(Some(Cow::Owned(Value::deserialize(MapAccessDeserializer::new(a))?.to_string())))
        }
    }

    /// Arguments as JSON text: a string as it is, another value as its JSON.
    pub fn arguments<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
        d.deserialize_any(ArgumentsV)
    }

    struct ContentV;
    impl<'de> Visitor<'de> for ContentV {
        type Value = Option<Content<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Content::Text(Cow::Borrowed(v))))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Content::Text(Cow::Owned(v.to_string()))))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(Content::Other(Value::from(v))))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Content::Other(Value::from(v))))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Content::Other(Value::from(v))))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(Content::Other(Value::from(v))))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            Ok(Some(Content::Other(Value::deserialize(SeqAccessDeserializer::new(a))?)))
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            Ok(Some(Content::Other(Value::deserialize(MapAccessDeserializer::new(a))?)))
        }
    }

    /// A message's content: text, `null` (none), or another value kept as it is.
    pub fn content<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Content<'a>>, D::Error> {
        d.deserialize_any(ContentV)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_does_not_fit_reads_as_absent() {
        let c = ChatChunk::from_json(
            r#"{"choices": [{"delta": {"content": 5, "tool_calls": {"x": 1}, "reasoning_content": null},
                "finish_reason": 7, "usage": "many"}], "usage": null, "extra": [1, {"a": null}]}"#,
        )
        .unwrap();
        assert_eq!(c.choices.len(), 1);
        assert_eq!(c.choices[0], ChunkChoice::default());
        assert_eq!(c.usage, None);
        // Choices are the objects a list starts with; a chunk of another shape has none.
        assert!(ChatChunk::from_json(r#"{"choices": [5, {"delta": {}}]}"#).unwrap().choices.is_empty());
        assert_eq!(ChatChunk::from_json("5").unwrap(), ChatChunk::default());
        assert!(ChatChunk::from_json("{this is not json}").is_err());
        // An error is an error even when null.
        assert_eq!(ChatChunk::from_json(r#"{"error": null}"#).unwrap().error, Some(Value::Null));
        let u = ChatCompletion::from_json(br#"{"usage": {"prompt_tokens": -1, "completion_tokens": 2.5}}"#).unwrap();
        assert_eq!(u.usage, Some(Usage::default()));
    }

    #[test]
    fn strings_are_borrowed_unless_escaped_and_arguments_are_text() {
        let c = ChatChunk::from_json(
            r#"{"choices": [{"delta": {"content": "plain", "tool_calls": [7, {"index": 1, "function": {"arguments": {"x": [1]}}}]}}]}"#,
        )
        .unwrap();
        let delta = &c.choices[0].delta;
        assert!(matches!(delta.content, Some(Cow::Borrowed("plain"))));
        let calls = delta.tool_calls.as_ref().unwrap();
        assert_eq!(calls[0], ToolCall::default(), "an element that is not an object is an empty piece");
        assert_eq!(calls[1].function.arguments.as_deref(), Some(r#"{"x":[1]}"#));
        let c = ChatChunk::from_json(r#"{"choices": [{"delta": {"content": "a\nb"}}]}"#).unwrap();
        assert_eq!(c.choices[0].delta.content.as_deref(), Some("a\nb"));
        let m = ChatCompletion::from_json(br#"{"choices": [{"message": {"content": ["x"]}}]}"#).unwrap();
        assert_eq!(m.choices[0].message.content, Some(Content::Other(serde_json::json!(["x"]))));
        let bad_utf8 = ChatCompletion::from_json(b"{\"id\": \"\xff\"}").unwrap_err();
        assert!(bad_utf8.to_string().contains("unicode"), "{bad_utf8}");
    }
}
