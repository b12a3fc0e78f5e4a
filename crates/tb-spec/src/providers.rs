//! Provider presets: the URL conventions and quirks of the vendors buyers meet
//! most, so that `provider = "deepseek"` plus a key is a complete vendor entry.
//! Every value here is a default that the spec may override.

/// Defaults for one provider.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub base_url: &'static str,
    /// The environment variable the provider's documentation uses for its key.
    pub api_key_env: Option<&'static str>,
    /// Whether the endpoint accepts `stream_options: {include_usage: true}`.
    pub stream_usage: bool,
    /// The temperature range the endpoint accepts; values outside are clamped.
    pub temperature_range: (f64, f64),
    /// Where its fill-in-the-middle completions are (`fim = true`), when not
    /// `{base_url}/completions`: DeepSeek serves them under its beta path.
    pub fim_url: Option<&'static str>,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "deepseek",
        base_url: "https://api.deepseek.com/v1",
        api_key_env: Some("DEEPSEEK_API_KEY"),
        stream_usage: true,
        temperature_range: (0.0, 2.0),
        fim_url: Some("https://api.deepseek.com/beta/completions"),
    },
    Preset {
        // GLM rejects temperature 0 and 1: its range is the open interval (0, 1).
        name: "zhipu",
        base_url: "https://open.bigmodel.cn/api/paas/v4",
        api_key_env: Some("ZHIPUAI_API_KEY"),
        stream_usage: false,
        temperature_range: (0.01, 0.99),
        fim_url: None,
    },
    Preset {
        // Qwen through DashScope's OpenAI-compatible mode.
        name: "qwen",
        base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        api_key_env: Some("DASHSCOPE_API_KEY"),
        stream_usage: true,
        temperature_range: (0.0, 1.99),
        fim_url: None,
    },
    Preset {
        // Kimi reports streamed usage inside the last choice, without stream_options.
        name: "moonshot",
        base_url: "https://api.moonshot.cn/v1",
        api_key_env: Some("MOONSHOT_API_KEY"),
        stream_usage: false,
        temperature_range: (0.0, 1.0),
        fim_url: None,
    },
    Preset {
        name: "minimax",
        base_url: "https://api.minimax.chat/v1",
        api_key_env: Some("MINIMAX_API_KEY"),
        stream_usage: false,
        temperature_range: (0.01, 1.0),
        fim_url: None,
    },
    Preset {
        name: "baichuan",
        base_url: "https://api.baichuan-ai.com/v1",
        api_key_env: Some("BAICHUAN_API_KEY"),
        stream_usage: false,
        temperature_range: (0.0, 1.0),
        fim_url: None,
    },
    Preset {
        name: "vllm",
        base_url: "http://127.0.0.1:8000/v1",
        api_key_env: None,
        stream_usage: true,
        temperature_range: (0.0, 2.0),
        fim_url: None,
    },
    Preset {
        name: "llamacpp",
        base_url: "http://127.0.0.1:8080/v1",
        api_key_env: None,
        stream_usage: false,
        temperature_range: (0.0, 2.0),
        fim_url: None,
    },
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub fn names() -> String {
    PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}
