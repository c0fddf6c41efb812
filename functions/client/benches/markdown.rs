//! Article rendering cost against input size, for inputs that make naive Markdown renderers
//! (or deep nesting) super-linear: each row renders the same unit repeated n and 8n times,
//! and the ratio of the times should stay near 8.

use client::markdown::render;
use std::time::Instant;

const UNITS: [&str; 12] = [
    "> ", "- ", "1. ", "> - ", "*a", "[a](", "**_", "<", "[a]", "[", "| a ", "~~a",
];

fn seconds(source: &str) -> f64 {
    let started = Instant::now();
    std::hint::black_box(render(source));
    started.elapsed().as_secs_f64()
}

fn main() {
    let (small, large) = (20_000, 160_000);
    println!("| unit | bytes (n) | ms (n) | bytes (8n) | ms (8n) | ratio |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut worst: f64 = 0.0;
    for unit in UNITS {
        let (a, b) = (unit.repeat(small), unit.repeat(large));
        seconds(&a);
        let (ta, tb) = (seconds(&a), seconds(&b));
        let ratio = tb / ta.max(1e-6);
        worst = worst.max(ratio);
        println!(
            "| `{unit}` | {} | {:.2} | {} | {:.2} | {ratio:.1} |",
            a.len(),
            ta * 1e3,
            b.len(),
            tb * 1e3
        );
    }
    println!("worst ratio for 8x the input: {worst:.1} (linear: 8)");
}
