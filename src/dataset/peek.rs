//! The fast path of opening: checking one JSON line against the record schema and pulling out
//! only what a [`Summary`] needs, without building the record. Strings are borrowed from the
//! line where they have no escapes, token lists are checked without being collected, and
//! unknown fields are skipped.
//!
//! It accepts exactly what [`parse_line`](super::source::parse_line) accepts (the types of the
//! known fields of `Record`, `Origin`, `Mutation` and `Prediction`; the same format
//! detection), which a test checks line by line.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::record::Verdict;
use super::record_id::RecordId;
use super::source::{cruxeval_call, detect, LineError, SourceFormat};
use super::summary::{Summary, SummaryFields};

/// Check a line and summarise it.
pub fn summarize_line(bytes: &[u8]) -> Result<Summary, LineError> {
    // One UTF-8 check of the whole line is cheaper than serde_json's check of every string.
    let text = std::str::from_utf8(bytes).map_err(|err| {
        LineError(format!(
            "invalid UTF-8 at byte {} of the line",
            err.valid_up_to()
        ))
    })?;
    // The messages are those of `parse_line`: not JSON at all, or not a record.
    let peek: Peek<'_> = serde_json::from_str(text).map_err(|err| {
        let object = text.trim_start().starts_with('{') && err.is_data();
        let what = if object {
            "not a dataset record"
        } else {
            "not a JSON object"
        };
        LineError(format!("{what}: {err}"))
    })?;
    let has = |key: &str| {
        KEYS.iter()
            .position(|k| *k == key)
            .is_some_and(|i| peek.keys & (1 << i) != 0)
    };
    let format = detect(has);
    let missing = |field: &str| LineError(format!("not a dataset record: missing field `{field}`"));
    let id = peek.id.ok_or_else(|| missing("id"))?;
    let code = peek.code.ok_or_else(|| missing("code"))?;
    let call = match format {
        SourceFormat::CruxEval => {
            let input = peek
                .input
                .ok_or_else(|| LineError("CRUXEval record: `input` is not a string".into()))?;
            if !peek.output_is_string {
                return Err(LineError(
                    "CRUXEval record: `output` is not a string".into(),
                ));
            }
            cruxeval_call(&input)
        }
        _ => String::new(),
    };
    let fields = SummaryFields {
        id: id.to_string(),
        verdict: peek
            .verdict
            .map_or_else(|| Verdict::Unreviewed.as_str().to_string(), Cow::into_owned),
        tags: peek.tags,
        outcome: peek.outcome.map(Cow::into_owned),
        operator: peek.operator.map(Cow::into_owned),
        has_prediction: peek.has_prediction || has("predictions"),
        has_note: peek.has_note,
        format,
    };
    Ok(Summary::new(fields, &[&code, &call]))
}

/// The known keys present in the line, and the values a summary needs.
#[derive(Default)]
struct Peek<'a> {
    /// Bit `i` set when `KEYS[i]` is present.
    keys: u16,
    id: Option<RecordId>,
    code: Option<Cow<'a, str>>,
    verdict: Option<Cow<'a, str>>,
    tags: Vec<String>,
    outcome: Option<Cow<'a, str>>,
    operator: Option<Cow<'a, str>>,
    has_prediction: bool,
    has_note: bool,
    /// `input` when it is a string (only CRUXEval records need it).
    input: Option<Cow<'a, str>>,
    output_is_string: bool,
}

const KEYS: [&str; 15] = [
    "id",
    "code",
    "stdin",
    "origin",
    "code_tokens",
    "trace",
    "trace_tokens",
    "outcome",
    "prediction",
    "verdict",
    "tags",
    "note",
    "input",
    "output",
    "predictions",
];

/// A JSON object key: the index of one of [`KEYS`], or `None` for another key.
struct Key(Option<usize>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(Key(KEYS.iter().position(|known| *known == key)))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A string, borrowed from the line when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s.to_string())))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A string that is checked and dropped.
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl Visitor<'_> for StrVisitor {
            type Value = AnyStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyStr, E> {
                Ok(AnyStr)
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A list of strings, checked without being collected (a `Vec` of a zero-sized type does not
/// allocate).
type Strings = Vec<AnyStr>;

/// `Origin`: `id` (string or integer) and optional `mutation`; other keys anything.
#[derive(Deserialize)]
struct OriginPeek<'a> {
    #[serde(rename = "id")]
    _id: RecordId,
    #[serde(default, borrow)]
    mutation: Option<MutationPeek<'a>>,
}

/// `Mutation`: every field required.
#[derive(Deserialize)]
struct MutationPeek<'a> {
    #[serde(borrow)]
    op: Text<'a>,
    #[serde(rename = "line")]
    _line: u32,
    #[serde(rename = "before")]
    _before: AnyStr,
    #[serde(rename = "after")]
    _after: AnyStr,
}

/// `Prediction`: a string, or an object whose `model`, `trace` and `metrics` (when present)
/// are a string, a list of strings and an object.
struct PredictionPeek;

impl<'de> Deserialize<'de> for PredictionPeek {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PredictionVisitor;
        impl<'de> Visitor<'de> for PredictionVisitor {
            type Value = PredictionPeek;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a prediction (a string or an object)")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<PredictionPeek, E> {
                Ok(PredictionPeek)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PredictionPeek, A::Error> {
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.0.as_ref() {
                        "model" => map.next_value::<AnyStr>().map(drop),
                        "trace" => map.next_value::<Strings>().map(drop),
                        "metrics" => map.next_value::<Object>().map(drop),
                        _ => map.next_value::<IgnoredAny>().map(drop),
                    }?;
                }
                Ok(PredictionPeek)
            }
        }
        deserializer.deserialize_any(PredictionVisitor)
    }
}

/// A JSON object, checked and dropped (only its keys are kept, briefly).
type Object = std::collections::BTreeMap<String, IgnoredAny>;

/// A string or `null` (which counts as absent).
fn optional_text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map.next_value::<Option<Text<'de>>>()?.map(|text| text.0))
}

impl<'de> Deserialize<'de> for Peek<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PeekVisitor)
    }
}

struct PeekVisitor;

impl<'de> Visitor<'de> for PeekVisitor {
    type Value = Peek<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peek<'de>, A::Error> {
        let mut peek = Peek::default();
        while let Some(Key(index)) = map.next_key::<Key>()? {
            let Some(index) = index else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            peek.keys |= 1 << index;
            match KEYS[index] {
                "id" => peek.id = Some(map.next_value::<RecordId>()?),
                "code" => peek.code = Some(map.next_value::<Text<'de>>()?.0),
                "stdin" => map.next_value::<AnyStr>().map(drop)?,
                "note" => peek.has_note = !map.next_value::<Text<'de>>()?.0.is_empty(),
                "code_tokens" | "trace" | "trace_tokens" => {
                    map.next_value::<Strings>().map(drop)?
                }
                "origin" => {
                    let origin = map.next_value::<Option<OriginPeek<'de>>>()?;
                    peek.operator = origin.and_then(|o| o.mutation).map(|m| m.op.0);
                }
                "outcome" => peek.outcome = optional_text(&mut map)?,
                "prediction" => {
                    peek.has_prediction = map.next_value::<Option<PredictionPeek>>()?.is_some()
                }
                "verdict" => peek.verdict = Some(map.next_value::<Text<'de>>()?.0),
                "tags" => peek.tags = map.next_value::<Vec<String>>()?,
                "input" => {
                    peek.input = map.next_value::<MaybeText<'de>>()?.0;
                }
                "predictions" => map.next_value::<IgnoredAny>().map(drop)?,
                _ => {
                    // "output": only whether it is a string matters.
                    peek.output_is_string = map.next_value::<MaybeText<'de>>()?.0.is_some();
                }
            }
        }
        Ok(peek)
    }
}

/// Any JSON value; `Some` when it is a string.
struct MaybeText<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for MaybeText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(MaybeText(match value {
            serde_json::Value::String(s) => Some(Cow::Owned(s)),
            _ => None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::source::parse_line;

    /// The fast path agrees with the full parse on every line: same acceptance, same summary.
    #[test]
    fn agrees_with_the_full_parse() {
        let lines = [
            r#"{"id": "a", "code": "x = 1"}"#,
            r#"{"id": "a\"q", "code": "x = \"\u00e9\"\n", "unknown": [1, {"b": null}]}"#,
            r#"{"id": "a", "code": "x", "verdict": "accepted", "tags": ["t1", "t\u0032"], "note": "n", "stdin": ""}"#,
            r#"{"id": "a", "code": "x", "outcome": null, "prediction": null, "origin": null}"#,
            r#"{"id": "a", "code": "x", "outcome": "completed", "prediction": "<line> <0>"}"#,
            r#"{"id": "a", "code": "x", "prediction": {"model": "m", "trace": ["s"], "metrics": {"em": 1}, "other": 2}}"#,
            r#"{"id": "a", "code": "x", "prediction": {"model": null}}"#,
            r#"{"id": "a", "code": "x", "prediction": {"trace": [1]}}"#,
            r#"{"id": "a", "code": "x", "prediction": 5}"#,
            r#"{"id": "a", "code": "x", "origin": {"id": "o", "mutation": {"op": "ROR", "line": 3, "before": "<", "after": ">"}, "k": 1}}"#,
            r#"{"id": "a", "code": "x", "origin": {"id": "o", "mutation": null}}"#,
            r#"{"id": "a", "code": "x", "origin": {"id": "o", "mutation": {"op": "ROR", "line": -1, "before": "<", "after": ">"}}}"#,
            r#"{"id": "a", "code": "x", "origin": {"id": "o", "mutation": {"op": "ROR", "line": 1.5, "before": "<", "after": ">"}}}"#,
            r#"{"id": "a", "code": "x", "origin": {"mutation": null}}"#,
            r#"{"id": "a", "code": "x", "origin": "o"}"#,
            r#"{"id": "a", "code": "x", "code_tokens": ["<0>"], "trace": [], "trace_tokens": ["a"]}"#,
            r#"{"id": "a", "code": "x", "code_tokens": null}"#,
            r#"{"id": "a", "code": "x", "trace": ["a", 1]}"#,
            r#"{"id": "a", "code": "x", "tags": "t"}"#,
            r#"{"id": "a", "code": "x", "tags": null}"#,
            r#"{"id": "a", "code": "x", "verdict": null}"#,
            r#"{"id": "a", "code": "x", "note": 3}"#,
            r#"{"id": "a", "code": "x", "stdin": null}"#,
            r#"{"id": 5, "code": "x"}"#,
            r#"{"code": "x"}"#,
            r#"{"id": "a"}"#,
            r#"{"id": "a", "code": "def f(x):\n    return x", "input": "1", "output": "1"}"#,
            r#"{"id": "a", "code": "x", "input": 1, "output": "1"}"#,
            r#"{"id": "a", "code": "x", "input": "1", "output": null}"#,
            r#"{"id": "a", "code": "x", "input": 1, "output": 2, "verdict": "rejected"}"#,
            r#"{"id": "a", "code": "x", "input": "1", "output": "2", "trace": ["s"]}"#,
            r#"[1, 2]"#,
            r#"5"#,
            r#"{"id": "a", "code": "x""#,
            r#"{"id": "a", "code": "x"} trailing"#,
            r#"{"id": "a", "code": "x", "prediction": {"metrics": 5}}"#,
            r#"{"id": "a", "code": "x", "prediction": {"metrics": null}}"#,
            r#"{"id": "a", "code": "x", "prediction": {"metrics": {"a": [1]}, "trace": []}}"#,
            r#"{"id": "a", "code": "def f(x):\n    return x", "input": "1", "output": "1", "prediction": "1"}"#,
            r#"{"id": "a", "code": "x", "input": "1", "output": "1", "predictions": ["1"], "verdicts": []}"#,
            r#"{"id": "a", "code": "x", "input": "1", "output": "1", "predictions": null}"#,
            r#"{"id": "a", "code": "x", "input": "1", "output": "1", "prediction": 3}"#,
        ];
        let mut accepted = Vec::new();
        for (number, line) in lines.iter().enumerate() {
            let full = parse_line(line.as_bytes());
            let fast = summarize_line(line.as_bytes());
            match (&full, &fast) {
                (Ok((record, format)), Ok(summary)) => {
                    assert_eq!(*summary, Summary::of(record, *format), "{line}");
                    accepted.push(number);
                }
                (Err(_), Err(_)) => {}
                _ => panic!("disagree on {line}: {full:?} vs {fast:?}"),
            }
        }
        // 23: an integer id is an id.
        assert_eq!(
            accepted,
            [0, 1, 2, 3, 4, 5, 9, 10, 15, 23, 26, 29, 30, 37, 38, 39, 40]
        );
    }
}
