//! How long one password check takes with the given algorithm and cost, on one core: the
//! ceiling for logins per second is the number of cores divided by this.
//!
//! It verifies a password against a hash made with the same parameters, as a login does,
//! `ROUNDS` times after one warm-up, and prints the median in milliseconds.
//!
//! ```sh
//! hash-time bcrypt 12
//! hash-time argon2id 19456 2 1      # memory KiB, iterations, parallelism
//! ```

use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

const ROUNDS: usize = 15;
const PASSWORD: &str = "correct horse battery staple";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn number<T: std::str::FromStr>(args: &[String], at: usize, what: &str) -> Result<T> {
    args.get(at)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| format!("missing or bad {what}; see the usage in the source").into())
}

/// A function that checks the password once.
fn checker(args: &[String]) -> Result<Box<dyn Fn() -> Result<()>>> {
    match args.first().map(String::as_str) {
        Some("bcrypt") => {
            let cost: u32 = number(args, 1, "bcrypt cost")?;
            let hash = bcrypt::hash(PASSWORD, cost)?;
            Ok(Box::new(move || {
                if !bcrypt::verify(PASSWORD, &hash)? {
                    return Err("bcrypt refused its own hash".into());
                }
                Ok(())
            }))
        }
        Some("argon2id") => {
            let params = Params::new(
                number(args, 1, "memory KiB")?,
                number(args, 2, "iterations")?,
                number(args, 3, "parallelism")?,
                None,
            )
            .map_err(|err| format!("bad Argon2 parameters: {err}"))?;
            let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            let hash = argon2
                .hash_password(PASSWORD.as_bytes())
                .map_err(|err| format!("hashing failed: {err}"))?
                .to_string();
            Ok(Box::new(move || {
                let parsed =
                    PasswordHash::new(&hash).map_err(|err| format!("bad PHC string: {err}"))?;
                argon2
                    .verify_password(PASSWORD.as_bytes(), &parsed)
                    .map_err(|err| format!("Argon2 refused its own hash: {err}"))?;
                Ok(())
            }))
        }
        _ => Err(
            "usage: hash-time bcrypt COST | hash-time argon2id MEMORY_KIB ITERATIONS PARALLELISM"
                .into(),
        ),
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = checker(&args)?;
    check()?;
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            check().map(|()| started.elapsed())
        })
        .collect::<Result<_>>()?;
    times.sort();
    println!("{:.3}", times[ROUNDS / 2].as_secs_f64() * 1000.0);
    Ok(())
}
