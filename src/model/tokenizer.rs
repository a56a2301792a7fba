//! The model's tokenizer: byte-level BPE (from `tokenizer.json`, or from `vocab.json`,
//! `merges.txt`, `added_tokens.json` and `special_tokens_map.json`) with CodeExecutor's 211
//! added tokens as special tokens that swallow the spaces around them, as the Python tokenizer
//! used for training did. Decoding puts single spaces around special tokens.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

/// CodeExecutor's structural tokens (before the 200 line tokens `<0>`..`<199>`).
pub const STRUCTURE_TOKENS: [&str; 11] = [
    "<line>",
    "<state>",
    "</state>",
    "<dictsep>",
    "<output>",
    "<function>",
    "<singleline>",
    "<tutorial>",
    "<codenet>",
    "<indent>",
    "<dedent>",
];

/// UniXcoder's control tokens, special wherever the vocabulary has them.
pub const CONTROL_TOKENS: [&str; 9] = [
    "<s>",
    "</s>",
    "<pad>",
    "<unk>",
    "<mask>",
    "<encoder-decoder>",
    "<encoder-only>",
    "<decoder-only>",
    "<mask0>",
];

/// CodeExecutor's 211 added tokens, in their conventional order.
pub fn codeexecutor_tokens() -> Vec<String> {
    STRUCTURE_TOKENS
        .iter()
        .map(|t| t.to_string())
        .chain((0..200).map(|i| format!("<{i}>")))
        .collect()
}

/// A special token that eats the whitespace on both sides and is never normalised.
pub fn special(content: &str) -> AddedToken {
    AddedToken::from(content, true)
        .lstrip(true)
        .rstrip(true)
        .normalized(false)
}

/// Byte-level BPE with CodeExecutor's special tokens.
#[derive(Clone)]
pub struct CodeTokenizer {
    inner: Tokenizer,
    special_ids: HashSet<u32>,
}

impl std::fmt::Debug for CodeTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeTokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("special", &self.special_ids.len())
            .finish()
    }
}

impl CodeTokenizer {
    /// Load from a model directory: `tokenizer.json` when present, else `vocab.json` +
    /// `merges.txt` (+ `added_tokens.json`, `special_tokens_map.json`).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let json = dir.join("tokenizer.json");
        if json.is_file() {
            return Self::from_json(&json);
        }
        let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        if !vocab.is_file() || !merges.is_file() {
            bail!(
                "no tokenizer in {}: expected tokenizer.json, or vocab.json and merges.txt",
                dir.display()
            );
        }
        let bpe = BPE::from_file(&vocab.to_string_lossy(), &merges.to_string_lossy())
            .build()
            .map_err(|e| {
                anyhow!(
                    "cannot load {} / {}: {e}",
                    vocab.display(),
                    merges.display()
                )
            })?;
        let mut inner = Tokenizer::new(bpe);
        inner.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
        inner.with_decoder(Some(ByteLevelDecoder::default()));
        let mut extra = read_added_tokens(&dir.join("added_tokens.json"))?;
        extra.extend(read_special_tokens_map(
            &dir.join("special_tokens_map.json"),
        )?);
        Self::finish(inner, extra)
    }

    /// Load a `tokenizer.json` file.
    pub fn from_json(path: &Path) -> Result<Self> {
        let inner = Tokenizer::from_file(path)
            .map_err(|e| anyhow!("cannot load {}: {e}", path.display()))?;
        Self::finish(inner, Vec::new())
    }

    /// Register the listed tokens, the control tokens the vocabulary has and CodeExecutor's
    /// tokens as special tokens; remember which ids are special.
    fn finish(mut inner: Tokenizer, listed: Vec<(String, Option<u32>)>) -> Result<Self> {
        for (token, expected) in &listed {
            inner
                .add_special_tokens([special(token)])
                .map_err(|e| anyhow!("cannot add token {token}: {e}"))?;
            let got = inner.token_to_id(token);
            if let (Some(want), Some(got)) = (expected, got) {
                if *want != got {
                    bail!("added token {token} should have id {want} but got {got}: added_tokens.json does not follow the vocabulary");
                }
            }
        }
        let present: Vec<AddedToken> = CONTROL_TOKENS
            .iter()
            .filter(|t| inner.token_to_id(t).is_some())
            .map(|t| special(t))
            .collect();
        inner
            .add_special_tokens(present)
            .map_err(|e| anyhow!("cannot add control tokens: {e}"))?;
        let ce: Vec<AddedToken> = codeexecutor_tokens().iter().map(|t| special(t)).collect();
        inner
            .add_special_tokens(ce)
            .map_err(|e| anyhow!("cannot add CodeExecutor tokens: {e}"))?;
        let special_ids = inner
            .get_added_vocabulary()
            .get_added_tokens_decoder()
            .iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| *id)
            .collect();
        Ok(Self { inner, special_ids })
    }

    /// Write the whole tokenizer (special tokens included) as one `tokenizer.json`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::atomic_file::replace_file_by_path(path, |staged| {
            self.inner
                .save(staged, false)
                .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
        })
    }

    /// The number of ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of one token (e.g. `<mask0>`), or an error naming it.
    pub fn token_id(&self, token: &str) -> Result<u32> {
        self.inner
            .token_to_id(token)
            .with_context(|| format!("the tokenizer has no token {token}"))
    }

    /// Whether `id` is a special token.
    pub fn is_special(&self, id: u32) -> bool {
        self.special_ids.contains(&id)
    }

    /// Encode text without adding `<s>` / `</s>`.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| anyhow!("cannot tokenize: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Encode a list of tokens joined by single spaces (CodeExecutor's code tokens).
    pub fn encode_tokens<S: AsRef<str>>(&self, tokens: &[S]) -> Result<Vec<u32>> {
        let text = tokens
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(" ");
        self.encode(&text)
    }

    /// Decode ids to text with single spaces around special tokens.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        let mut pieces: Vec<String> = Vec::new();
        let mut run: Vec<u32> = Vec::new();
        for &id in ids {
            if self.is_special(id) {
                self.flush(&mut run, &mut pieces)?;
                if let Some(tok) = self.inner.id_to_token(id) {
                    pieces.push(tok);
                }
            } else {
                run.push(id);
            }
        }
        self.flush(&mut run, &mut pieces)?;
        Ok(pieces.join(" "))
    }

    /// Decode a run of ordinary tokens into `pieces` (trimmed, dropped when blank).
    fn flush(&self, run: &mut Vec<u32>, pieces: &mut Vec<String>) -> Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let text = self
            .inner
            .decode(run, false)
            .map_err(|e| anyhow!("cannot decode: {e}"))?;
        run.clear();
        let text = text.trim();
        if !text.is_empty() {
            pieces.push(text.to_string());
        }
        Ok(())
    }
}

/// `added_tokens.json`: `{"token": id, ...}`, in id order; absent file = none.
fn read_added_tokens(path: &Path) -> Result<Vec<(String, Option<u32>)>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let map: BTreeMap<String, u32> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a token-to-id map", path.display()))?;
    let mut tokens: Vec<(String, Option<u32>)> =
        map.into_iter().map(|(t, id)| (t, Some(id))).collect();
    tokens.sort_by_key(|(_, id)| *id);
    Ok(tokens)
}

/// `special_tokens_map.json`: values are a token, `{"content": token}`, or a list of those.
fn read_special_tokens_map(path: &Path) -> Result<Vec<(String, Option<u32>)>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object", path.display()))?;
    let mut out = Vec::new();
    for value in map.values() {
        let items = match value {
            serde_json::Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for item in items {
            let token = match &item {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(o) => o
                    .get("content")
                    .and_then(|c| c.as_str())
                    .map(str::to_string),
                _ => None,
            };
            if let Some(token) = token {
                out.push((token, None));
            }
        }
    }
    Ok(out)
}
