//! Training the model's tokenizer: byte-level BPE (the tokenizers crate's trainer) over the
//! training split's code and trace text, with UniXcoder's control tokens and CodeExecutor's 211
//! tokens as special tokens, saved as a `tokenizer.json` that [`super::CodeTokenizer`] loads.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

use super::tokenizer::{codeexecutor_tokens, special, CodeTokenizer};
use crate::atomic_file::replace_file_by_path;

/// The control tokens, in RoBERTa's order so `<s>` = 0, `<pad>` = 1 (the model's padding_idx),
/// `</s>` = 2, `<unk>` = 3.
const CONTROL: [&str; 7] = [
    "<s>",
    "<pad>",
    "</s>",
    "<unk>",
    "<mask>",
    "<encoder-decoder>",
    "<mask0>",
];

/// Every special token of a trained vocabulary, in id order.
fn special_tokens() -> Vec<String> {
    CONTROL
        .iter()
        .map(|t| t.to_string())
        .chain(codeexecutor_tokens())
        .collect()
}

/// Train a byte-level BPE of at most `vocab_size` ids (special tokens included) on `texts`.
pub fn train_tokenizer<S: AsRef<str> + Send>(
    texts: impl Iterator<Item = S> + Send,
    vocab_size: usize,
) -> Result<Tokenizer> {
    let specials: Vec<AddedToken> = special_tokens().iter().map(|t| special(t)).collect();
    let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(specials.clone())
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build()
        .into();
    let mut tokenizer = Tokenizer::new(BPE::default());
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    tokenizer
        .train(&mut trainer, texts)
        .map_err(|e| anyhow!("tokenizer training failed: {e}"))?;
    // The trainer registers the special tokens without the whitespace stripping the runtime
    // relies on; register them again with the runtime's flags (same ids).
    tokenizer
        .add_special_tokens(specials)
        .map_err(|e| anyhow!("cannot register special tokens: {e}"))?;
    Ok(tokenizer)
}

/// Save a trained tokenizer atomically as `path` (a `tokenizer.json`) and check that the runtime
/// loads it.
pub fn save_tokenizer(tokenizer: &Tokenizer, path: &Path) -> Result<CodeTokenizer> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    replace_file_by_path(path, |staged| {
        tokenizer
            .save(staged, false)
            .map_err(|e| anyhow!("cannot save tokenizer: {e}"))?;
        CodeTokenizer::from_json(staged)
    })
    .with_context(|| format!("cannot write the tokenizer {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trained_tokenizer_has_the_special_tokens_and_round_trips() {
        let texts = [
            "<0> x = [ 1 , 2 , 3 ] <1> y = x . pop ( )",
            "<line> <0> <state> x : [ 1 , 2 , 3 ] </state> <line> <1> <state> x : [ 1 , 2 ] <dictsep> y : 3 </state>",
            "<0> s = 'abc' . upper ( )",
            "<line> <0> <state> s : ABC </state>",
        ];
        let tok = train_tokenizer(texts.iter().cycle().take(40), 600).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        let code = save_tokenizer(&tok, &path).unwrap();
        assert_eq!(code.token_id("<s>").unwrap(), 0);
        assert_eq!(code.token_id("<pad>").unwrap(), 1);
        assert_eq!(code.token_id("</s>").unwrap(), 2);
        for t in [
            "<mask0>",
            "<encoder-decoder>",
            "<dictsep>",
            "<199>",
            "<singleline>",
        ] {
            let id = code.token_id(t).unwrap();
            assert!(code.is_special(id), "{t}");
        }
        let text = "<line> <1> <state> x : [ 1 , 2 ] <dictsep> y : 3 </state>";
        let ids = code.encode(text).unwrap();
        assert_eq!(code.decode(&ids).unwrap(), text);
        assert!(code.vocab_size() <= 600, "{}", code.vocab_size());
    }
}
