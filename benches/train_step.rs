//! Training-step benchmark: the same stage-3 (mix) batches of the tiny recipe, trained in one run
//! by (a) each of 2 threads padding its whole share to one length (how steps ran before length
//! groups) and (b) each thread cutting its share into batches of similar length
//! (`batch::shards`). Both start from the same weights, so their losses must agree; prints
//! tokens/s of each and the ratio. Examples are random ids with the lengths of the three
//! datasets (singleline short, tutorial medium, CRUXEval up to 256 source + 320 target ids),
//! taking turns as in the mix. Run: `cargo bench --bench train_step`.

use std::path::Path;
use std::time::Instant;

use candle_core::Device;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tracelens::model::train::batch::{deal, loss_scales, shards, Batch, Example, Scaled, Vocab};
use tracelens::model::train::{TrainOptions, Trainer};
use tracelens::model::{alloc, CodeTokenizer, RobertaConfig};

const STEPS: usize = 12;
const BATCH: usize = 16;
const THREADS: usize = 2;

/// (source, target) length ranges of singleline, tutorial and CRUXEval examples.
const LENGTHS: [((usize, usize), (usize, usize)); 3] = [
    ((25, 50), (25, 80)),
    ((40, 110), (40, 180)),
    ((60, 256), (40, 320)),
];

fn example(rng: &mut StdRng, dataset: usize, vocab_size: u32) -> Example {
    let ((s0, s1), (t0, t1)) = LENGTHS[dataset];
    let (s, t) = (rng.gen_range(s0..=s1), rng.gen_range(t0..=t1));
    let mut ids =
        |n: usize| -> Vec<u32> { (0..n).map(|_| rng.gen_range(10..vocab_size)).collect() };
    Example {
        source: ids(s),
        target: ids(t),
    }
}

/// The layout before length groups: one padded batch per thread's share.
fn one_batch_per_thread(examples: &[Scaled], vocab: &Vocab) -> Vec<Vec<Batch>> {
    deal(examples, THREADS)
        .iter()
        .map(|share| vec![Batch::scaled(share, vocab, &Device::Cpu).expect("a batch")])
        .collect()
}

fn main() -> anyhow::Result<()> {
    alloc::one_candle_thread();
    alloc::keep_freed_buffers();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tracelens-tiny");
    let tokenizer = CodeTokenizer::from_dir(&dir)?;
    let vocab = Vocab::new(&tokenizer)?;
    let cfg = RobertaConfig::from_file(&dir.join("config.json"))?;
    let mut rng = StdRng::seed_from_u64(0);
    let steps: Vec<Vec<(usize, Example)>> = (0..STEPS)
        .map(|_| {
            (0..BATCH)
                .map(|k| (k % 3, example(&mut rng, k % 3, cfg.vocab_size as u32)))
                .collect()
        })
        .collect();
    let options = TrainOptions {
        shards: THREADS,
        ..TrainOptions::default()
    };
    let mut results = Vec::new();
    for grouped in [false, true] {
        let mut trainer = Trainer::new(&cfg, options.clone())?;
        let (mut tokens, mut losses) = (0, Vec::new());
        let start = Instant::now();
        for step in &steps {
            let refs: Vec<(usize, &Example)> = step.iter().map(|(d, e)| (*d, e)).collect();
            let scaled = loss_scales(&refs, &vocab, true);
            let threads = if grouped {
                shards(&scaled, THREADS, &vocab, &Device::Cpu)?
            } else {
                one_batch_per_thread(&scaled, &vocab)
            };
            tokens += threads.iter().flatten().map(|b| b.tokens).sum::<usize>();
            losses.push(trainer.train_step(&threads, 1e-3)?.loss);
        }
        let rate = tokens as f64 / start.elapsed().as_secs_f64();
        let name = if grouped {
            "(b) length groups per thread"
        } else {
            "(a) one padded batch per thread"
        };
        println!("{name}: {rate:.0} tokens/s over {STEPS} steps of {BATCH}");
        results.push((rate, losses));
    }
    let (a, b) = (&results[0], &results[1]);
    let worst =
        a.1.iter()
            .zip(&b.1)
            .map(|(x, y)| ((x - y) / x).abs())
            .fold(0.0f32, f32::max);
    anyhow::ensure!(
        worst < 1e-4,
        "the two layouts disagree: {:?} vs {:?}",
        a.1,
        b.1
    );
    println!(
        "ratio (b)/(a): {:.2}x; losses agree to {worst:.1e} (relative)",
        b.0 / a.0
    );
    Ok(())
}
