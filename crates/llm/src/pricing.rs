//! Money in integer nano-dollars (1e-9 USD): exact sums, no float drift in the ledger.

use crate::types::{ChatRequest, Usage};

pub type Nanos = i64;

pub fn usd_to_nanos(usd: f64) -> Nanos {
    (usd * 1e9).round() as Nanos
}

pub fn nanos_to_usd(nanos: Nanos) -> f64 {
    nanos as f64 / 1e9
}

/// Prices of one model, per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pricing {
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
}

impl Pricing {
    pub const FREE: Pricing = Pricing {
        input_usd_per_mtok: 0.0,
        output_usd_per_mtok: 0.0,
    };

    pub fn cost(&self, usage: Usage) -> Nanos {
        let input = usage.prompt_tokens as f64 * self.input_usd_per_mtok * 1e3;
        let output = usage.completion_tokens as f64 * self.output_usd_per_mtok * 1e3;
        (input + output).ceil() as Nanos
    }

    /// The most a request can cost: its estimated prompt plus the full reply allowance.
    pub fn worst_case(&self, request: &ChatRequest) -> Nanos {
        self.cost(Usage {
            prompt_tokens: estimate_prompt_tokens(request),
            completion_tokens: u64::from(request.max_tokens),
        })
    }
}

/// A conservative token estimate (about 3.5 characters a token for English, rounded up, plus
/// per-message overhead) for budgeting before the provider reports real usage.
pub fn estimate_prompt_tokens(request: &ChatRequest) -> u64 {
    let chars: usize = request
        .messages
        .iter()
        .map(|m| {
            m.content.chars().count()
                + m.tool_calls
                    .iter()
                    .map(|c| c.arguments.len() + c.name.len())
                    .sum::<usize>()
        })
        .sum();
    let tools: usize = request
        .tools
        .iter()
        .map(|t| t.description.len() + t.parameters.to_string().len() + t.name.len())
        .sum();
    ((chars + tools) as u64 * 2).div_ceil(7) + 4 * request.messages.len() as u64
}

/// Tokens in generated text, when the provider did not report usage.
pub fn estimate_text_tokens(text: &str) -> u64 {
    (text.chars().count() as u64 * 2).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_exact_in_nanos() {
        let p = Pricing {
            input_usd_per_mtok: 3.0,
            output_usd_per_mtok: 15.0,
        };
        assert_eq!(
            p.cost(Usage {
                prompt_tokens: 1_000_000,
                completion_tokens: 0
            }),
            3_000_000_000
        );
        assert_eq!(
            p.cost(Usage {
                prompt_tokens: 1000,
                completion_tokens: 100
            }),
            3_000_000 + 1_500_000
        );
        assert_eq!(usd_to_nanos(0.25), 250_000_000);
    }
}
