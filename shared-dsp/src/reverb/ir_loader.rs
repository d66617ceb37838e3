//! Loading an impulse response from a WAV file: read, validate, resample to the session rate,
//! normalise. Runs on a loader thread (it allocates and does file I/O), never on the audio
//! thread; the result becomes a [`ConvolutionEngine`] that is handed over through an
//! [`IrMailbox`](super::IrMailbox). [`load_source`] also takes the names of the built-in
//! impulse responses (`builtin:hall`, see [`builtin`](super::builtin)), so that one string
//! (the plugin's saved `ir-path`) names either.
//!
//! Every way a file can be wrong gives an [`IrError`] whose message names the file and says
//! what is wrong in words a user can act on ("… is not a WAV file", "… is 41.0 s long; the
//! limit is 30 s"). The caller keeps whatever IR it had.
//!
//! **Level.** IRs come at any level (some peak at 0 dBFS, some are quiet recordings), so the
//! loaded IR is scaled to unit energy (the mean over its channels of Σh²): white noise then
//! comes out of the convolution at the level it went in, and switching IRs changes the space,
//! not the loudness. Trailing silence (below −140 dB of the peak, typically zero padding) is
//! dropped, because it costs CPU for nothing.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::builtin::{self, Builtin};
use super::resample::resample;
use crate::convolution::ConvolutionEngine;

/// The longest IR accepted, in seconds of the file's own rate.
pub const MAX_IR_SECONDS: f64 = 30.0;

/// Why an impulse response could not be loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum IrError {
    Missing(PathBuf),
    Unreadable(PathBuf, String),
    NotAudio(PathBuf, String),
    Truncated(PathBuf),
    Empty(PathBuf),
    Silent(PathBuf),
    TooLong(PathBuf, f64),
    TooManyChannels(PathBuf, u16),
    BadSamples(PathBuf),
    /// `builtin:<name>` with a name that is not one of the built-ins (a session or preset
    /// from a newer version, or a typo in a hand-written one).
    UnknownBuiltin(String),
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |p: &PathBuf| format!("Impulse response \"{}\"", p.display());
        match self {
            IrError::Missing(p) => write!(f, "{} was not found", name(p)),
            IrError::Unreadable(p, why) => write!(f, "{} cannot be read: {why}", name(p)),
            IrError::NotAudio(p, why) => write!(
                f,
                "{} is not a WAV file the reverb can use ({why})",
                name(p)
            ),
            IrError::Truncated(p) => write!(
                f,
                "{} is damaged or incomplete: the file ends too early",
                name(p)
            ),
            IrError::Empty(p) => write!(f, "{} is empty: it contains no audio", name(p)),
            IrError::Silent(p) => write!(f, "{} contains only silence", name(p)),
            IrError::TooLong(p, s) => write!(
                f,
                "{} is {s:.1} s long; the limit is {MAX_IR_SECONDS:.0} s",
                name(p)
            ),
            IrError::TooManyChannels(p, n) => {
                write!(
                    f,
                    "{} has {n} channels; only mono and stereo impulse responses are supported",
                    name(p)
                )
            }
            IrError::BadSamples(p) => {
                write!(f, "{} contains invalid (infinite or NaN) samples", name(p))
            }
            IrError::UnknownBuiltin(source) => {
                let known: Vec<&str> = Builtin::ALL.iter().map(|b| b.id()).collect();
                write!(
                    f,
                    "Impulse response \"{source}\" is not one of the built-ins ({})",
                    known.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for IrError {}

/// A validated impulse response at the session rate, normalised (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ImpulseResponse {
    /// One (mono) or two (left, right) channels of equal length.
    pub channels: Vec<Vec<f32>>,
    /// The rate the samples are at now (the session's).
    pub sample_rate: f64,
    /// The file's own rate and length (for a built-in: the session rate and its length).
    pub file_rate: u32,
    pub file_seconds: f64,
    /// Which built-in this is, when it was rendered rather than read from a file.
    pub builtin: Option<Builtin>,
}

impl ImpulseResponse {
    /// A short human description for the editor and the log: "2.35 s stereo, 44.1 kHz file",
    /// or "Built-in: Hall 2.2 s".
    pub fn describe(&self) -> String {
        if let Some(b) = self.builtin {
            return format!("Built-in: {}", b.label());
        }
        let layout = if self.channels.len() == 2 {
            "stereo"
        } else {
            "mono"
        };
        format!(
            "{:.2} s {layout}, {:.1} kHz file",
            self.file_seconds,
            self.file_rate as f64 / 1000.0
        )
    }

    /// The convolution engine for this IR (allocates: loader thread only).
    pub fn engine(&self) -> ConvolutionEngine {
        ConvolutionEngine::new(&self.channels, self.sample_rate as f32)
    }
}

fn io_error(path: &Path, e: &io::Error) -> IrError {
    match e.kind() {
        io::ErrorKind::NotFound => IrError::Missing(path.to_path_buf()),
        io::ErrorKind::UnexpectedEof => IrError::Truncated(path.to_path_buf()),
        _ => IrError::Unreadable(path.to_path_buf(), e.to_string()),
    }
}

fn wav_error(path: &Path, e: hound::Error) -> IrError {
    match e {
        // The file opened, so a read error inside it means it ends too early (hound reports a
        // short header as "failed to read enough bytes").
        hound::Error::IoError(e) => match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => io_error(path, &e),
            _ => IrError::Truncated(path.to_path_buf()),
        },
        hound::Error::FormatError(why) => IrError::NotAudio(path.to_path_buf(), why.to_owned()),
        hound::Error::Unsupported => {
            IrError::NotAudio(path.to_path_buf(), "unsupported sample format".to_owned())
        }
        other => IrError::NotAudio(path.to_path_buf(), other.to_string()),
    }
}

/// Reads a WAV file as it is: its channels (de-interleaved, as f32 in −1…1) and its rate.
pub fn read_wav(path: &Path) -> Result<(Vec<Vec<f32>>, u32), IrError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if meta.is_dir() {
        return Err(IrError::Unreadable(
            path.to_path_buf(),
            "it is a folder".to_owned(),
        ));
    }
    if meta.len() == 0 {
        return Err(IrError::Empty(path.to_path_buf()));
    }
    let mut reader = hound::WavReader::open(path).map_err(|e| wav_error(path, e))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(IrError::NotAudio(
            path.to_path_buf(),
            "no channels or no sample rate".to_owned(),
        ));
    }
    if spec.channels > 2 {
        return Err(IrError::TooManyChannels(path.to_path_buf(), spec.channels));
    }
    let frames = reader.duration() as usize;
    if frames == 0 {
        return Err(IrError::Empty(path.to_path_buf()));
    }
    let seconds = frames as f64 / spec.sample_rate as f64;
    if seconds > MAX_IR_SECONDS {
        return Err(IrError::TooLong(path.to_path_buf(), seconds));
    }
    let n = spec.channels as usize;
    let mut channels = vec![Vec::with_capacity(frames); n];
    let mut push = |i: usize, v: f32| channels[i % n].push(v);
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for (i, s) in reader.samples::<f32>().enumerate() {
                push(i, s.map_err(|e| wav_error(path, e))?);
            }
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f64;
            for (i, s) in reader.samples::<i32>().enumerate() {
                push(
                    i,
                    (s.map_err(|e| wav_error(path, e))? as f64 * scale) as f32,
                );
            }
        }
    }
    // A data chunk that claims more than the file holds ends early without an error from some
    // readers: count what arrived.
    if channels.iter().any(|c| c.len() != frames) {
        return Err(IrError::Truncated(path.to_path_buf()));
    }
    Ok((channels, spec.sample_rate))
}

/// Scales the channels to unit mean energy; `false` if they are silent.
pub fn normalise(channels: &mut [Vec<f32>]) -> bool {
    let energy: f64 = channels
        .iter()
        .map(|c| c.iter().map(|&v| (v as f64).powi(2)).sum::<f64>())
        .sum::<f64>()
        / channels.len().max(1) as f64;
    if !(energy > 0.0 && energy.is_finite()) {
        return false;
    }
    let g = (1.0 / energy.sqrt()) as f32;
    for v in channels.iter_mut().flatten() {
        *v *= g;
    }
    true
}

/// Reads, validates, resamples to `sample_rate`, trims trailing silence and normalises.
pub fn load(path: &Path, sample_rate: f64) -> Result<ImpulseResponse, IrError> {
    let (mut channels, file_rate) = read_wav(path)?;
    let file_seconds = channels[0].len() as f64 / file_rate as f64;
    if channels.iter().flatten().any(|v| !v.is_finite()) {
        return Err(IrError::BadSamples(path.to_path_buf()));
    }
    let peak = channels
        .iter()
        .flatten()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    if peak == 0.0 {
        return Err(IrError::Silent(path.to_path_buf()));
    }
    // Trailing silence: the last frame where any channel is above −140 dB of the peak.
    let floor = peak * 1e-7;
    let keep = (0..channels[0].len())
        .rev()
        .find(|&i| channels.iter().any(|c| c[i].abs() > floor))
        .map_or(0, |i| i + 1);
    for c in &mut channels {
        c.truncate(keep);
    }
    if file_rate as f64 != sample_rate {
        channels = channels
            .iter()
            .map(|c| resample(c, file_rate as f64, sample_rate))
            .collect();
    }
    if !normalise(&mut channels) {
        return Err(IrError::Silent(path.to_path_buf()));
    }
    Ok(ImpulseResponse {
        channels,
        sample_rate,
        file_rate,
        file_seconds,
        builtin: None,
    })
}

/// Loads what `source` names: a built-in (`builtin:<name>`, rendered at `sample_rate`) or a
/// WAV file ([`load`]). An unknown built-in name is refused like a bad file.
pub fn load_source(source: &str, sample_rate: f64) -> Result<ImpulseResponse, IrError> {
    match builtin::parse(source) {
        Some(Ok(b)) => Ok(b.render(sample_rate)),
        Some(Err(e)) => Err(e),
        None => load(Path::new(source), sample_rate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mixwerk-ir-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn write_wav(
        path: &Path,
        channels: u16,
        rate: u32,
        bits: u16,
        float: bool,
        frames: &[Vec<f32>],
    ) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: if float {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        };
        let mut w = hound::WavWriter::create(path, spec).expect("create");
        for i in 0..frames[0].len() {
            for c in frames {
                if float {
                    w.write_sample(c[i]).expect("write");
                } else {
                    let max = (1i64 << (bits - 1)) - 1;
                    w.write_sample((c[i] as f64 * max as f64).round() as i32)
                        .expect("write");
                }
            }
        }
        w.finalize().expect("finalize");
    }

    #[test]
    fn reads_formats_and_normalises_to_unit_energy() {
        let dir = temp_dir("formats");
        let left: Vec<f32> = (0..4_800)
            .map(|n| ((n as f32) * 0.37).sin() * (-(n as f32) / 900.0).exp() * 0.8)
            .collect();
        let right: Vec<f32> = left.iter().map(|v| v * -0.5).collect();
        for (bits, float) in [(16u16, false), (24, false), (32, true)] {
            let path = dir.join(format!("ir{bits}.wav"));
            write_wav(
                &path,
                2,
                48_000,
                bits,
                float,
                &[left.clone(), right.clone()],
            );
            let (read, rate) = read_wav(&path).expect("reads");
            assert_eq!(rate, 48_000);
            let lsb = if float {
                1e-7
            } else {
                1.0 / (1u32 << (bits - 1)) as f32
            };
            // Written with full scale 2^(bits−1) − 1, read with 2^(bits−1): within two steps.
            for (a, b) in read[0].iter().zip(&left).chain(read[1].iter().zip(&right)) {
                assert!((a - b).abs() <= 2.0 * lsb, "{bits} bit: {a} vs {b}");
            }
            let ir = load(&path, 48_000.0).expect("loads");
            let energy: f64 = ir
                .channels
                .iter()
                .flatten()
                .map(|&v| (v as f64).powi(2))
                .sum::<f64>()
                / 2.0;
            assert!((energy - 1.0).abs() < 1e-5, "{bits} bit: energy {energy}");
            // Balance kept: right is −0.5 × left.
            assert!((ir.channels[1][100] + 0.5 * ir.channels[0][100]).abs() < 1e-3);
            assert!(ir.describe().contains("stereo"));
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn resamples_to_the_session_rate_keeping_duration() {
        let dir = temp_dir("rate");
        let path = dir.join("mono441.wav");
        let x: Vec<f32> = (0..44_100)
            .map(|n| ((n as f32) * 0.05).sin() * (-(n as f32) / 8_000.0).exp())
            .collect();
        write_wav(&path, 1, 44_100, 32, true, &[x]);
        let ir = load(&path, 96_000.0).expect("loads");
        assert_eq!(ir.channels.len(), 1);
        // The trailing part below −140 dB was trimmed, the rest stretched by 96/44.1.
        let seconds = ir.channels[0].len() as f64 / 96_000.0;
        assert!(seconds > 0.5 && seconds <= 1.0 + 1e-4, "{seconds} s");
        assert_eq!(ir.file_rate, 44_100);
        assert!((ir.file_seconds - 1.0).abs() < 1e-9);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bad_files_are_refused_with_a_clear_message() {
        let dir = temp_dir("bad");
        let good = dir.join("good.wav");
        write_wav(&good, 1, 48_000, 16, false, &[vec![0.5; 1_000]]);
        let bytes = std::fs::read(&good).expect("read");

        let missing = dir.join("nowhere.wav");
        let text = dir.join("notes.wav");
        std::fs::write(&text, "This is a text file, not audio.\n").expect("write");
        let truncated_header = dir.join("cut-header.wav");
        std::fs::write(&truncated_header, &bytes[..20]).expect("write");
        let truncated_data = dir.join("cut-data.wav");
        std::fs::write(&truncated_data, &bytes[..bytes.len() - 500]).expect("write");
        let zero_bytes = dir.join("zero.wav");
        std::fs::write(&zero_bytes, b"").expect("write");
        let no_frames = dir.join("no-frames.wav");
        write_wav(&no_frames, 1, 48_000, 16, false, &[vec![]]);
        let silent = dir.join("silent.wav");
        write_wav(&silent, 1, 48_000, 16, false, &[vec![0.0; 100]]);
        let quad = dir.join("quad.wav");
        write_wav(
            &quad,
            4,
            48_000,
            16,
            false,
            &[vec![0.1; 10], vec![0.1; 10], vec![0.1; 10], vec![0.1; 10]],
        );
        let long = dir.join("long.wav");
        write_wav(&long, 1, 1_000, 16, false, &[vec![0.1; 31_000]]);

        type Case<'a> = (&'a Path, fn(&IrError) -> bool, &'a str);
        let cases: [Case; 9] = [
            (
                &missing,
                |e| matches!(e, IrError::Missing(_)),
                "was not found",
            ),
            (
                &text,
                |e| matches!(e, IrError::NotAudio(..)),
                "is not a WAV file",
            ),
            (
                &truncated_header,
                |e| matches!(e, IrError::Truncated(_)),
                "damaged",
            ),
            (
                &truncated_data,
                |e| matches!(e, IrError::Truncated(_)),
                "damaged",
            ),
            (&zero_bytes, |e| matches!(e, IrError::Empty(_)), "is empty"),
            (&no_frames, |e| matches!(e, IrError::Empty(_)), "is empty"),
            (&silent, |e| matches!(e, IrError::Silent(_)), "only silence"),
            (
                &quad,
                |e| matches!(e, IrError::TooManyChannels(_, 4)),
                "4 channels",
            ),
            (
                &long,
                |e| matches!(e, IrError::TooLong(..)),
                "31.0 s long; the limit is 30 s",
            ),
        ];
        for (path, kind, words) in cases {
            let err = load(path, 48_000.0).expect_err("must be refused");
            let msg = err.to_string();
            println!("{msg}");
            assert!(kind(&err), "{}: {err:?}", path.display());
            assert!(
                msg.contains(&path.display().to_string()) && msg.contains(words),
                "{msg}"
            );
        }
        assert!(load(&good, 48_000.0).is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }
}
