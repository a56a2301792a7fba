//! Model runtime checks against the committed parity fixtures (tests/fixtures/parity, made by
//! make_parity.py with Hugging Face transformers): hidden states, log-probs, greedy and beam ids,
//! the tokenizer, and the loader's formats and errors.

mod model_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use candle_core::{Device, Tensor, D};
use serde_json::Value;
use tracelens::model::beam::Hypothesis;
use tracelens::model::{generate, Model, RobertaConfig, Search, StopReason, WeightsFile};

use model_support::max_abs_diff;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity/tiny")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn expected_tensors() -> HashMap<String, Tensor> {
    candle_core::safetensors::load(fixture_dir().join("expected.safetensors"), &Device::Cpu)
        .unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn model() -> Model {
    Model::load(&fixture_dir()).unwrap()
}

fn source_hidden(model: &Model, source: &[u32]) -> Tensor {
    model
        .roberta
        .encode_source(source)
        .unwrap()
        .hidden
        .squeeze(0)
        .unwrap()
}

#[test]
fn source_sequence_matches_reference_layout() {
    let exp = expected();
    let code: Vec<String> = serde_json::from_value(exp["code_tokens"].clone()).unwrap();
    let got = model().source_ids(&code, "<codenet>", 256).unwrap();
    assert_eq!(got, ids(&exp["source_ids"]));
}

#[test]
fn source_hidden_states_match_transformers() {
    let exp = expected();
    let m = model();
    let hidden = source_hidden(&m, &ids(&exp["source_ids"]));
    let diff = max_abs_diff(&hidden, &expected_tensors()["source_hidden"]);
    assert!(diff < 1e-4, "max abs diff {diff}");
}

/// Teacher-forced log-probs of the whole target, decoded all at once and one token at a time.
#[test]
fn target_log_probs_match_transformers_batched_and_incremental() {
    let exp = expected();
    let m = model();
    let source = ids(&exp["source_ids"]);
    let target = ids(&exp["target_ids"]);
    let want = &expected_tensors()["target_log_probs"];
    let enc = m.roberta.encode_source(&source).unwrap();
    let log_probs = |hidden: &Tensor| {
        let logits = m.roberta.lm_logits(hidden).unwrap();
        candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap()
    };

    let mut cache = m.roberta.new_target_cache();
    let input = Tensor::new(target.as_slice(), &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let hidden = m.roberta.decode(&input, &enc, &mut cache).unwrap();
    let all_at_once = log_probs(&hidden.squeeze(0).unwrap());
    let diff = max_abs_diff(&all_at_once, want);
    assert!(diff < 1e-4, "batched: max abs diff {diff}");

    let mut cache = m.roberta.new_target_cache();
    let rows: Vec<Tensor> = target
        .iter()
        .map(|&t| {
            let input = Tensor::new(&[[t]], &Device::Cpu).unwrap();
            let hidden = m.roberta.decode(&input, &enc, &mut cache).unwrap();
            log_probs(&hidden.squeeze(0).unwrap())
        })
        .collect();
    let step_by_step = Tensor::cat(&rows, 0).unwrap();
    let diff = max_abs_diff(&step_by_step, want);
    assert!(diff < 1e-4, "incremental: max abs diff {diff}");
}

fn run(m: &Model, eos: u32, beam: usize) -> Vec<Hypothesis> {
    let exp = expected();
    let search = Search {
        sos: exp["sos"].as_u64().unwrap() as u32,
        eos,
        beam,
        max_tokens: exp["max_len"].as_u64().unwrap() as usize,
    };
    let never = AtomicBool::new(false);
    let gen = generate(
        &m.roberta,
        &ids(&exp["source_ids"]),
        &search,
        &never,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(gen.ids, gen.hypotheses[0].ids);
    gen.hypotheses
}

fn assert_hypotheses(got: &[Hypothesis], want: &Value) {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.ids, ids(&w["ids"]));
        let score = w["score"].as_f64().unwrap() as f32;
        assert!((g.score - score).abs() < 1e-3, "{} vs {score}", g.score);
    }
}

#[test]
fn greedy_ids_match_reference() {
    let exp = expected();
    let m = model();
    let eos = exp["eos"].as_u64().unwrap() as u32;
    assert_eq!(run(&m, eos, 1)[0].ids, ids(&exp["greedy"]));
    let early = exp["early_eos"].as_u64().unwrap() as u32;
    assert_eq!(run(&m, early, 1)[0].ids, ids(&exp["greedy_early"]));
}

#[test]
fn beam_hypotheses_match_reference() {
    let exp = expected();
    let m = model();
    let size = exp["beam_size"].as_u64().unwrap() as usize;
    let eos = exp["eos"].as_u64().unwrap() as u32;
    assert_hypotheses(&run(&m, eos, size), &exp["beam"]);
    let early = exp["early_eos"].as_u64().unwrap() as u32;
    assert_hypotheses(&run(&m, early, size), &exp["beam_early"]);
}

#[test]
fn cancellation_stops_generation_at_the_next_step() {
    let exp = expected();
    let m = model();
    let cancel = AtomicBool::new(false);
    let search = Search {
        sos: exp["sos"].as_u64().unwrap() as u32,
        eos: exp["eos"].as_u64().unwrap() as u32,
        beam: 1,
        max_tokens: 200,
    };
    let mut seen = 0;
    let gen = generate(
        &m.roberta,
        &ids(&exp["source_ids"]),
        &search,
        &cancel,
        &mut |ids| {
            seen = ids.len();
            if ids.len() == 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
    )
    .unwrap();
    assert_eq!(gen.stop, StopReason::Cancelled);
    assert_eq!(gen.ids.len(), 5);
    assert_eq!(seen, 5);
}

// ---- tokenizer ----

#[test]
fn tokenizer_matches_python_slow_tokenizer() {
    let exp = expected();
    let m = model();
    for sample in exp["encode"].as_array().unwrap() {
        let text = sample["text"].as_str().unwrap();
        assert_eq!(
            m.tokenizer.encode(text).unwrap(),
            ids(&sample["ids"]),
            "{text}"
        );
    }
}

#[test]
fn added_tokens_are_single_special_ids_that_strip_spaces() {
    let t = model().tokenizer;
    for tok in tracelens::model::tokenizer::codeexecutor_tokens() {
        let ids = t.encode(&tok).unwrap();
        assert_eq!(ids.len(), 1, "{tok} -> {ids:?}");
        assert!(t.is_special(ids[0]));
        assert_eq!(ids[0], t.token_id(&tok).unwrap());
    }
    let spaced = t.encode("x   <line>   y").unwrap();
    let tight = t.encode("x<line>y").unwrap();
    assert_eq!(spaced, tight);
    assert_eq!(spaced.len(), 3);
}

#[test]
fn decode_puts_single_spaces_around_special_tokens() {
    let t = model().tokenizer;
    let text = "<line> <0> <state> s : [ x , y , z ] </state>";
    let ids = t.encode(text).unwrap();
    assert_eq!(t.decode(&ids).unwrap(), text);
    let tight = t
        .encode("<line><0><state>x : 1<dictsep>y : 2</state>")
        .unwrap();
    assert_eq!(
        t.decode(&tight).unwrap(),
        "<line> <0> <state> x : 1 <dictsep> y : 2 </state>"
    );
}

// ---- loader ----

/// A copy of the fixture model in a temporary directory, with the given weights file.
fn model_copy(weights: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "config.json",
        "vocab.json",
        "merges.txt",
        "added_tokens.json",
        "special_tokens_map.json",
        weights,
    ] {
        std::fs::copy(fixture_dir().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn safetensors_and_pytorch_bin_give_the_same_outputs() {
    let exp = expected();
    let source = ids(&exp["source_ids"]);
    let dir = model_copy("pytorch_model.bin");
    assert!(matches!(
        WeightsFile::find(dir.path()).unwrap(),
        WeightsFile::Pytorch(_)
    ));
    let from_bin = Model::load(dir.path()).unwrap();
    let from_st = model();
    let diff = max_abs_diff(
        &source_hidden(&from_bin, &source),
        &source_hidden(&from_st, &source),
    );
    assert_eq!(diff, 0.0);
}

fn load_error(dir: &Path) -> String {
    format!("{:#}", Model::load(dir).unwrap_err())
}

/// Rewrite the fixture's safetensors with one tensor changed (None removes it).
fn edited_weights(name: &str, replacement: Option<Tensor>) -> tempfile::TempDir {
    let dir = model_copy("model.safetensors");
    let path = dir.path().join("model.safetensors");
    let mut tensors = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    match replacement {
        Some(t) => tensors.insert(name.to_string(), t),
        None => tensors.remove(name),
    };
    candle_core::safetensors::save(&tensors, &path).unwrap();
    dir
}

#[test]
fn missing_tensor_is_named() {
    let name = "encoder.layer.1.attention.self.key.bias";
    let err = load_error(edited_weights(name, None).path());
    assert!(err.contains(name), "{err}");
}

#[test]
fn wrong_shape_is_named() {
    let name = "encoder.layer.0.intermediate.dense.weight";
    let bad = Tensor::zeros((3, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
    let err = load_error(edited_weights(name, Some(bad)).path());
    assert!(err.contains(name) && err.contains("shape"), "{err}");
}

#[test]
fn truncated_files_give_a_clear_error() {
    for weights in ["model.safetensors", "pytorch_model.bin"] {
        let dir = model_copy(weights);
        let path = dir.path().join(weights);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = load_error(dir.path());
        assert!(err.contains("cannot read weights file"), "{weights}: {err}");
    }
}

#[test]
fn unknown_architecture_is_refused() {
    let dir = model_copy("model.safetensors");
    let path = dir.path().join("config.json");
    let mut cfg: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    cfg["architectures"] = serde_json::json!(["LlamaForCausalLM"]);
    std::fs::write(&path, cfg.to_string()).unwrap();
    let err = load_error(dir.path());
    assert!(err.contains("unknown architecture"), "{err}");
}

#[test]
fn missing_model_directory_says_how_to_get_one() {
    let err = load_error(Path::new("/nonexistent/tracelens-model"));
    assert!(
        err.contains("--model") && err.contains("tracelens train"),
        "{err}"
    );
}

#[test]
fn fixture_config_is_the_tiny_model() {
    let cfg = RobertaConfig::from_file(&fixture_dir().join("config.json")).unwrap();
    assert_eq!(cfg.hidden_size, 32);
    assert_eq!(cfg.type_vocab_size, 2);
}

// ---- worker with the real tiny model ----

#[test]
fn worker_streams_a_real_prediction_and_reports_bad_requests() {
    use std::sync::mpsc::channel;
    use std::time::Duration;
    use tracelens::model::worker::{ModelWorker, Request, WorkerEvent};
    use tracelens::model::PredictOptions;

    let (tx, rx) = channel();
    let worker = ModelWorker::for_path(fixture_dir(), move |e| {
        let _ = tx.send(e);
    });
    let exp = expected();
    let code: Vec<String> = serde_json::from_value(exp["code_tokens"].clone()).unwrap();
    let opts = PredictOptions {
        max_tokens: 24,
        ..PredictOptions::default()
    };
    worker.request(Request {
        id: 1,
        code_tokens: code.clone(),
        opts: opts.clone(),
    });
    let mut partials = 0;
    loop {
        match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            WorkerEvent::Loading { .. } | WorkerEvent::Ready { .. } => {}
            WorkerEvent::Partial { id: 1, .. } => partials += 1,
            WorkerEvent::Done { id: 1, prediction } => {
                assert_eq!(prediction.output_ids, ids(&exp["greedy"]));
                assert_eq!(prediction.input_ids, ids(&exp["source_ids"]));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(partials, 24);
    worker.request(Request {
        id: 2,
        code_tokens: code,
        opts: PredictOptions {
            prefix: "<no-such-prefix>".into(),
            ..opts
        },
    });
    match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
        WorkerEvent::Failed { id: 2, message } => {
            assert!(message.contains("<no-such-prefix>"), "{message}")
        }
        other => panic!("unexpected {other:?}"),
    }
}

// ---- the whole-sequence path that training will use ----

/// UniXcoder's mask over source + target as an additive `[1, 1, n, n]` tensor: source rows see
/// the source, target rows see the source and the target up to themselves.
fn unixcoder_mask(s: usize, t: usize) -> Tensor {
    let n = s + t;
    let values: Vec<f32> = (0..n)
        .flat_map(|i| {
            (0..n).map(move |j| {
                let visible = if i < s { j < s } else { j <= i };
                if visible {
                    0.0
                } else {
                    f32::MIN
                }
            })
        })
        .collect();
    Tensor::from_vec(values, (1, 1, n, n), &Device::Cpu).unwrap()
}

#[test]
fn whole_sequence_forward_matches_reference_with_both_kernel_sets() {
    use tracelens::model::Kernels;
    let exp = expected();
    let want = &expected_tensors()["target_log_probs"];
    let source = ids(&exp["source_ids"]);
    let target = ids(&exp["target_ids"]);
    let all: Vec<u32> = source.iter().chain(&target).copied().collect();
    let input = Tensor::new(all.as_slice(), &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let mask = unixcoder_mask(source.len(), target.len());
    let mut m = model();
    for kernels in [Kernels::Fused, Kernels::Differentiable] {
        m.roberta.set_kernels(kernels);
        let hidden = m.roberta.forward(&input, Some(&mask)).unwrap();
        let hidden = hidden.squeeze(0).unwrap();
        let logits = m
            .roberta
            .lm_logits(&hidden.narrow(0, source.len(), target.len()).unwrap())
            .unwrap();
        let log_probs = candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap();
        let diff = max_abs_diff(&log_probs, want);
        assert!(diff < 1e-4, "{kernels:?}: max abs diff {diff}");
    }
}

#[test]
fn tokenizer_json_round_trips_the_vocab_files_tokenizer() {
    let exp = expected();
    let from_files = model().tokenizer;
    let dir = tempfile::tempdir().unwrap();
    from_files.save(&dir.path().join("tokenizer.json")).unwrap();
    let from_json = tracelens::model::CodeTokenizer::from_dir(dir.path()).unwrap();
    assert_eq!(from_json.vocab_size(), from_files.vocab_size());
    for sample in exp["encode"].as_array().unwrap() {
        let text = sample["text"].as_str().unwrap();
        let got = from_json.encode(text).unwrap();
        assert_eq!(got, ids(&sample["ids"]), "{text}");
        assert_eq!(
            from_json.decode(&got).unwrap(),
            from_files.decode(&got).unwrap()
        );
    }
}

#[test]
fn seq2seq_checkpoint_names_under_encoder_load() {
    let dir = model_copy("model.safetensors");
    let path = dir.path().join("model.safetensors");
    let tensors: HashMap<String, Tensor> = candle_core::safetensors::load(&path, &Device::Cpu)
        .unwrap()
        .into_iter()
        .map(|(k, v)| (format!("encoder.{k}"), v))
        .collect();
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let source = ids(&expected()["source_ids"]);
    let renamed = Model::load(dir.path()).unwrap();
    let diff = max_abs_diff(
        &source_hidden(&renamed, &source),
        &source_hidden(&model(), &source),
    );
    assert_eq!(diff, 0.0);
}
