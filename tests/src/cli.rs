//! The command-line arguments of the harness's binaries (`clap_render`, `fuzz`): options and
//! their values, with the same errors everywhere.

use std::str::FromStr;

/// The process's arguments as `parse` reads them; if it refuses them, its message (after
/// `prefix`) on stderr and `None`, for the binary to exit with a failure.
pub fn from_env<T>(parse: impl FnOnce(&[String]) -> Result<T, String>, prefix: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    parse(&args).map_err(|e| eprintln!("{prefix}{e}")).ok()
}

/// The arguments, read one at a time.
pub struct Args<'a> {
    it: std::slice::Iter<'a, String>,
}

impl<'a> Args<'a> {
    pub fn new(args: &'a [String]) -> Self {
        Self { it: args.iter() }
    }

    /// The next argument, if any.
    pub fn next_arg(&mut self) -> Option<&'a str> {
        self.it.next().map(String::as_str)
    }

    /// The value that follows option `name`: "`name` needs a value" if there is none.
    pub fn value(&mut self, name: &str) -> Result<String, String> {
        self.it
            .next()
            .cloned()
            .ok_or_else(|| format!("{name} needs a value"))
    }

    /// The value of option `name` as a number that `ok` accepts: "`name`: '…' is not
    /// `what`" if it does not parse or is refused.
    pub fn number<T: FromStr>(
        &mut self,
        name: &str,
        what: &str,
        ok: impl Fn(&T) -> bool,
    ) -> Result<T, String> {
        let v = self.value(name)?;
        v.parse()
            .ok()
            .filter(ok)
            .ok_or_else(|| format!("{name}: '{v}' is not {what}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_values_and_their_errors() {
        let a = args(&["--block", "512", "--tempo", "0", "--seed", "x", "--plugin"]);
        let mut it = Args::new(&a);
        assert_eq!(it.next_arg(), Some("--block"));
        assert_eq!(
            it.number("--block", "a positive whole number", |&b: &u32| b > 0),
            Ok(512)
        );
        assert_eq!(it.next_arg(), Some("--tempo"));
        assert_eq!(
            it.number("--tempo", "a positive number", |t: &f64| *t > 0.0),
            Err("--tempo: '0' is not a positive number".to_owned())
        );
        assert_eq!(it.next_arg(), Some("--seed"));
        assert_eq!(
            it.number::<u64>("--seed", "a whole number", |_| true),
            Err("--seed: 'x' is not a whole number".to_owned())
        );
        assert_eq!(it.next_arg(), Some("--plugin"));
        assert_eq!(
            it.value("--plugin"),
            Err("--plugin needs a value".to_owned())
        );
        assert_eq!(it.next_arg(), None);
    }
}
