//! Model runtime benchmark (plain bench binary: `cargo bench --bench model`).
//!
//! Builds the full-size CodeExecutor configuration (12 layers, 768 hidden, vocabulary 51,627)
//! with random weights in a temporary directory, then, each in a fresh child process so peak
//! memory is its own: greedy decoding after a 256-token source (tokens/s) and beam 4 (steps/s),
//! with peak resident memory against the weights' size. Where `scripts/.venv` has torch and
//! transformers, `benches/model_bench.py` decodes the same weights with transformers' own
//! incremental decoding (past_key_values) on the same CPU, and the ratios are printed.
//! The stop token is never produced (it lies outside the vocabulary), so every run decodes the
//! full number of steps. candle and transformers alternate for two rounds and each rate is the
//! best of its rounds (peaks the worst), so load on a shared machine hits both sides alike.
//! The shipped default model (models/tracelens-tiny) is measured too once it exists.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use tracelens::model::{generate, RobertaConfig, Search, WeightsFile};

const SOURCE_LEN: usize = 256;
const GREEDY_TOKENS: usize = 100;
const BEAM: usize = 4;
const BEAM_STEPS: usize = 40;
const CHILD_ENV: &str = "TRACELENS_BENCH_CHILD";
/// candle and transformers run alternately this many times; each rate is the best of its
/// rounds, so a burst of load on a shared machine hits both sides alike.
const ROUNDS: usize = 2;

/// Random weights for `cfg`, named as Hugging Face's RobertaModel names them.
fn random_weights(cfg: &RobertaConfig) -> Result<HashMap<String, Tensor>> {
    let dev = Device::Cpu;
    let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
    let mut t = HashMap::new();
    let mut normal = |name: String, shape: &[usize]| -> Result<()> {
        t.insert(name, Tensor::randn(0f32, 0.02, shape, &dev)?);
        Ok(())
    };
    normal(
        "embeddings.word_embeddings.weight".into(),
        &[cfg.vocab_size, h],
    )?;
    normal(
        "embeddings.position_embeddings.weight".into(),
        &[cfg.max_position_embeddings, h],
    )?;
    normal(
        "embeddings.token_type_embeddings.weight".into(),
        &[cfg.type_vocab_size, h],
    )?;
    let mut norms = vec!["embeddings.LayerNorm".to_string()];
    for l in 0..cfg.num_hidden_layers {
        let p = format!("encoder.layer.{l}");
        for (name, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", i, h),
            ("output.dense", h, i),
        ] {
            normal(format!("{p}.{name}.weight"), &[out, inp])?;
            normal(format!("{p}.{name}.bias"), &[out])?;
        }
        norms.push(format!("{p}.attention.output.LayerNorm"));
        norms.push(format!("{p}.output.LayerNorm"));
    }
    for n in norms {
        t.insert(format!("{n}.weight"), Tensor::ones(h, DType::F32, &dev)?);
        t.insert(format!("{n}.bias"), Tensor::zeros(h, DType::F32, &dev)?);
    }
    Ok(t)
}

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .context("bad VmHWM")?
        .parse()?;
    Ok(kb * 1024)
}

/// CPU seconds (user + system) this process has used so far; /proc/self/stat counts in clock
/// ticks of 1/100 s on Linux.
fn cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let after_name = stat.rsplit_once(')').context("bad /proc/self/stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .context("short /proc/self/stat")?
        .iter()
        .map(|f| f.parse::<u64>())
        .sum::<Result<u64, _>>()?;
    Ok(ticks as f64 / 100.0)
}

/// Reset the peak so the next reading covers generation only.
fn reset_peak() -> Result<()> {
    std::fs::write("/proc/self/clear_refs", "5").context("cannot reset VmHWM")
}

/// Child: load the model in `dir`, run greedy and beam, print one JSON line.
fn child(dir: &Path) -> Result<()> {
    let cfg = RobertaConfig::from_file(&dir.join("config.json"))?;
    let weights = WeightsFile::find(dir)?;
    let weight_bytes = std::fs::metadata(weights.path())?.len();
    let load_start = Instant::now();
    let model = weights.load(&cfg)?;
    let load_s = load_start.elapsed().as_secs_f64();
    let peak_load = peak_rss()?;
    let source: Vec<u32> = (0..SOURCE_LEN)
        .map(|i| (i * 7919 % cfg.vocab_size) as u32)
        .collect();
    let never = AtomicBool::new(false);
    let eos = cfg.vocab_size as u32; // outside the vocabulary: never produced
    reset_peak()?;
    let cpu_before = cpu_seconds()?;
    let greedy = generate(
        &model,
        &source,
        &Search {
            sos: 4,
            eos,
            beam: 1,
            max_tokens: GREEDY_TOKENS,
        },
        &never,
        &mut |_| {},
    )?;
    let greedy_cpu = cpu_seconds()? - cpu_before;
    let beam = generate(
        &model,
        &source,
        &Search {
            sos: 4,
            eos,
            beam: BEAM,
            max_tokens: BEAM_STEPS,
        },
        &never,
        &mut |_| {},
    )?;
    let peak_generate = peak_rss()?;
    println!(
        "{}",
        serde_json::json!({
            "weights_bytes": weight_bytes,
            "load_s": load_s,
            "source_encode_s": greedy.source_elapsed.as_secs_f64(),
            "greedy_tokens_per_s": greedy.steps_per_s(),
            "greedy_cpu_share": greedy_cpu / (greedy.source_elapsed + greedy.elapsed).as_secs_f64(),
            "beam_steps_per_s": beam.steps_per_s(),
            "peak_rss_load": peak_load,
            "peak_rss_generate": peak_generate,
        })
    );
    Ok(())
}

fn run_child(dir: &Path) -> Result<serde_json::Value> {
    let out = Command::new(std::env::current_exe()?)
        .env(CHILD_ENV, dir)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "bench child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let line = text.lines().last().context("bench child printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

fn run_python(dir: &Path) -> Result<serde_json::Value> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("scripts/.venv/bin/python");
    anyhow::ensure!(
        python.is_file(),
        "{} not found (see tests/fixtures/parity/make_parity.py for the venv)",
        python.display()
    );
    let out = Command::new(python)
        .arg(root.join("benches/model_bench.py"))
        .arg(dir)
        .args([
            SOURCE_LEN.to_string(),
            GREEDY_TOKENS.to_string(),
            BEAM.to_string(),
            BEAM_STEPS.to_string(),
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "python bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let line = text
        .lines()
        .last()
        .context("python bench printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

/// One result from several rounds: the best of each rate, the worst of each peak, the first
/// round's other figures.
fn best_of(rounds: &[serde_json::Value]) -> serde_json::Value {
    let mut merged = rounds.first().cloned().unwrap_or_default();
    if let Some(fields) = merged.as_object_mut() {
        for (key, value) in fields.iter_mut() {
            if !(key.ends_with("_per_s") || key.starts_with("peak_")) {
                continue;
            }
            let figures = rounds.iter().filter_map(|r| r[key.as_str()].as_f64());
            if let Some(best) = figures.reduce(f64::max) {
                *value = serde_json::json!(best);
            }
        }
    }
    merged
}

fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn report(label: &str, r: &serde_json::Value) {
    let weights = f(r, "weights_bytes");
    println!(
        "[{label}] weights {:.1} MiB, load {:.2} s, source encode {:.3} s",
        weights / 1048576.0,
        f(r, "load_s"),
        f(r, "source_encode_s")
    );
    println!(
        "[{label}] greedy {:.1} tokens/s (target >= 20), beam {BEAM} {:.1} steps/s (target >= 8)",
        f(r, "greedy_tokens_per_s"),
        f(r, "beam_steps_per_s")
    );
    println!(
        "[{label}] CPU time used during greedy: {:.2} cores on average (of {} CPUs)",
        f(r, "greedy_cpu_share"),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("[{label}] peak RSS incl. loading {:.2}x weights, during generation {:.2}x weights (target <= 1.3)",
        f(r, "peak_rss_load") / weights, f(r, "peak_rss_generate") / weights);
}

fn main() -> Result<()> {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        return child(Path::new(&dir));
    }
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let cfg = RobertaConfig::codeexecutor();
    let dir = tempfile::tempdir()?;
    {
        let weights = random_weights(&cfg)?;
        candle_core::safetensors::save(&weights, dir.path().join("model.safetensors"))?;
    }
    std::fs::write(dir.path().join("config.json"), serde_json::to_string(&cfg)?)?;
    println!(
        "full-size CodeExecutor config, random weights; source {SOURCE_LEN} tokens, greedy {GREEDY_TOKENS} tokens, beam {BEAM} x {BEAM_STEPS} steps; {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut rust_rounds = Vec::new();
    let mut python_rounds = Vec::new();
    let mut python_error = None;
    for _ in 0..ROUNDS {
        rust_rounds.push(run_child(dir.path())?);
        if python_error.is_none() {
            match run_python(dir.path()) {
                Ok(py) => python_rounds.push(py),
                Err(e) => python_error = Some(e),
            }
        }
    }
    println!("best of {ROUNDS} rounds, candle and transformers alternating");
    let rust = best_of(&rust_rounds);
    report("candle", &rust);
    let python = match python_error {
        Some(e) => Err(e),
        None => Ok(best_of(&python_rounds)),
    };
    match python {
        Ok(py) => {
            println!(
                "[transformers {} / torch {}] greedy {:.1} tokens/s, beam {BEAM} {:.1} steps/s ({} threads)",
                py["transformers"].as_str().unwrap_or("?"),
                py["torch"].as_str().unwrap_or("?"),
                f(&py, "greedy_tokens_per_s"),
                f(&py, "beam_steps_per_s"),
                py["threads"]
            );
            println!(
                "ratio candle / transformers: greedy {:.2}x, beam {:.2}x (target >= 1.0)",
                f(&rust, "greedy_tokens_per_s") / f(&py, "greedy_tokens_per_s"),
                f(&rust, "beam_steps_per_s") / f(&py, "beam_steps_per_s")
            );
        }
        Err(e) => println!("transformers comparison skipped: {e:#}"),
    }
    let shipped =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(tracelens::model::DEFAULT_MODEL_DIR);
    if shipped.join("config.json").is_file() {
        report("shipped default", &run_child(&shipped)?);
    } else {
        println!(
            "shipped default model: {} does not exist yet",
            shipped.display()
        );
    }
    Ok(())
}
