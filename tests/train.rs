//! Training checks on a tiny model and a tiny dataset: every parameter gets a gradient, a short
//! run lowers the loss, a saved checkpoint loads in the runtime with identical outputs, and a
//! resumed run continues the schedule exactly.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use candle_core::Tensor;
use tracelens::dataset::Record;
use tracelens::model::tokenizer_train::{save_tokenizer, train_tokenizer};
use tracelens::model::train::batch::{shards, Batch, Example, Vocab};
use tracelens::model::train::curriculum::Curriculum;
use tracelens::model::train::data::tokenizer_texts;
use tracelens::model::train::{run, TrainOptions, Trainer};
use tracelens::model::{generate, CodeTokenizer, Kernels, Model, RobertaConfig, Search};
use tracelens::trace::codeexecutor::code_tokens;

/// `a = N` then `b = a * 2`, with the trace CPython gives.
fn record(n: i64) -> Record {
    let code = format!("a = {n}\nb = a * 2\n");
    let json = serde_json::json!({
        "id": format!("double-{n}"),
        "code": code,
        "code_tokens": code_tokens(&code).unwrap(),
        "trace": [
            format!("<line> <0> <state> a : {n} </state>"),
            format!("<line> <1> <state> a : {n} <dictsep> b : {} </state>", 2 * n),
        ],
    });
    serde_json::from_value(json).unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    tokenizer_path: PathBuf,
    tokenizer: CodeTokenizer,
    vocab: Vocab,
    examples: Vec<Example>,
}

fn setup() -> Setup {
    let records: Vec<Record> = (0..12).map(record).collect();
    let texts = tokenizer_texts(&records);
    let trained = train_tokenizer(texts.iter(), 600).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tokenizer_path = dir.path().join("tokenizer.json");
    let tokenizer = save_tokenizer(&trained, &tokenizer_path).unwrap();
    let vocab = Vocab::new(&tokenizer).unwrap();
    let examples = records
        .iter()
        .map(|r| Example::from_record(r, "<singleline>", &tokenizer, &vocab, 64, 64).unwrap())
        .collect();
    Setup {
        _dir: dir,
        tokenizer_path,
        tokenizer,
        vocab,
        examples,
    }
}

fn tiny_config(tokenizer: &CodeTokenizer) -> RobertaConfig {
    RobertaConfig {
        vocab_size: tokenizer.vocab_size(),
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 64,
        max_position_embeddings: 160,
        type_vocab_size: 1,
        architectures: vec!["RobertaModel".into()],
        ..RobertaConfig::codeexecutor()
    }
}

fn options(steps: [usize; 3]) -> TrainOptions {
    TrainOptions {
        steps,
        batch_size: 4,
        lr: 3e-3,
        warmup: 2,
        seed: 11,
        max_source: 64,
        max_target: 64,
        checkpoint_every: 0,
        ..TrainOptions::default()
    }
}

/// The largest element-wise difference of two tensors of one shape.
fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let values = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    values(a)
        .iter()
        .zip(values(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn every_parameter_receives_a_non_zero_gradient() {
    let s = setup();
    let trainer = Trainer::new(&tiny_config(&s.tokenizer), options([1, 0, 0])).unwrap();
    let refs: Vec<&Example> = s.examples.iter().take(3).collect();
    let batch = Batch::new(&refs, &s.vocab, &candle_core::Device::Cpu).unwrap();
    let grads = trainer.loss(&batch).unwrap().backward().unwrap();
    let vars = trainer.variables().unwrap();
    // 5 embedding tensors, 16 per layer.
    assert_eq!(vars.len(), 5 + 2 * 16);
    for (name, var) in vars {
        let g = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("{name} has no gradient"));
        let size: f32 = g.abs().unwrap().sum_all().unwrap().to_scalar().unwrap();
        assert!(size > 0.0, "{name} has a zero gradient");
    }
}

#[test]
fn a_short_run_lowers_the_loss() {
    let s = setup();
    let mut trainer = Trainer::new(&tiny_config(&s.tokenizer), options([40, 0, 0])).unwrap();
    let refs: Vec<&Example> = s.examples.iter().collect();
    let batch = Batch::new(&refs, &s.vocab, &candle_core::Device::Cpu).unwrap();
    let before: f32 = trainer.loss(&batch).unwrap().to_scalar().unwrap();
    let data = [s.examples.clone(), Vec::new(), Vec::new()];
    let curriculum = Curriculum::new(data, [40, 0, 0], 11).unwrap();
    let out = tempfile::tempdir().unwrap();
    run(
        &mut trainer,
        &curriculum,
        &s.vocab,
        out.path(),
        &s.tokenizer_path,
        None,
        &mut |_| {},
    )
    .unwrap();
    let after: f32 = trainer.loss(&batch).unwrap().to_scalar().unwrap();
    assert!(
        after < 0.6 * before,
        "loss went from {before} to only {after}"
    );
    assert_eq!(trainer.step, 40);
    assert!(trainer.timing.tokens > 0 && trainer.timing.backward_s > 0.0);
}

fn greedy_ids(model: &tracelens::model::Roberta, source: &[u32], vocab: &Vocab) -> Vec<u32> {
    let search = Search {
        sos: vocab.sos,
        eos: vocab.eos,
        beam: 1,
        max_tokens: 40,
    };
    generate(model, source, &search, &AtomicBool::new(false), &mut |_| {})
        .unwrap()
        .ids
}

#[test]
fn a_saved_checkpoint_loads_in_the_runtime_with_identical_outputs() {
    let s = setup();
    let mut trainer = Trainer::new(&tiny_config(&s.tokenizer), options([5, 0, 0])).unwrap();
    let data = [s.examples.clone(), Vec::new(), Vec::new()];
    let curriculum = Curriculum::new(data, [5, 0, 0], 11).unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("model");
    run(
        &mut trainer,
        &curriculum,
        &s.vocab,
        &dir,
        &s.tokenizer_path,
        None,
        &mut |_| {},
    )
    .unwrap();
    let loaded = Model::load(&dir).unwrap();
    let mut trained = trainer.model().clone();
    trained.set_kernels(Kernels::Fused);
    let source = &s.examples[3].source;
    let ids = Tensor::new(source.as_slice(), &candle_core::Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let a = trained.forward(&ids, None).unwrap();
    let b = loaded.roberta.forward(&ids, None).unwrap();
    assert_eq!(max_abs_diff(&a, &b), 0.0);
    assert_eq!(
        greedy_ids(&trained, source, &s.vocab),
        greedy_ids(&loaded.roberta, source, &s.vocab)
    );
    assert_eq!(loaded.tokenizer.vocab_size(), s.tokenizer.vocab_size());
}

#[test]
fn a_step_on_two_threads_of_length_groups_equals_a_step_on_the_whole_batch() {
    let s = setup();
    let cfg = tiny_config(&s.tokenizer);
    // One example three times as long as the others, so a thread runs two batches.
    let first = &s.examples[0];
    let long = Example {
        source: first.source.repeat(3),
        target: first.target.clone(),
    };
    let mut refs: Vec<&Example> = s.examples.iter().take(5).collect();
    refs.push(&long);
    let device = candle_core::Device::Cpu;
    let whole = vec![vec![Batch::new(&refs, &s.vocab, &device).unwrap()]];
    let scaled: Vec<_> = refs.iter().map(|&e| (e, 1.0)).collect();
    let halves = shards(&scaled, 2, &s.vocab, &device).unwrap();
    assert_eq!(halves.len(), 2);
    let tokens = |threads: &[Vec<Batch>]| threads.iter().flatten().map(|b| b.tokens).sum::<usize>();
    assert_eq!(tokens(&halves), tokens(&whole));
    assert!(
        halves.iter().any(|batches| batches.len() > 1),
        "the long example has a batch of its own"
    );
    let mut one = Trainer::new(&cfg, options([1, 0, 0])).unwrap();
    let mut two = Trainer::new(&cfg, options([1, 0, 0])).unwrap();
    let a = one.train_step(&whole, 1e-2).unwrap();
    let b = two.train_step(&halves, 1e-2).unwrap();
    assert!(
        (a.loss - b.loss).abs() <= 1e-5 * a.loss.abs(),
        "{a:?} vs {b:?}"
    );
    assert!(
        (a.grad_norm - b.grad_norm).abs() <= 1e-4 * a.grad_norm,
        "{a:?} vs {b:?}"
    );
    for ((name, x), (_, y)) in weights(&one).iter().zip(weights(&two).iter()) {
        let d = max_abs_diff(x, y);
        assert!(d <= 1e-5, "{name} differs by {d}");
    }
    let moved = max_abs_diff(
        &weights(&one)[0].1,
        &weights(&Trainer::new(&cfg, options([1, 0, 0])).unwrap())[0].1,
    );
    assert!(moved > 0.0, "the step changed nothing");
}

fn weights(trainer: &Trainer) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = trainer
        .variables()
        .unwrap()
        .into_iter()
        .map(|(n, v)| (n, v.as_tensor().copy().unwrap()))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

fn train_to_end(trainer: &mut Trainer, s: &Setup, dir: &Path, stop_after: Option<usize>) {
    let data = [
        s.examples[..6].to_vec(),
        s.examples[6..].to_vec(),
        s.examples[..2].to_vec(),
    ];
    let curriculum = Curriculum::new(data, [3, 3, 2], 11).unwrap();
    run(
        trainer,
        &curriculum,
        &s.vocab,
        dir,
        &s.tokenizer_path,
        stop_after,
        &mut |_| {},
    )
    .unwrap();
}

#[test]
fn a_resumed_run_continues_the_schedule_exactly() {
    let s = setup();
    let cfg = tiny_config(&s.tokenizer);
    let out = tempfile::tempdir().unwrap();
    let whole = out.path().join("whole");
    let mut straight = Trainer::new(&cfg, options([3, 3, 2])).unwrap();
    train_to_end(&mut straight, &s, &whole, None);
    assert_eq!(straight.step, 8);

    let split = out.path().join("split");
    let mut first = Trainer::new(&cfg, options([3, 3, 2])).unwrap();
    train_to_end(&mut first, &s, &split, Some(4));
    assert_eq!(first.step, 4, "stopped mid stage 2");
    drop(first);
    let mut resumed = Trainer::resume(&split).unwrap();
    assert_eq!(resumed.step, 4);
    train_to_end(&mut resumed, &s, &split, None);
    assert_eq!(resumed.step, 8);

    let losses = |t: &Trainer| t.losses.iter().map(|(_, l)| *l).collect::<Vec<_>>();
    let (a, b) = (losses(&straight), losses(&resumed));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-5 * x.abs().max(1.0), "{a:?} vs {b:?}");
    }
    for ((name, x), (_, y)) in weights(&straight).iter().zip(weights(&resumed).iter()) {
        let d = max_abs_diff(x, y);
        assert!(d <= 1e-5, "{name} differs by {d}");
    }
}
